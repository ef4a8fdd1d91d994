"""Issue 13 point 5: staged policies in the TUI (`--with PATH`): every flow is also judged under the cluster plus
the staged objects; rows the two judge differently are marked "would drop" / "would allow"."""

from __future__ import annotations

from netpol_tui.cli.config import tui_options
from netpol_tui.cli.parser import build_parser, parse_args
from netpol_tui.core.manifests import parse_objects
from netpol_tui.ui.widgets.flow_table import FlowTable

from .conftest import build_app, wait_for_explanations, wait_until

N = 60

# postgres admits nothing any more (payments/postgres-ingress replaced); every ingress in shop is allowed
STAGED = [
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "postgres-ingress", "namespace": "payments"},
        "spec": {"podSelector": {"matchLabels": {"app": "postgres"}}, "policyTypes": ["Ingress"]},
    },
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "allow-all-ingress", "namespace": "shop"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{}]},
    },
]


def _rows(app) -> list[tuple[str, ...]]:
    table = app.main.query_one(FlowTable)
    return [table.cells(i) for i in range(table.row_count())]


async def test_rows_are_marked_would_drop_and_would_allow():
    app, _ = build_app(N, staged=parse_objects(STAGED), staged_label="--with staged.yaml")
    async with app.run_test(size=(200, 48)) as pilot:
        await wait_until(pilot, lambda: app.main.total_flows >= N and app.main.snapshot is not None)
        await wait_until(pilot, lambda: any("would" in r[5] for r in _rows(app)))
        rows = _rows(app)
        postgres = [r for r in rows if r[2].startswith("payments/postgres")]
        shop_api = [
            r for r in rows if r[2].startswith("shop/api") and r[3] == "8080/TCP" and r[4] == "DROPPED"
        ]
        frontend = [r for r in rows if r[2].startswith("shop/frontend")]
        coredns = [r for r in rows if r[2].startswith("kube-system/coredns")]
        assert postgres and all(r[5].startswith("[would drop]") for r in postgres), postgres
        assert shop_api and all(r[5].startswith("[would allow]") for r in shop_api), shop_api
        # allowed before and after (frontend), egress untouched by the staged ingress (coredns): no mark
        assert frontend and not any("would" in r[5] for r in frontend)
        assert coredns and not any("would" in r[5] for r in coredns)

        # the selected row's explanation says it too
        table = app.main.query_one(FlowTable)
        index = next(i for i in range(table.row_count()) if table.cells(i)[2].startswith("payments/postgres"))
        table.focus()
        table.select_index(index)
        await wait_until(pilot, lambda: app.main.current_expl is not None)
        await wait_for_explanations(app)
        await pilot.pause()
        text = app.main.query_one("#explanation").text
        assert "Staged (--with staged.yaml): would drop" in text


async def test_without_staged_objects_no_row_is_marked():
    app, _ = build_app(N)
    async with app.run_test(size=(200, 48)) as pilot:
        await wait_until(pilot, lambda: app.main.total_flows >= N and app.main.snapshot is not None)
        assert app.row_notes.staged is None
        assert not any("would" in r[5] for r in _rows(app))


def test_with_flag_on_live_replay_and_demo_loads_the_staged_objects(tmp_path):
    path = tmp_path / "staged.yaml"
    path.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\n"
        "spec: {podSelector: {}, policyTypes: [Ingress]}\n"
    )
    parser = build_parser()
    for argv in (
        ["--with", str(path)],
        ["replay", "x.json", "--with", str(path)],
        ["demo", "--with", str(path)],
    ):
        opts = tui_options(parse_args(parser, argv))
        assert opts.staged is not None, argv
        assert [p.key for p in opts.staged.policies] == ["shop/deny"]
        assert opts.staged_label == f"--with {path}"
    assert tui_options(parse_args(parser, ["demo"])).staged is None


def test_a_new_cluster_state_judges_every_known_connection_again():
    from netpol_tui.cli.app_factory import demo_flows
    from netpol_tui.core.diff import staged
    from netpol_tui.demo import demo_snapshot
    from netpol_tui.ui.staged import StagedJudge, StagedMark

    objects = parse_objects(STAGED)
    judge = StagedJudge(objects)
    flows = demo_flows(N)
    assert judge.judge(flows, None) == 0  # before the cluster is known: remembered, not judged
    snap = demo_snapshot()
    assert judge.judge([], snap) > 0
    assert StagedMark.WOULD_DROP in judge.marks.values() and StagedMark.WOULD_ALLOW in judge.marks.values()
    # the staged objects got applied: the cluster now equals the staged state, nothing differs any more
    judge.judge([], staged(snap, objects))
    assert judge.marks == {}
    assert all(judge.mark(f) is None for f in flows)


def test_a_batch_read_before_the_screen_has_the_cluster_is_judged_under_the_cluster_workers_state():
    """The cluster worker gives the judge a state before the screen's copy is set; the flow worker's next batch
    (read with the screen's `None`) is judged under that state, not left unjudged for good (a CI flake)."""
    from netpol_tui.cli.app_factory import demo_flows
    from netpol_tui.demo import demo_snapshot
    from netpol_tui.ui.row_notes import RowNotes
    from netpol_tui.ui.staged import StagedJudge, StagedMark

    notes = RowNotes(StagedJudge(parse_objects(STAGED)))
    notes.new_state(demo_snapshot())  # the cluster worker
    flows = demo_flows(N)
    notes.judge(flows, None)  # the flow worker: the screen has no snapshot yet
    assert notes.staged is not None
    marks = {notes.staged.mark(f) for f in flows}
    assert StagedMark.WOULD_DROP in marks and StagedMark.WOULD_ALLOW in marks


def test_the_screens_older_state_does_not_undo_the_cluster_workers_newer_one():
    from netpol_tui.cli.app_factory import demo_flows
    from netpol_tui.core.diff import staged
    from netpol_tui.demo import demo_snapshot
    from netpol_tui.ui.rollout import judge_kept
    from netpol_tui.ui.row_notes import RowNotes
    from netpol_tui.ui.staged import StagedJudge

    objects = parse_objects(STAGED)
    old = demo_snapshot()
    applied = staged(old, objects)  # the staged objects got applied: nothing differs under this state
    flows = demo_flows(N)
    half = len(flows) // 2

    notes = RowNotes(StagedJudge(objects))
    notes.new_state(applied)
    notes.judge(flows[:half], old)  # the screen still holds the older state
    assert notes.staged is not None and notes.staged.marks == {}

    fresh = StagedJudge(objects)  # just staged; the cluster worker already gave it the newer state
    fresh.judge((), applied)
    assert judge_kept(fresh, flows, old) > 0
    assert fresh.marks == {}
    # a judge given no state yet takes the screen's
    first = StagedJudge(objects)
    judge_kept(first, flows, old)
    assert first.marks != {}
