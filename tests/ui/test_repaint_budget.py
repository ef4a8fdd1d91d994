"""What a batch of flows may repaint on the UI thread (benchmarks/bench_tui.py: loop lag and key to repaint)."""

from __future__ import annotations

import sys

from .conftest import build_app, wait_until

N = 60


def _in_tick() -> bool:
    """Whether the main screen's 2 Hz `_tick` is on the call stack (it draws the new count: allowed)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "_tick":
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


async def test_a_batch_while_scrolled_leaves_the_flows_pane_border_to_the_tick():
    """Setting a border subtitle repaints the whole flows pane: a new count alone is drawn by the next tick
    (2 a second), not by each batch (20 a second); the change to 'scrolled' itself is drawn at once."""
    from netpol_tui.cli.app_factory import demo_flows

    app, feed = build_app(N)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.main.total_flows >= N and app.main.snapshot is not None)
        box = app.main.query_one("#flows-box")
        await pilot.press("home")
        app.main._tick()
        assert box.border_subtitle == "scrolled — end to follow"
        sets: list[str] = []
        original = type(box).refresh

        ticked: list[str] = []

        def spy(self, *a, **k):  # type: ignore[no-untyped-def]
            if self is box:  # the 2 Hz tick may run meanwhile (a slow machine): it may draw the count
                (ticked if _in_tick() else sets).append(str(box.border_subtitle))
            return original(self, *a, **k)

        type(box).refresh = spy  # type: ignore[method-assign]
        try:
            more = demo_flows(N + 12)[N:]
            feed.push(more[:5])
            await wait_until(pilot, lambda: app.main.total_flows >= N + 5)
            feed.push(more[5:])
            await wait_until(pilot, lambda: app.main.total_flows >= N + 12)
            assert app.main.unseen == 12
            assert sets == []  # neither batch touched the pane's border
            if not ticked:
                assert box.border_subtitle == "scrolled — end to follow"
        finally:
            type(box).refresh = original  # type: ignore[method-assign]
        app.main._tick()
        assert box.border_subtitle == "scrolled · 12 new — end to follow"
        await pilot.press("end")
        app.main._tick()
        assert not box.border_subtitle
