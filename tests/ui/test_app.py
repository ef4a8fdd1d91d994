"""Pilot tests: the app built by the CLI's factory, fed from memory."""

from __future__ import annotations

from netpol_tui.cli.app_factory import HubbleFeed
from netpol_tui.core import wording
from netpol_tui.core.explain import explain_flow
from netpol_tui.core.model import KubeStatus
from netpol_tui.demo import demo_snapshot
from netpol_tui.ui import strings
from netpol_tui.ui.feeds import StaticCluster
from netpol_tui.ui.screens.help_dialog import HelpDialog
from netpol_tui.ui.widgets.flow_table import FlowTable
from netpol_tui.ui.widgets.group_table import GroupTable
from netpol_tui.ui.widgets.pod_tree import PodTree

from .conftest import build_app, wait_for_explanations, wait_until

N = 60


async def _ready(pilot, app, n=N):
    await wait_until(pilot, lambda: app.main.total_flows >= n and app.main.snapshot is not None)


async def _select_row(pilot, app, index):
    await pilot.press("home")
    for _ in range(index):
        await pilot.press("j")
    await wait_for_explanations(app)
    await pilot.pause()


async def test_selecting_a_demo_drop_names_policies_and_failing_clause():
    app, _ = build_app(N)
    async with app.run_test(size=(180, 50)) as pilot:
        await _ready(pilot, app)
        await _select_row(pilot, app, 7)  # frontend → api:8080, dropped at ingress (Service port in the rule)
        flow = app.main.view[7]
        assert flow.verdict == "DROPPED" and flow.destination_port == 8080
        text = app.query_one("#explanation").text
        assert "shop/api-ingress" in text and "shop/default-deny" in text
        assert "allows port 80/TCP, not 8080/TCP" in text  # the failing clause of the closest rule
        assert "Closest rule" in text
        fix = app.query_one("#fix").text
        assert "Fix (ingress)" in fix and "port: 8080" in fix


async def test_copy_puts_exactly_the_fix_yaml_on_the_clipboard(tmp_path):
    app, _ = build_app(N, tmp_path=tmp_path)
    async with app.run_test(size=(180, 50)) as pilot:
        await _ready(pilot, app)
        await _select_row(pilot, app, 6)  # worker → kube-dns 53/UDP, egress
        expected = explain_flow(app.main.view[6], demo_snapshot()).fixes
        assert len(expected) == 1
        await pilot.press("c")
        assert app.clipboard == expected[0].yaml
        await pilot.press("s")
        saved = list(tmp_path.glob("*.yaml"))
        assert len(saved) == 1 and saved[0].read_text() == expected[0].yaml


async def test_copy_without_a_fix_copies_nothing():
    app, _ = build_app(N)
    async with app.run_test(size=(180, 50)) as pilot:
        await _ready(pilot, app)
        await _select_row(pilot, app, 0)  # forwarded: no fix
        await pilot.press("c")
        assert app.clipboard == ""


async def test_filter_by_pod_words():
    app, _ = build_app(N)
    async with app.run_test(size=(180, 50)) as pilot:
        await _ready(pilot, app)
        await pilot.press("slash")
        await pilot.press(*"pod:shop/worker")
        await pilot.press("enter")
        await pilot.pause()
        rows = list(app.main.view)
        assert rows and len(rows) < N
        assert all("worker" in f.source.pod_name or "worker" in f.destination.pod_name for f in rows)
        assert "filter: pod:shop/worker" in app.main.status_data().subscription


async def test_bad_filter_word_is_refused_in_place():
    app, _ = build_app(N)
    async with app.run_test(size=(180, 50)) as pilot:
        await _ready(pilot, app)
        await pilot.press("slash", *"port:99999", "enter")
        await pilot.pause()
        assert "port" in str(app.screen.query_one("#error").content)
        await pilot.press("escape")
        assert len(app.main.view) == N


async def test_live_default_subscribes_to_drops_and_a_chosen_pod_reopens_with_all_its_flows():
    app, feed = build_app(N, server_filters=True, narrow_live=True)
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_until(pilot, lambda: app.main.snapshot is not None and feed.queries)
        first = feed.queries[0]
        assert [set(s.verdict) for s in first.whitelist] == [{"DROPPED", "AUDIT"}]
        assert "drops (DROPPED, AUDIT) cluster-wide" in app.main.status_data().subscription
        app.query_one(PodTree).post_message(PodTree.Chosen("shop", "worker-5c7d9f8b4-h3k9l"))
        await wait_until(pilot, lambda: len(feed.queries) >= 2)
        second = feed.queries[-1]
        assert all(not s.verdict for s in second.whitelist)
        pods = {p for s in second.whitelist for p in s.source_pod + s.destination_pod}
        assert pods == {"shop/worker-5c7d9f8b4-h3k9l"}
        assert "all flows of pod shop/worker-5c7d9f8b4-h3k9l" in app.main.status_data().subscription
        text = app.query_one("#explanation").text
        assert "shop/worker-egress" in text  # the policies that select it
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(feed.queries) >= 3)
        assert [set(s.verdict) for s in feed.queries[-1].whitelist] == [{"DROPPED", "AUDIT"}]


