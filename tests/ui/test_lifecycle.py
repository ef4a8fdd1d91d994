"""The app's lifecycle: process-wide settings given back, worker failures shown, stale results dropped."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from typing import Any

from netpol_tui.cli.app_factory import make_app
from netpol_tui.core.flowquery import FlowQuery
from netpol_tui.demo import demo_snapshot
from netpol_tui.ui.feeds import StaticCluster
from netpol_tui.ui.messages import SelectionExplained
from netpol_tui.ui.selection import FlowSelection

from .conftest import build_app, wait_for_explanations, wait_until


async def test_switch_interval_and_gc_freeze_are_given_back_on_exit():
    before = sys.getswitchinterval()
    app, _ = build_app(60)
    async with app.run_test(size=(160, 46)) as pilot:
        await wait_until(pilot, lambda: app.main.total_flows >= 60)
        assert sys.getswitchinterval() == 0.001
        await wait_until(pilot, lambda: app.gc_pacer.active)  # the first tick froze the survivors
        assert gc.get_freeze_count() > 0
    assert sys.getswitchinterval() == before
    assert gc.get_freeze_count() == 0


class BrokenFeed:
    """A flow feed whose stream fails after one batch, the way a source bug would."""

    label = "broken 127.0.0.1:1"
    server_filters = False
    live = True

    def stream(self, query: FlowQuery) -> Iterator[list[Any]]:
        yield []
        raise RuntimeError("the feed broke: bad frame")

    def close(self) -> None:
        pass


async def test_a_failing_flow_worker_shows_its_error_in_the_trouble_panel():
    app = make_app(BrokenFeed(), StaticCluster(demo_snapshot()))
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_until(pilot, lambda: app.main.stream_state is not None)
        assert app.main.stream_state.state == "failed"
        panel = app.query_one("#trouble")
        assert panel.display and "the feed broke: bad frame" in str(panel.content)
        assert app.main.status_data().connection == "unreachable"
        assert app.is_running  # a worker error is shown, it does not end the app


async def test_an_explanation_for_an_earlier_selection_is_not_shown():
    app, _ = build_app(60)
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_until(pilot, lambda: app.main.total_flows >= 60 and app.main.snapshot is not None)
        await pilot.press("home", *["j"] * 7)
        await wait_for_explanations(app)
        await pilot.pause()
        shown = app.main.current_expl
        assert shown is not None and shown.flow is app.main.view[7]
        stale_flow = app.main.view[6]
        stale = app.explainer.explain(stale_flow, app.main.snapshot)
        app.main.post_message(SelectionExplained(FlowSelection(stale_flow), stale))
        await pilot.pause()
        assert app.main.current_expl is shown  # the answer to a request nobody waits for any more is dropped
