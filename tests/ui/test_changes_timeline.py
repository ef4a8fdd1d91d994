"""Issue 13 point 3: the changes timeline (`H`). Policy changes seen live, newest first, with the drops around them;
the highlighted change shows its diff and what it broke. Driven with the real KubeFeed against the in-process fake
API server changing a policy mid-stream."""

from __future__ import annotations

from dataclasses import replace

from support import fake_apiserver as fa
from textual.widgets import DataTable

from netpol_tui.cli.app_factory import KubeFeed, make_app
from netpol_tui.core.model import Flow
from netpol_tui.core.policy_delta import Action, Part, SpecDelta, spec_deltas, unified_spec_diff
from netpol_tui.demo import demo_snapshot
from netpol_tui.ui.feeds import MemoryFlowFeed, StaticCluster
from netpol_tui.ui.screens.changes_dialog import ChangesDialog

from .conftest import CONNECTED, fixed_clock, wait_until
from .prod_cluster import API, WEB, fake_prod_cluster

OK = Flow(
    time_ns=1_764_151_200_000_000_000,
    verdict="FORWARDED",
    traffic_direction="INGRESS",
    protocol="TCP",
    source_port=40000,
    destination_port=8080,
    source=WEB,
    destination=API,
    node_name="node-1",
)
DROP = replace(OK, verdict="DROPPED", drop_reason="POLICY_DENIED", time_ns=OK.time_ns + 5_000_000_000)
ALLOW_WEB = {
    "podSelector": {"matchLabels": {"app": "api"}},
    "policyTypes": ["Ingress"],
    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 8080}]}],
}
# the change that breaks it: port 8080 replaced by 9090
PORT_9090 = {
    "podSelector": {"matchLabels": {"app": "api"}},
    "policyTypes": ["Ingress"],
    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 9090}]}],
}
# a change that selects no pod of the traffic seen
DB_INGRESS = {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"]}
SIZE = (160, 48)


def fake_cluster(tmp_path):
    return fake_prod_cluster(tmp_path, ALLOW_WEB)


def live_app(kubeconfig: str, tmp_path):
    feed = MemoryFlowFeed([CONNECTED, OK], label="relay 127.0.0.1:4245")
    app = make_app(feed, KubeFeed(kubeconfig, None, None), clock=fixed_clock, save_dir=tmp_path)
    return app, feed


async def _break_then_harmless(pilot, app, srv, feed) -> None:
    """The flow passes; api-ingress loses port 8080 (the next flow is dropped); then an unrelated policy comes."""
    await wait_until(pilot, lambda: app.main.snapshot is not None and app.main.total_flows >= 1)
    srv.put(fa.network_policy("prod", "api-ingress", PORT_9090))
    await wait_until(pilot, lambda: len(app.changes.rows()) == 1)
    feed.push([DROP])
    await wait_until(pilot, lambda: len(app.groups_by_count()) == 1)
    srv.put(fa.network_policy("prod", "db-ingress", DB_INGRESS))
    await wait_until(pilot, lambda: len(app.changes.rows()) == 2)


async def _open(pilot, app) -> ChangesDialog:
    await pilot.press("H")
    await wait_until(pilot, lambda: isinstance(app.screen, ChangesDialog))
    dialog = app.screen
    assert isinstance(dialog, ChangesDialog)
    await wait_until(pilot, lambda: dialog.broken is not None and dialog.impact is not None)
    return dialog


def _cells(dialog: ChangesDialog) -> list[list[str]]:
    table = dialog.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_timeline_lists_the_change_and_shows_its_diff_and_the_group_it_broke(tmp_path):
    with fake_cluster(tmp_path) as (srv, kubeconfig):
        app, feed = live_app(kubeconfig, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await _break_then_harmless(pilot, app, srv, feed)
            dialog = await _open(pilot, app)
            rows = _cells(dialog)
            # newest first: time, kind, policy, change, drops in the window before / after, groups broken
            assert rows[0][1:4] == ["NetworkPolicy", "prod/db-ingress", "created"]
            assert rows[1][1:4] == ["NetworkPolicy", "prod/api-ingress", "modified"]
            assert rows[1][0] == rows[0][0] == "10:01:00"  # the app's clock when the change arrived
            assert rows[1][4:] == ["0", "1+", "1"]  # no drop before it, one since (window still open)
            assert rows[0][4:] == ["1", "0+", "0"]

            # the newest is shown first: it broke nothing, and says so
            assert "NetworkPolicy prod/db-ingress created at 10:01:00" in dialog.detail_text
            assert "Nothing seen: no drop group is due to it" in dialog.detail_text
            assert dialog.impact is not None and dialog.impact.groups == () and dialog.impact.flipped == ()

            # select the breaking change
            await pilot.press("down", "enter")
            await wait_until(
                pilot, lambda: dialog.impact is not None and dialog.impact.event.policy.name == "api-ingress"
            )
            text = dialog.detail_text
            assert "NetworkPolicy prod/api-ingress modified at 10:01:00 · resourceVersion " in text
            assert "removed port 8080/TCP from ingress rule #1" in text
            assert "added port 9090/TCP to ingress rule #1" in text
            # the drop group whose verdict it made, with its count
            assert "Drop groups due to it (1):" in text
            assert (
                "1 × prod/web-1 → prod/api-1 8080/TCP · POLICY_DENIED · allowed until this change (ingress)"
                in text
            )
            # the observed connection it denied (the forwarded flow and the drop: one connection, two flows)
            assert "Observed connections it denied (1 of 1 compared):" in text
            assert "prod/web-1 → prod/api-1 8080/TCP · 2 flows · ingress" in text
            assert "Nothing seen" not in text
            # the spec's YAML diff
            assert "-    - port: 8080" in text and "+    - port: 9090" in text
            impact = dialog.impact
            assert [(b.group.count, b.attribution.before, b.attribution.now) for b in impact.groups] == [
                (1, True, False)
            ]
            assert [(c.before, c.after) for c in impact.flipped] == [(True, False)]

            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is app.main)


async def test_the_drop_and_its_group_name_the_change_that_caused_it(tmp_path):
    with fake_cluster(tmp_path) as (srv, kubeconfig):
        feed = MemoryFlowFeed([CONNECTED, OK], label="relay 127.0.0.1:4245")
        app = make_app(
            feed,
            KubeFeed(kubeconfig, None, None),
            clock=fixed_clock,
            save_dir=tmp_path,
            select_first_drop=True,
        )
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.main.snapshot is not None and app.main.total_flows >= 1)
            srv.put(fa.network_policy("prod", "api-ingress", PORT_9090))
            await wait_until(pilot, lambda: len(app.changes.rows()) == 1)
            feed.push([DROP])  # selected as the first drop
            cause = (
                "allowed until prod/api-ingress was modified at 10:01:00 — that change removed port 8080/TCP "
                "from ingress rule #1 (H: the changes timeline)"
            )
            await wait_until(pilot, lambda: cause in " ".join(app.query_one("#explanation").text.split()))
            # the grouped view: the drop group's explanation names it too
            await pilot.press("g")
            await wait_until(
                pilot,
                lambda: (
                    "1 drop " in (t := " ".join(app.query_one("#explanation").text.split())) and cause in t
                ),
            )


