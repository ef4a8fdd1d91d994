"""Issue 15 point 1 in the TUI: fixes that combine. A fix copied or saved after another one of the same policy is
the merged patch of both (verified: both drops allowed), `s` updates the policy's file and says so, marked drop
groups are fixed at once (one document / one file per policy). Every YAML handed over is loaded back into the demo
cluster and both connections are re-evaluated."""

from __future__ import annotations

import yaml

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.manifests import parse_network_policy
from netpol_tui.core.model import Flow
from netpol_tui.demo import demo_snapshot
from netpol_tui.ui import strings
from netpol_tui.ui.chosen_fixes import save_patch
from netpol_tui.ui.screens.confirm_dialog import ConfirmDialog
from netpol_tui.ui.widgets.flow_table import FlowTable
from netpol_tui.ui.widgets.group_table import GroupTable

from .conftest import build_app, wait_for_explanations, wait_until

N = 60
# the demo's first 60 flows: rows 7, 9 and 11 are drops fixed by patching shop/api-ingress, row 6 by
# shop/worker-egress (DNS), row 12 by shop/worker-egress too (it opens the metadata address)
FRONTEND_API, PROMETHEUS_API, NGINX_API, WORKER_DNS, WORKER_METADATA, FORWARDED = 7, 9, 11, 6, 12, 0


async def _ready(pilot, app):
    await wait_until(pilot, lambda: app.main.total_flows >= N and app.main.snapshot is not None)


async def _select_row(pilot, app, index):
    await pilot.press("home", *["j"] * index)
    await wait_for_explanations(app)
    await pilot.pause()


async def _wait_combined(pilot, app):
    """Wait for the merging worker to be done (and its message handled)."""
    await wait_until(
        pilot, lambda: not [w for w in app.main.workers if w.group == "combine" and w.is_running]
    )
    await pilot.pause()


