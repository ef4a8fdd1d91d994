"""SVG snapshots of the main screens (fixed data and clock: the demo's flows replayed from memory)."""

from __future__ import annotations

from netpol_tui.ui.widgets.pod_tree import PodTree

from .conftest import build_app, wait_for_explanations, wait_until

SIZE = (160, 46)
N = 120


def _app(**kw):
    app, _ = build_app(N, **kw)
    return app


async def _settle(pilot) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: app.main.total_flows >= N and app.main.snapshot is not None)
    await wait_for_explanations(app)


class TestMainScreens:
    def test_main_screen_with_first_drop_explained(self, snap_compare):
        async def run_before(pilot):
            await _settle(pilot)
            await wait_for_explanations(pilot.app)
            await pilot.pause()

        assert snap_compare(_app(select_first_drop=True), terminal_size=SIZE, run_before=run_before)

    def test_selected_drop_explanation_and_fix(self, snap_compare):
        async def run_before(pilot):
            await _settle(pilot)
            await pilot.press("home", *["j"] * 7)
            await wait_for_explanations(pilot.app)
            await pilot.pause()

        assert snap_compare(_app(), terminal_size=SIZE, run_before=run_before)

    def test_grouped_view(self, snap_compare):
        async def run_before(pilot):
            await _settle(pilot)
            await pilot.press("g")
            await wait_for_explanations(pilot.app)
            await pilot.pause()

        assert snap_compare(_app(), terminal_size=SIZE, run_before=run_before)

    def test_pod_pane_chosen_pod(self, snap_compare):
        async def run_before(pilot):
            await _settle(pilot)
            pilot.app.query_one(PodTree).post_message(PodTree.Chosen("shop", "worker-5c7d9f8b4-h3k9l"))
            await pilot.pause()
            pilot.app.query_one(PodTree).focus()
            await pilot.pause()

        assert snap_compare(_app(), terminal_size=SIZE, run_before=run_before)

    def test_help(self, snap_compare):
        async def run_before(pilot):
            await pilot.press("question_mark")
            await pilot.pause()

        assert snap_compare(_app(), terminal_size=SIZE, run_before=run_before)


SMALL = (80, 24)
LARGE = (160, 48)


class TestTerminalSizes:
    """Issue 15: the same screens at 80x24 (pods pane hidden, workload names, nothing cut without a mark) and
    160x48."""

    def _first_drop(self, snap_compare, size):
        async def run_before(pilot):
            await _settle(pilot)
            await wait_for_explanations(pilot.app)
            await pilot.pause()

        return snap_compare(_app(select_first_drop=True), terminal_size=size, run_before=run_before)

    def test_first_drop_80x24(self, snap_compare):
        assert self._first_drop(snap_compare, SMALL)

    def test_first_drop_160x48(self, snap_compare):
        assert self._first_drop(snap_compare, LARGE)

    def _grouped(self, snap_compare, size):
        async def run_before(pilot):
            await _settle(pilot)
            await pilot.press("g")
            await wait_for_explanations(pilot.app)
            await pilot.pause()

        return snap_compare(_app(), terminal_size=size, run_before=run_before)

    def test_grouped_80x24(self, snap_compare):
        assert self._grouped(snap_compare, SMALL)

    def test_grouped_160x48(self, snap_compare):
        assert self._grouped(snap_compare, LARGE)

    def test_help_over_the_screen_80x24(self, snap_compare):
        async def run_before(pilot):
            await _settle(pilot)
            await pilot.press("question_mark")
            await pilot.pause()

        assert snap_compare(_app(), terminal_size=SMALL, run_before=run_before)

    def test_pods_pane_brought_back_80x24(self, snap_compare):
        async def run_before(pilot):
            await _settle(pilot)
            await pilot.press("p")
            await pilot.pause()

        assert snap_compare(_app(), terminal_size=SMALL, run_before=run_before)