async def test_empty_timeline_of_a_live_cluster_says_nothing_changed_since_the_watch_started(tmp_path):
    with fake_cluster(tmp_path) as (_srv, kubeconfig):
        app, _feed = live_app(kubeconfig, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.main.snapshot is not None)
            await pilot.press("H")
            await wait_until(pilot, lambda: isinstance(app.screen, ChangesDialog))
            dialog = app.screen
            assert dialog.rows == []
            empty = str(dialog.query_one("#changes-empty").render())
            assert "No policy changes seen since the cluster watch started at 10:01:00" in empty
            assert not dialog.query_one(DataTable).display


async def test_empty_timeline_of_files_says_history_needs_a_live_watch(tmp_path):
    feed = MemoryFlowFeed([CONNECTED, OK], label="capture")
    app = make_app(feed, StaticCluster(demo_snapshot(), label="demo shop"), clock=fixed_clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.main.snapshot is not None)
        await pilot.press("H")
        await wait_until(pilot, lambda: isinstance(app.screen, ChangesDialog))
        empty = str(app.screen.query_one("#changes-empty").render())
        assert "the cluster comes from files or the demo" in empty
        assert "recorded from a live cluster watch" in empty


def test_spec_deltas_name_rules_ports_peers_and_fields():
    before = {"kind": "NetworkPolicy", "metadata": {"name": "a", "resourceVersion": "1"}, "spec": ALLOW_WEB}
    after_spec = {
        "podSelector": {"matchLabels": {"app": "api2"}},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [
            {
                "from": [
                    {"podSelector": {"matchLabels": {"app": "web"}}},
                    {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}},
                ],
                "ports": [{"port": 8080}],
            },
            {"ports": [{"port": 53, "protocol": "UDP"}]},
        ],
        "egress": [{}],
    }
    after = {"kind": "NetworkPolicy", "metadata": {"name": "a", "resourceVersion": "2"}, "spec": after_spec}
    assert spec_deltas(before, after) == [
        SpecDelta(Action.CHANGED, Part.FIELD, "podSelector", 0, "app=api2", old="app=api"),
        SpecDelta(Action.CHANGED, Part.FIELD, "policyTypes", 0, "Ingress, Egress", old="Ingress"),
        SpecDelta(Action.ADDED, Part.PEER, "ingress", 1, "ipBlock 10.0.0.0/8 except 10.1.0.0/16"),
        SpecDelta(Action.ADDED, Part.RULE, "ingress", 2, "53/UDP"),
        SpecDelta(Action.ADDED, Part.RULE, "egress", 1, "{}"),
    ]
    # deleted: every rule removed; metadata never counts
    assert spec_deltas(before, None)[-1] == SpecDelta(
        Action.REMOVED, Part.RULE, "ingress", 1, "podSelector app=web · 8080/TCP"
    )
    assert spec_deltas(before, {**before, "metadata": {"resourceVersion": "9"}}) == []
    assert unified_spec_diff(before, {**before, "metadata": {"resourceVersion": "9"}}) == []


