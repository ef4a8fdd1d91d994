"""Issue 13 point 6: policy audit mode. AUDIT flows (Cilium's policy-audit-mode) are what enforcement would drop:
shown and explained as such, grouped apart from real drops."""

from __future__ import annotations

from dataclasses import replace

from netpol_tui.cli.app_factory import demo_flows, make_app
from netpol_tui.core.aggregate import group_key
from netpol_tui.demo import demo_snapshot
from netpol_tui.ui.feeds import MemoryFlowFeed, StaticCluster
from netpol_tui.ui.widgets.flow_table import FlowTable
from netpol_tui.ui.widgets.group_table import AUDIT_ROW, GroupTable

from .conftest import CONNECTED, fixed_clock, wait_for_explanations, wait_until

N = 60


def _flows():
    flows = demo_flows(N)
    drop = next(
        f
        for f in flows
        if f.verdict == "DROPPED" and f.destination.pod_name.startswith("api") and f.destination_port == 8080
    )
    audits = [replace(drop, verdict="AUDIT", time_ns=drop.time_ns + i * 1_000_000 + 1) for i in range(3)]
    return flows, drop, audits


def _app(flows):
    feed = MemoryFlowFeed([CONNECTED, *flows], label="memory")
    return make_app(
        feed, StaticCluster(demo_snapshot(), label="demo shop"), clock=fixed_clock, narrow_live=False
    )


def test_audit_flows_have_their_own_group_key():
    _, drop, audits = _flows()
    assert group_key(audits[0]) != group_key(drop)
    assert group_key(audits[0])[:5] == group_key(drop)[:5]  # same connection, apart by the audit mark


async def test_audit_is_grouped_apart_and_explained_as_would_be_dropped_when_enforced():
    flows, drop, audits = _flows()
    app = _app([*flows, *audits])
    async with app.run_test(size=(200, 48)) as pilot:
        await wait_until(pilot, lambda: app.main.total_flows >= N + 3 and app.main.snapshot is not None)
        await pilot.press("g")
        table = app.main.query_one(GroupTable)
        await wait_until(pilot, lambda: any(g.is_audit for g in table.groups))
        same = [
            (i, g)
            for i, g in enumerate(table.groups)
            if g.key[:5] == group_key(drop)[:5]  # this connection's groups
        ]
        assert len(same) == 2, [g.key for _, g in same]
        audit_i, audit_g = next((i, g) for i, g in same if g.is_audit)
        real_i, real_g = next((i, g) for i, g in same if not g.is_audit)
        assert audit_g.count == 3 and real_g.count >= 1
        assert table.cells(audit_i)[5] == "audit POLICY_DENIED"
        assert table.cells(real_i)[5] == "POLICY_DENIED"
        assert table.row_style(audit_i) == AUDIT_ROW and table.row_style(real_i) != AUDIT_ROW

        table.select_index(audit_i)
        await wait_until(pilot, lambda: app.main.current_expl is not None)
        await wait_for_explanations(app)
        await pilot.pause()
        text = app.main.query_one("#explanation").text
        assert "would be dropped when enforced" in text

        table.select_index(real_i)
        await wait_for_explanations(app)
        await pilot.pause()
        await wait_until(
            pilot, lambda: "would be dropped when enforced" not in app.main.query_one("#explanation").text
        )


async def test_an_audit_flow_row_is_explained_as_would_be_dropped_when_enforced():
    flows, _, audits = _flows()
    app = _app([*flows, *audits])
    async with app.run_test(size=(200, 48)) as pilot:
        await wait_until(pilot, lambda: app.main.total_flows >= N + 3 and app.main.snapshot is not None)
        table = app.main.query_one(FlowTable)
        index = next(i for i in range(table.row_count()) if table.cells(i)[4] == "AUDIT")
        table.focus()
        table.select_index(index)
        await wait_until(pilot, lambda: app.main.current_expl is not None)
        await wait_for_explanations(app)
        await pilot.pause()
        text = app.main.query_one("#explanation").text
        assert "AUDIT — policy audit mode: let through now, would be dropped when enforced" in text
