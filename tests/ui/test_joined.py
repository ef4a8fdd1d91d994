"""Issue 13 point 7: one connection reported at both ends (egress at the source's node, ingress at the
destination's) is one row that says what each end decided."""

from __future__ import annotations

from dataclasses import replace

from netpol_tui.cli.app_factory import demo_flows, make_app
from netpol_tui.demo import demo_snapshot
from netpol_tui.ui.feeds import MemoryFlowFeed, StaticCluster
from netpol_tui.ui.widgets.flow_table import FlowTable

from .conftest import CONNECTED, fixed_clock, wait_for_explanations, wait_until

N = 60
PORT = 55_555
NOTE = "egress allowed on node-a, ingress dropped on node-b"  # the explanation's words
ROW_NOTE = "eg ✓ node-a · in ✗ node-b"  # the flows pane's last column (narrow)


def _flows():
    flows = demo_flows(N)
    drop = next(f for f in flows if f.verdict == "DROPPED" and f.traffic_direction == "INGRESS")
    ingress = replace(drop, source_port=PORT, node_name="node-b", time_ns=drop.time_ns + 5_000_000)
    egress = replace(
        ingress, verdict="FORWARDED", drop_reason="", drop_reason_code=0, traffic_direction="EGRESS",
        node_name="node-a", time_ns=ingress.time_ns - 200_000_000,
    )  # fmt: skip
    return flows, egress, ingress


def _rows(app):
    table = app.main.query_one(FlowTable)
    return [(i, table.cells(i)) for i in range(table.row_count()) if table.ring[i].source_port == PORT]


async def test_both_ends_are_one_row_saying_what_each_end_decided():
    flows, egress, ingress = _flows()
    feed = MemoryFlowFeed([CONNECTED, *flows, egress, ingress], label="memory")
    app = make_app(
        feed, StaticCluster(demo_snapshot(), label="demo shop"), clock=fixed_clock, narrow_live=False
    )
    async with app.run_test(size=(220, 48)) as pilot:
        await wait_until(pilot, lambda: app.main.total_flows >= N + 2 and app.main.snapshot is not None)
        await pilot.pause()
        rows = _rows(app)
        assert len(rows) == 1, rows  # the two observations: one row
        index, cells = rows[0]
        assert cells[4] == "DROPPED"  # the end that decided
        assert cells[5].startswith(ROW_NOTE)

        table = app.main.query_one(FlowTable)
        table.focus()
        table.select_index(index)
        await wait_until(pilot, lambda: app.main.current_expl is not None)
        await wait_for_explanations(app)
        await pilot.pause()
        assert app.main.selection.flow is ingress  # the drop is explained
        assert NOTE in app.main.query_one("#explanation").text

        # a rebuilt view (drops only) keeps them one row
        await pilot.press("d")
        await pilot.pause()
        rows = _rows(app)
        assert len(rows) == 1 and rows[0][1][5].startswith(ROW_NOTE)


async def test_observations_far_apart_stay_two_rows():
    flows, egress, ingress = _flows()
    late = replace(ingress, time_ns=egress.time_ns + 3_000_000_000)  # 3 s later: another packet
    feed = MemoryFlowFeed([CONNECTED, *flows, egress, late], label="memory")
    app = make_app(
        feed, StaticCluster(demo_snapshot(), label="demo shop"), clock=fixed_clock, narrow_live=False
    )
    async with app.run_test(size=(220, 48)) as pilot:
        await wait_until(pilot, lambda: app.main.total_flows >= N + 2 and app.main.snapshot is not None)
        await pilot.pause()
        rows = _rows(app)
        assert [c[4] for _, c in rows] == ["FORWARDED", "DROPPED"]
        assert not any("eg " in c[5] or NOTE in c[5] for _, c in rows)