def _messages(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _applied(texts: list[str]) -> ClusterSnapshot:
    """The demo cluster with every YAML document applied, as `kubectl apply -f` would (in order)."""
    snap = demo_snapshot()
    for text in texts:
        for doc in yaml.safe_load_all(text):
            if doc:
                assert doc["kind"] == "NetworkPolicy"
                snap = snap.with_changes(policies=[parse_network_policy(doc)])
    return snap


def _allowed(snap: ClusterSnapshot, flow: Flow) -> bool:
    ev = snap.evaluator
    src = snap.pods[f"{flow.source.namespace}/{flow.source.pod_name}"]
    dst = snap.pods[f"{flow.destination.namespace}/{flow.destination.pod_name}"]
    return ev.evaluate(
        ev.subject_for_pod(src), ev.subject_for_pod(dst), flow.destination_port, flow.protocol
    ).allowed


def _pane(app) -> str:
    """The fix pane's text with its wrapping undone."""
    return " ".join(app.query_one("#fix").text.split())


def _docs(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d]


async def test_a_second_copied_fix_of_one_policy_is_the_merged_patch_that_allows_both():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await _select_row(pilot, app, FRONTEND_API)
        first = app.main.current_expl
        a = first.flow
        assert [f.target for f in first.fixes] == ["shop/api-ingress"]
        await pilot.press("c")
        assert app.clipboard == first.fixes[0].yaml  # nothing chosen before: the fix as it is
        only_first = app.clipboard

        await _select_row(pilot, app, PROMETHEUS_API)
        second = app.main.current_expl
        b = second.flow
        assert (b.source.pod_name, b.destination_port) != (a.source.pod_name, a.destination_port)
        assert [f.target for f in second.fixes] == ["shop/api-ingress"]
        # before `c`: the fix pane says the fix will build on the chosen one
        assert strings.will_merge("shop/api-ingress", 1) in _pane(app)
        await pilot.press("c")
        await wait_until(pilot, lambda: app.clipboard != only_first)
        await _wait_combined(pilot, app)
        merged = app.clipboard
        assert merged != second.fixes[0].yaml
        docs = _docs(merged)
        assert len(docs) == 1 and docs[0]["metadata"] == {"name": "api-ingress", "namespace": "shop"}
        peers = yaml.safe_dump(docs[0]["spec"]["ingress"])
        assert "frontend" in peers and "prometheus" in peers
        ports = {p["port"] for rule in docs[0]["spec"]["ingress"] for p in rule.get("ports", [])}
        assert {8080, 9090} <= ports
        # the status says what it builds on; the fix pane too
        note = strings.merged_note("shop/api-ingress", 1, 2)
        assert note == "merged with 1 earlier fix for shop/api-ingress — allows 2 drops"
        assert any(note in m for m in _messages(app))
        assert strings.chosen_note("shop/api-ingress", 1, 2) in _pane(app)

        # applied: both drops allowed (each fix alone, applied in order, leaves the first denied)
        after = _applied([merged])
        assert _allowed(after, a) and _allowed(after, b)
        in_order = _applied([first.fixes[0].yaml, second.fixes[0].yaml])
        assert not _allowed(in_order, a) and _allowed(in_order, b)
        # a drop of another policy is not merged with them
        await _select_row(pilot, app, WORKER_DNS)
        dns = app.main.current_expl
        await pilot.press("c")
        assert app.clipboard == dns.fixes[0].yaml


async def test_saving_twice_updates_the_policy_file_and_says_so(tmp_path):
    app, _ = build_app(N, tmp_path=tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await _select_row(pilot, app, FRONTEND_API)
        a = app.main.current_expl.flow
        await pilot.press("s")
        files = list(tmp_path.glob("*.yaml"))
        assert [p.name for p in files] == ["NetworkPolicy-shop-api-ingress.yaml"]
        path = files[0]
        assert path.read_text() == app.main.current_expl.fixes[0].yaml
        first_text = path.read_text()

        await _select_row(pilot, app, PROMETHEUS_API)
        b = app.main.current_expl.flow
        await pilot.press("s")
        await wait_until(pilot, lambda: path.read_text() != first_text)
        await _wait_combined(pilot, app)
        assert list(tmp_path.glob("*.yaml")) == [path]  # the same file, updated
        updated = [m for m in _messages(app) if m.startswith("Updated ")]
        assert len(updated) == 1 and str(path) in updated[0]
        assert "merged with 1 earlier fix for shop/api-ingress — allows 2 drops" in updated[0]
        after = _applied([path.read_text()])
        assert _allowed(after, a) and _allowed(after, b)

        # a third drop of the policy: the file grows again; copy gives the same patch as the saved file
        await _select_row(pilot, app, NGINX_API)
        c = app.main.current_expl.flow
        before = path.read_text()
        await pilot.press("s")
        await wait_until(pilot, lambda: path.read_text() != before)
        await _wait_combined(pilot, app)
        assert any(
            "merged with 2 earlier fixes for shop/api-ingress — allows 3 drops" in m for m in _messages(app)
        )
        after = _applied([path.read_text()])
        assert all(_allowed(after, f) for f in (a, b, c))
        await pilot.press("c")
        await wait_until(pilot, lambda: app.clipboard == path.read_text())

        # the file changed by hand since: kept, the merged patch goes to a new file
        path.write_text("# edited\n" + path.read_text())
        await _select_row(pilot, app, FRONTEND_API)
        await pilot.press("s")
        await wait_until(pilot, lambda: len(list(tmp_path.glob("*.yaml"))) == 2)
        await _wait_combined(pilot, app)
        assert path.read_text().startswith("# edited\n")
        assert any("was changed since it was saved: kept, not overwritten" in m for m in _messages(app))


async def test_marked_groups_are_fixed_at_once_one_document_per_policy(tmp_path):
    app, _ = build_app(N, tmp_path=tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await pilot.press("g")
        await wait_for_explanations(app)
        table = app.query_one(GroupTable)
        await wait_until(pilot, lambda: table.row_count() >= 5)
        wanted = {("shop/frontend", 8080), ("monitoring/prometheus", 9090), ("shop/worker", 53)}
        rows = [i for i, g in enumerate(table.groups) if (g.source, g.port) in wanted]
        assert len(rows) == 3
        flows: list[Flow] = []
        for i in rows:
            table.select_index(i)
            await wait_for_explanations(app)
            await pilot.pause()
            flows.append(table.groups[i].sample)
            await pilot.press("m")
        assert len(app.main.chosen.marks) == 3
        assert strings.marks_pending(3) in _pane(app)  # c / s now hand over the marked groups
        # marked rows are marked on screen, in both views
        marked_cells = [table.cells(i)[0] for i in rows]
        assert all(c.startswith(strings.FIX_MARK) for c in marked_cells)
        other = next(i for i in range(table.row_count()) if i not in rows)
        assert not table.cells(other)[0].startswith(strings.FIX_MARK)
        flow_table = app.query_one(FlowTable)
        marked_flows = [
            i for i in range(flow_table.row_count()) if strings.FIX_MARK in flow_table.cells(i)[5]
        ]
        assert marked_flows and all(
            (app.main.view[i].source.namespace, app.main.view[i].destination_port)
            in {("shop", 8080), ("monitoring", 9090), ("shop", 53)}
            for i in marked_flows
        )

        # `c` with marks: every marked group's fix, one document per policy
        await pilot.press("c")
        await wait_until(pilot, lambda: app.clipboard != "")
        await _wait_combined(pilot, app)
        docs = _docs(app.clipboard)
        names = sorted((d["metadata"]["namespace"], d["metadata"]["name"]) for d in docs)
        assert names == [("shop", "api-ingress"), ("shop", "worker-egress")]
        after = _applied([app.clipboard])
        assert all(_allowed(after, f) for f in flows)
        assert any("the fixes of 3 marked groups (2 policies)" in m for m in _messages(app))

        # `s` with marks: one file per policy, each re-evaluated from the file
        await pilot.press("s")
        await wait_until(pilot, lambda: len(list(tmp_path.glob("*.yaml"))) == 2)
        await _wait_combined(pilot, app)
        files = sorted(p.name for p in tmp_path.glob("*.yaml"))
        assert files == ["NetworkPolicy-shop-api-ingress.yaml", "NetworkPolicy-shop-worker-egress.yaml"]
        after = _applied([p.read_text() for p in sorted(tmp_path.glob("*.yaml"))])
        assert all(_allowed(after, f) for f in flows)

        # `m` again unmarks; esc clears the rest
        table.select_index(rows[0])
        await pilot.pause()
        await pilot.press("m")
        assert len(app.main.chosen.marks) == 2
        assert not table.cells(rows[0])[0].startswith(strings.FIX_MARK)
        await pilot.press("escape")
        assert not app.main.chosen.marks and app.main.grouped  # esc cleared the marks first
        assert "marked group" not in _pane(app)
        assert not any(c.startswith(strings.FIX_MARK) for c in (table.cells(i)[0] for i in rows))


async def test_marked_fix_opening_the_metadata_address_is_left_out_unless_confirmed():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        for row in (FRONTEND_API, WORKER_METADATA):
            await _select_row(pilot, app, row)
            await pilot.press("m")
        metadata_flow = app.main.view[WORKER_METADATA]
        assert metadata_flow.destination.ip == "169.254.169.254"
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert app.clipboard == ""  # nothing handed over before the answer
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
        docs = _docs(app.clipboard)
        assert [d["metadata"]["name"] for d in docs] == ["api-ingress"]
        assert "169.254.169.254" not in app.clipboard
        assert any(strings.metadata_left_out(1) == m for m in _messages(app))
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_until(pilot, lambda: "169.254.169.254" in app.clipboard)
        assert sorted(d["metadata"]["name"] for d in _docs(app.clipboard)) == ["api-ingress", "worker-egress"]


async def test_mark_on_a_forwarded_row_marks_nothing():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await _select_row(pilot, app, FORWARDED)
        await pilot.press("m")
        assert not app.main.chosen.marks
        assert strings.nothing_to_mark() in _messages(app)


def test_save_patch_never_replaces_a_file_it_did_not_write(tmp_path):
    from netpol_tui.core.suggest import Fix, FixAction, FixSide
    from netpol_tui.ui.chosen_fixes import SavedFile

    fix = Fix(FixSide.INGRESS, FixAction.PATCH, "shop", "api", {"kind": "NetworkPolicy"}, 0)
    (tmp_path / "NetworkPolicy-shop-api.yaml").write_text("theirs\n")
    out = save_patch(tmp_path, fix, "one\n", None)
    assert out.path.name == "NetworkPolicy-shop-api-1.yaml" and not out.updated
    assert out.kept == "NetworkPolicy-shop-api.yaml" and not out.changed
    assert (tmp_path / "NetworkPolicy-shop-api.yaml").read_text() == "theirs\n"
    again = save_patch(tmp_path, fix, "two\n", SavedFile(out.path, "one\n"))
    assert again.updated and again.path == out.path and out.path.read_text() == "two\n"
    # replaced by a link since: the link is not followed, the target untouched, a new file is written
    target = tmp_path / "elsewhere.txt"
    target.write_text("two\n")
    out.path.unlink()
    out.path.symlink_to(target)
    third = save_patch(tmp_path, fix, "three\n", SavedFile(out.path, "two\n"))
    assert not third.updated and third.path != out.path and target.read_text() == "two\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_drop_chosen_before_the_cluster_changed_is_fixed_again_on_the_new_policy():
    """The first patch was applied (a new snapshot); the second drop's patch builds on the applied policy and the
    first drop, re-evaluated, stays allowed."""
    from netpol_tui.cli.app_factory import demo_flows
    from netpol_tui.core.explain import explain_flow
    from netpol_tui.ui.chosen_fixes import ChosenFixes, chosen_drop, combine

    flows = demo_flows(N)
    a, b = flows[FRONTEND_API], flows[PROMETHEUS_API]
    before = demo_snapshot()
    first = chosen_drop(explain_flow(a, before), before)
    chosen = ChosenFixes()
    chosen.commit(combine([], [first], before))
    applied = _applied([first.fixes[0].yaml])  # kubectl apply: a new snapshot arrives
    assert _allowed(applied, a) and not _allowed(applied, b)
    second = chosen_drop(explain_flow(b, applied), applied)
    out = combine(chosen.earlier, [second], applied)
    assert [p.policy for p in out.patches] == ["shop/api-ingress"] and out.unfixed == 0
    patch = out.patches[0]
    assert patch.earlier == 1 and patch.allows == 2
    after = applied.with_changes(policies=[parse_network_policy(yaml.safe_load(patch.yaml))])
    assert _allowed(after, a) and _allowed(after, b)