async def test_pause_keeps_the_selected_row_while_flows_arrive():
    app, feed = build_app(N)
    async with app.run_test(size=(180, 40)) as pilot:
        await _ready(pilot, app)
        await _select_row(pilot, app, 10)
        table = app.query_one(FlowTable)
        key, top, selected = table.cursor_key, table.scroll_y, app.main.view[10]
        # streaming on, selection pinned: new rows come in below, the row stays put
        from netpol_tui.cli.app_factory import demo_flows

        more = demo_flows(200, start_ns=1_764_151_300_000_000_000)
        feed.push(more[:100])
        await wait_until(pilot, lambda: app.main.total_flows >= N + 100 and table.synced)
        assert table.cursor_key == key and table.scroll_y == top and app.main.view[table.cursor] is selected
        await pilot.press("space")
        feed.push(more[100:])
        await wait_until(pilot, lambda: app.main.total_flows >= N + 200 and table.synced)
        assert app.main.pending_count == 100 and len(app.main.view) == N + 100
        assert "PAUSED" in app.main.status_data().paused
        assert table.cursor_key == key and table.scroll_y == top
        await pilot.press("space")
        assert len(app.main.view) == N + 200 and table.cursor_key == key


async def test_rows_evicted_from_the_ring_do_not_move_the_selection():
    app, feed = build_app(40, buffer=50)
    async with app.run_test(size=(180, 40)) as pilot:
        await _ready(pilot, app, 40)
        await _select_row(pilot, app, 30)
        table = app.query_one(FlowTable)
        selected = app.main.view[table.cursor]
        screen_row = table.cursor - table.scroll_y
        from netpol_tui.cli.app_factory import demo_flows

        feed.push(demo_flows(15, start_ns=1_764_151_300_000_000_000))  # 5 rows fall out at the top
        await wait_until(pilot, lambda: app.main.total_flows >= 55 and table.synced)  # repaints are coalesced
        assert app.main.view[table.cursor] is selected
        assert table.cursor - table.scroll_y == screen_row


async def test_help_opens_and_closes():
    app, _ = build_app(10)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpDialog)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpDialog)


async def test_grouped_view_counts_equal_the_drops():
    app, _ = build_app(400)
    async with app.run_test(size=(180, 50)) as pilot:
        await _ready(pilot, app, 400)
        drops = sum(1 for f in app.main.ring if f.verdict in ("DROPPED", "AUDIT"))
        await pilot.press("g")
        await pilot.pause()
        table = app.query_one(GroupTable)
        assert table.display and table.row_count() > 3
        counts = [g.count for g in table.groups]
        assert sum(counts) == drops == app.main.total_drops
        assert counts == sorted(counts, reverse=True)
        await wait_for_explanations(app)
        await pilot.pause()
        assert "drops" in app.query_one("#explanation").text  # the top group is explained
        assert not app.query_one("#hint").display  # a group is selected: no "select a red row" hint
        await pilot.press("c")
        assert app.clipboard.startswith("apiVersion: networking.k8s.io/v1")


async def test_status_bar_counts_equal_the_flows_sent():
    app, feed = build_app(300)
    async with app.run_test(size=(180, 50)) as pilot:
        await _ready(pilot, app, 300)
        d = app.main.status_data()
        assert d.flows == feed.sent - 1 == 300  # the StreamState item is not a flow
        assert d.drops == sum(1 for f in app.main.ring if f.verdict == "DROPPED")


async def test_relay_unreachable_shows_what_was_tried_and_retries():
    from netpol_tui.sources.hubble import HubbleConfig

    feed = HubbleFeed(HubbleConfig(server="127.0.0.1:1", timeout=1.0), "relay 127.0.0.1:1", retry_max=1.0)
    from netpol_tui.cli.app_factory import make_app

    app = make_app(feed, StaticCluster(demo_snapshot()))
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_until(
            pilot, lambda: app.main.stream_state is not None and app.main.stream_state.state == "failed"
        )
        panel = app.query_one("#trouble")
        assert panel.display
        text = str(panel.content)
        assert "127.0.0.1:1" in text and "port-forward" in text and "-P" in text and "--tls" in text
        assert "Retrying in" in text
        assert app.main.status_data().connection == "unreachable"


async def test_kube_forbidden_shows_a_banner_naming_the_permission():
    st = KubeStatus(
        "forbidden", "networkpolicies", wording.forbidden_text("list", "networkpolicies", "networking.k8s.io")
    )
    from netpol_tui.cli.app_factory import make_app
    from netpol_tui.ui.feeds import MemoryFlowFeed

    app = make_app(MemoryFlowFeed([]), StaticCluster(demo_snapshot(), statuses=[st]))
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_until(pilot, lambda: app.main.kube_status is not None)
        banner = app.query_one("#banner")
        assert banner.display
        assert "list/watch on networking.k8s.io networkpolicies" in str(banner.content)