def test_spec_deltas_of_a_cilium_policy():
    rule = {
        "fromEndpoints": [{"matchLabels": {"app": "web"}}],
        "toPorts": [{"ports": [{"port": "80", "protocol": "TCP"}, {"port": "443", "protocol": "TCP"}]}],
    }
    before = {"kind": "CiliumNetworkPolicy", "spec": {"endpointSelector": {}, "ingress": [rule]}}
    narrowed = {**rule, "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]}
    after = {
        "kind": "CiliumNetworkPolicy",
        "spec": {"endpointSelector": {}, "ingress": [narrowed], "egressDeny": [{"toEntities": ["world"]}]},
    }
    assert spec_deltas(before, after) == [
        SpecDelta(Action.REMOVED, Part.PORT, "ingress", 1, "80/TCP"),
        SpecDelta(Action.ADDED, Part.RULE, "egressDeny", 1, "toEntities world"),
    ]


class TestChangesSnapshot:
    def test_changes_timeline_160x48(self, snap_compare, tmp_path):
        with fake_cluster(tmp_path) as (srv, kubeconfig):
            app, feed = live_app(kubeconfig, tmp_path)

            async def run_before(pilot):
                await _break_then_harmless(pilot, app, srv, feed)
                dialog = await _open(pilot, app)
                await pilot.press("down")
                await wait_until(
                    pilot,
                    lambda: dialog.impact is not None and dialog.impact.event.policy.name == "api-ingress",
                )

            assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _snapshot(*policies):
    from netpol_tui.core.cluster import ClusterSnapshot
    from netpol_tui.core.manifests import parse_objects

    objs = [
        fa.namespace("prod", {"team": "shop"}),
        fa.pod("prod", "web-1", {"app": "web"}, "10.0.1.10"),
        fa.pod("prod", "api-1", {"app": "api"}, "10.0.1.5", ports=[(8080, "http")]),
        *policies,
    ]
    return ClusterSnapshot.from_parse(parse_objects(objs))


def test_drops_counted_before_and_after_a_change_and_a_deletion_as_the_cause():
    from netpol_tui.ui.changes_log import WINDOW, ChangesLog

    clock = Clock(1000.0)
    log = ChangesLog(clock)
    deny_all = fa.network_policy("prod", "deny-all", {"podSelector": {}, "policyTypes": ["Ingress"]})
    log.observe(_snapshot(fa.network_policy("prod", "api-ingress", ALLOW_WEB), deny_all))
    log.add_drops(5)  # long before: outside the window
    clock.now += 100
    log.add_drops(3)
    clock.now += 10
    log.observe(_snapshot(deny_all))  # api-ingress deleted: web -> api is denied by deny-all alone
    log.add_drops(2)
    clock.now += 30
    log.add_drops(4)
    [row] = log.rows()
    assert (row.event.policy.name, str(row.event.change.change)) == ("api-ingress", "deleted")
    assert (row.seen_at, row.drops_before, row.drops_after, row.after_complete) == (1110.0, 3, 6, False)
    clock.now += WINDOW  # the window after it has passed: later drops do not count
    log.add_drops(7)
    [row] = log.rows()
    assert (row.drops_after, row.after_complete) == (6, True)

    cause = log.cause(DROP)
    assert cause is not None and cause.before is True and cause.event == row.event
    assert [(d.action, d.part, d.section, d.rule) for d in cause.deltas] == [
        (Action.REMOVED, Part.RULE, "ingress", 1)
    ]
    impact = log.impact(row.event, [], [OK])
    assert impact.kept and [(c.before, c.after) for c in impact.flipped] == [(True, False)]
    assert "-  ingress:" in impact.unified
    # an unrelated connection (api -> web) has no cause
    assert log.cause(replace(DROP, source=API, destination=WEB)) is None


def test_drop_marks_stay_bounded_by_the_window():
    from netpol_tui.ui.changes_log import WINDOW, ChangesLog

    clock = Clock(5000.0)
    log = ChangesLog(clock)
    for _ in range(5000):  # 5,000 batches over 250 s
        clock.now += 0.05
        log.add_drops(1)
    assert len(log._marks) <= WINDOW + 3
    log.observe(_snapshot())
    log.observe(_snapshot(fa.network_policy("prod", "api-ingress", ALLOW_WEB)))
    [row] = log.rows()
    assert (
        abs(row.drops_before - WINDOW / 0.05) <= 20
    )  # about 1,200 drops in the minute before (to the second)


async def test_the_open_timeline_follows_new_changes_and_drops(tmp_path):
    """Left open during an incident, the timeline lists a change that arrives meanwhile (newest first, the
    highlighted change stays highlighted), counts the drops after it and the drop group it caused."""
    with fake_cluster(tmp_path) as (srv, kubeconfig):
        app, feed = live_app(kubeconfig, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.main.snapshot is not None and app.main.total_flows >= 1)
            srv.put(fa.network_policy("prod", "db-ingress", DB_INGRESS))  # harmless
            await wait_until(pilot, lambda: len(app.changes.rows()) == 1)
            dialog = await _open(pilot, app)
            assert [r[2] for r in _cells(dialog)] == ["prod/db-ingress"]
            # while it is open: api-ingress loses port 8080, and the next flow is dropped
            srv.put(fa.network_policy("prod", "api-ingress", PORT_9090))
            await wait_until(pilot, lambda: len(_cells(dialog)) == 2, timeout=15)
            rows = _cells(dialog)
            assert [r[2] for r in rows] == ["prod/api-ingress", "prod/db-ingress"]
            assert dialog.query_one(DataTable).cursor_row == 1  # still on db-ingress, the change shown
            assert dialog.shown is not None and dialog.shown.policy.name == "db-ingress"
            feed.push([DROP])
            await wait_until(pilot, lambda: _cells(dialog)[0][4:] == ["0", "1+", "1"], timeout=15)
            assert _cells(dialog)[1][4:] == ["0", "1+", "0"]


async def test_an_empty_open_timeline_shows_the_first_change_when_it_comes(tmp_path):
    with fake_cluster(tmp_path) as (srv, kubeconfig):
        app, _feed = live_app(kubeconfig, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.main.snapshot is not None)
            await pilot.press("H")
            await wait_until(pilot, lambda: isinstance(app.screen, ChangesDialog))
            dialog = app.screen
            assert dialog.rows == [] and not dialog.query_one(DataTable).display
            srv.put(fa.network_policy("prod", "db-ingress", DB_INGRESS))
            await wait_until(pilot, lambda: dialog.impact is not None, timeout=15)
            assert dialog.query_one(DataTable).display and not dialog.query_one("#changes-empty").display
            assert [r[1:4] for r in _cells(dialog)] == [["NetworkPolicy", "prod/db-ingress", "created"]]
            assert "NetworkPolicy prod/db-ingress created at 10:01:00" in dialog.detail_text
