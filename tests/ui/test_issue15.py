"""Issue 15 (the TUI in a real incident): habits, small terminals, complete YAML, a screen that never misleads,
connections, wording. Each test drives the app with Pilot, fed from memory."""

from __future__ import annotations

from textual.screen import ModalScreen

from netpol_tui.ui.screens.filter_dialog import FilterDialog
from netpol_tui.ui.screens.help_dialog import HelpDialog
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


# ---- point 4: habits ---------------------------------------------------------------------------------------------
async def test_ctrl_c_quits():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app._exit, "ctrl+c did not quit"


async def test_ctrl_c_quits_even_from_the_filter_input():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterDialog))
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app._exit, "ctrl+c did not quit from the filter dialog"


async def test_j_k_home_end_move_in_the_pods_pane():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        tree = app.query_one(PodTree)
        tree.focus()
        await pilot.press("home")
        assert tree.cursor_line == 0
        await pilot.press("j", "j")
        assert tree.cursor_line == 2
        await pilot.press("k")
        assert tree.cursor_line == 1
        await pilot.press("end")
        assert tree.cursor_line == tree.last_line > 2
        await pilot.press("home")
        assert tree.cursor_line == 0


async def test_home_end_in_the_flows_pane():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await pilot.press("home")
        assert app.main.query_one("#flows").cursor == 0
        await pilot.press("end")
        table = app.main.query_one("#flows")
        assert table.follow and table.cursor is None


def _backdrop_is_see_through(screen: ModalScreen) -> bool:
    return screen.styles.background.a < 1


async def test_help_and_filter_dialogs_overlay_the_screen():
    app, _ = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await _ready(pilot, app)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpDialog))
        assert _backdrop_is_see_through(app.screen)
        text = app.export_screenshot()
        assert "DESTINATION" in text  # the flows pane still shows behind the dialog
        await pilot.press("escape")
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterDialog))
        assert _backdrop_is_see_through(app.screen)
        assert "DESTINATION" in app.export_screenshot()
