"""Explanation and fix panes: scrollable static content handed down by the app."""

from __future__ import annotations

from rich.console import RenderableType
from textual.containers import VerticalScroll
from textual.widgets import Static


class ContentPane(VerticalScroll):
    """A scrollable pane showing one renderable (`show()`); focusable so j/k and arrows scroll it."""

    DEFAULT_CSS = """
    ContentPane { background: $surface; padding: 0 1; }
    ContentPane > Static { width: 100%; }
    """
    BINDINGS = [("j", "scroll_down", "Down"), ("k", "scroll_up", "Up")]

    def __init__(self, placeholder: RenderableType = "", **kw) -> None:
        super().__init__(**kw)
        self._placeholder = placeholder
        self.body = Static(placeholder, expand=True, markup=False)

    def compose(self):
        yield self.body

    def show(self, renderable: RenderableType) -> None:
        self.body.update(renderable)
        self.scroll_home(animate=False)

    @property
    def text(self) -> str:
        """The plain text shown (for tests)."""
        from rich.console import Console

        console = Console(width=max(40, self.size.width or 100), record=True, color_system=None)
        with console.capture() as cap:
            console.print(self.body.content)
        return cap.get()


class ExplanationPane(ContentPane):
    pass


class FixPane(ContentPane):
    pass