async def test_command_palette_offers_the_actions():
    app, _ = build_app(10)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for t in ("Drops only", "Grouped view", "Pause / resume", "Copy fix", "Save fix", "Show policy YAML"):
            assert t in titles
        ours = [
            c for c in app.get_system_commands(app.screen) if c.title in {t for t, _, _ in strings.COMMANDS}
        ]
        assert [(c.title, c.help) for c in ours] == [
            (t, h) for t, h, _ in strings.COMMANDS
        ]  # words from core.wording


async def test_drops_only_toggle():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await pilot.press("d")
        await pilot.pause()
        assert app.main.view and all(f.verdict in ("DROPPED", "AUDIT") for f in app.main.view)
        await pilot.press("d")
        assert len(app.main.view) == N


async def test_every_flow_column_keeps_a_blank_column_before_the_next():
    import dataclasses

    from netpol_tui.cli.app_factory import demo_flows, make_app
    from netpol_tui.core.flowquery import VERDICTS
    from netpol_tui.ui.feeds import MemoryFlowFeed

    from .conftest import CONNECTED, fixed_clock

    base = demo_flows(1)[0]
    flows = [dataclasses.replace(base, verdict=v, destination_port=65535, protocol="SCTP") for v in VERDICTS]
    app = make_app(
        MemoryFlowFeed([CONNECTED, *flows]),
        StaticCluster(demo_snapshot()),
        narrow_live=False,
        clock=fixed_clock,
    )
    async with app.run_test(size=(160, 40)) as pilot:
        table = app.query_one(FlowTable)
        await wait_until(pilot, lambda: app.main.total_flows == len(flows) and table.synced)
        widths = table.column_widths(table.scrollable_content_region.width)
        for y in range(1, len(flows) + 1):
            index = table.index_at_line(y)
            line = table.render_line(y).text
            start = 0
            for cell, w in zip(table.cells(index), widths, strict=True):
                shown = line[start : start + w].rstrip()
                if cell in VERDICTS or cell == "65535/SCTP":
                    assert shown == cell  # whole, not cut to "TRANSLA…"
                assert line[start + w] == " ", (line, cell)  # and a blank column before the next one
                start += w + 1


async def test_explanation_names_the_closest_rule_once():
    app, _ = build_app(N)
    async with app.run_test(size=(180, 50)) as pilot:
        await _ready(pilot, app)
        await _select_row(pilot, app, 7)
        text = " ".join(app.query_one("#explanation").text.split())
        near = "rule #1 of shop/api-ingress matches the source but allows port 80/TCP, not 8080/TCP"
        assert text.count(near) == 1
        headline = text.split("Closest rule:")[0]
        assert "denied at ingress of shop/api-" in headline and "shop/default-deny" in headline
        assert "closest" not in headline


async def test_a_pinned_view_does_not_jump_between_coalesced_repaints():
    from netpol_tui.cli.app_factory import demo_flows

    app, feed = build_app(40, buffer=50)
    async with app.run_test(size=(180, 40)) as pilot:
        await _ready(pilot, app, 40)
        await _select_row(pilot, app, 30)
        table = app.query_one(FlowTable)
        selected = app.main.view[table.cursor]
        line = next(y for y in range(1, table.size.height) if table.index_at_line(y) == table.cursor)
        table._sync_timer.pause()  # hold the next coalesced repaint: rows are evicted, the offset not yet moved
        feed.push(demo_flows(15, start_ns=1_764_151_300_000_000_000))  # 5 rows fall out at the top
        await wait_until(pilot, lambda: app.main.total_flows >= 55)
        assert not table.synced
        assert (
            app.main.view[table.index_at_line(line)] is selected
        )  # what is painted there is still the selection
        table._sync_timer.resume()
        await wait_until(pilot, lambda: table.synced)
        assert app.main.view[table.index_at_line(line)] is selected


async def test_drop_groups_made_before_the_screen_had_the_cluster_are_explained_once_it_has():
    """The flow worker read a batch while the screen's snapshot was still None; the groups it made came after the
    regroup worker's copy. The batch's message makes the screen explain the groups under its state."""
    from dataclasses import replace

    from netpol_tui.ui.messages import FlowsReceived

    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        regroup = [w for w in app.workers if w.group == "regroup"]
        if regroup:  # (an empty list would wait for every worker)
            await app.workers.wait_for_complete(regroup)
        sample = next(f for f in app.main.ring if f.verdict == "DROPPED")
        late = replace(sample, destination_port=61_234)  # a drop group of its own
        with app.agg_lock:
            group = app.agg.add(late, None)
        assert group is not None and group.explanation is None
        app.main.post_message(FlowsReceived([late], [late], 1, [], app.main.local_query, (), None))
        await wait_until(pilot, lambda: group.explanation is not None)
        assert group.explanation.verdict.allowed is False
