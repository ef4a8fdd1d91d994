"""Explanation and fix panes: scrollable content handed down by the app.

Line API: the renderable is rendered to strips once per (content, width) and the pane paints only its own
lines, so showing a new explanation repaints the pane without a layout pass of the whole screen (a `Static` in a
scroll container changes height, which costs a full layout on every selection).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from rich.console import RenderableType
from rich.segment import Segment
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from netpol_tui.ui.widgets.scrolling import set_virtual_size


class Same:
    """A cache key for one object by identity (it holds the object, so its id cannot be reused meanwhile)."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.obj is self.obj


class ContentPane(ScrollView, can_focus=True):
    """A scrollable pane showing one renderable (`show()`); focusable so j/k, arrows and pages scroll it."""

    DEFAULT_CSS = """
    ContentPane { background: $surface; scrollbar-size-vertical: 1; overflow-x: hidden; }
    """
    BINDINGS = [
        Binding("up,k", "scroll_up", "Up", show=False),
        Binding("down,j", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
    ]
    PAD = 1  # one blank column left and right

    CACHE = (
        24  # rendered contents kept per pane (moving between rows of the same drop group re-renders nothing)
    )

    def __init__(self, placeholder: RenderableType = "", **kw: Any) -> None:
        super().__init__(**kw)
        self.content: RenderableType = placeholder
        self._key: Hashable = None
        self._lines: list[Strip] = []
        self._rendered_for: tuple[Hashable, int] | None = (
            None  # (content key, width) the strips were made for
        )
        self._cache: OrderedDict[tuple[Hashable, int], list[Strip]] = OrderedDict()

    @property
    def key(self) -> Hashable:
        """The key of what the pane shows (None when it was not given one)."""
        return self._key

    def show(self, renderable: RenderableType, key: Hashable = None, *, keep_scroll: bool = False) -> None:
        """Show `renderable`. `key`: what identifies its content (the same key means the same lines, so the
        strips rendered before are reused: rendering highlighted YAML costs tens of milliseconds).
        `keep_scroll`: the same content, updated (a live count): stay where the reader is."""
        if renderable is self.content or (key is not None and key == self._key):
            return
        self.content = renderable
        self._key = key
        self._rendered_for = None
        if not keep_scroll:
            self.scroll_to(0, 0, animate=False, immediate=True)
        self._render_content()
        self.refresh()

    def _content_width(self) -> int:
        return max(1, self.scrollable_content_region.width - 2 * self.PAD)

    def _render_content(self) -> None:
        if not self.is_mounted or self.size.width <= 0:
            return
        width = self._content_width()
        key = (self._key if self._key is not None else ("id", id(self.content)), width)
        if key == self._rendered_for:
            return
        cached = self._cache.get(key) if self._key is not None else None
        if cached is not None:
            self._cache.move_to_end(key)
            self._lines = cached
        else:
            console = self.app.console
            options = console.options.update(width=width, height=None, highlight=False)
            base = self.rich_style
            pad = [Segment(" " * self.PAD, base)] if self.PAD else []
            lines = console.render_lines(self.content, options, style=base, pad=True)
            self._lines = [Strip([*pad, *line, *pad], width + 2 * self.PAD) for line in lines]
            if self._key is not None:
                self._cache[key] = self._lines
                if len(self._cache) > self.CACHE:
                    self._cache.popitem(last=False)
        self._rendered_for = key
        size = Size(width + 2 * self.PAD, len(self._lines))
        if size != self.virtual_size:
            shown = self.show_vertical_scrollbar
            set_virtual_size(self, size)
            if self.show_vertical_scrollbar != shown:  # the text width changed: render again at the new one
                self.refresh(layout=True)
                self._render_content()

    def on_resize(self) -> None:
        self._render_content()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        self._render_content()
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        if 0 <= index < len(self._lines):
            return self._lines[index].crop_extend(0, width, self.rich_style)
        return Strip.blank(width, self.rich_style)

    @property
    def text(self) -> str:
        """The plain text shown (for tests)."""
        from rich.console import Console

        console = Console(width=max(40, self.size.width or 100), record=True, color_system=None)
        with console.capture() as cap:
            console.print(self.content)
        return cap.get()


class ExplanationPane(ContentPane):
    pass


class FixPane(ContentPane):
    pass
