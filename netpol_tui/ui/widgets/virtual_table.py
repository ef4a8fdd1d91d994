"""A Line-API table: renders only the visible rows, from data it is handed (no I/O, no per-row widgets).

Subclasses give `row_count()`, `cells(index)` and `row_style(index)`. The cursor is kept by a stable key
(`row_key(index)`), so rows arriving or falling out of a ring buffer never move the selected row on screen.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from netpol_tui.ui.widgets.scrolling import set_virtual_size

HEADER_STYLE = Style(bold=True, color="#87afd7", bgcolor="#262626")
CURSOR_STYLE = Style(bgcolor="#005f87", bold=True)
CURSOR_BLUR_STYLE = Style(bgcolor="#3a3a3a")


def fit(text: str, width: int) -> str:
    if width <= 0:
        return ""
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.ljust(width)


class VirtualTable(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup,ctrl+u", "page_up", "Page up", show=False),
        Binding("pagedown,ctrl+d", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last/follow", show=False),
        Binding("enter", "choose", "Explain", show=False),
    ]
    DEFAULT_CSS = """
    VirtualTable { background: $surface; scrollbar-size-vertical: 1; overflow-x: hidden; }
    """

    REFRESH_HZ = 12  # repaints per second at most while data streams in (keys and clicks repaint at once)
    columns: tuple[str, ...] = ()
    # column widths; 0 (one share) or -N (N shares) split what the fixed columns leave
    widths: tuple[int, ...] = ()
    # below `narrow_below` cells wide, these widths instead (empty: never narrow)
    narrow_widths: tuple[int, ...] = ()
    narrow_below = 0

    class Highlighted(Message):
        def __init__(self, table: VirtualTable, index: int) -> None:
            super().__init__()
            self.table = table
            self.index = index

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.cursor_key: Any = None  # the selected row's stable key (None: no selection)
        self.follow = True  # keep the newest row in view
        self._strip_cache: dict[tuple[object, ...], Strip] = {}
        self._pending = False
        self._pending_evicted = 0
        self._sync_timer: Any = None

    # ---- to override -------------------------------------------------------------------------------------------
    def row_count(self) -> int:
        return 0

    def row_key(self, index: int) -> Any:
        return index

    def index_of(self, key: Any) -> int | None:
        return key if isinstance(key, int) and 0 <= key < self.row_count() else None

    def cells(self, index: int) -> tuple[str, ...]:
        return ()

    def row_style(self, index: int) -> Style:
        return Style()

    def cell_styles(self, index: int) -> tuple[Style | None, ...]:
        return ()

    # ---- geometry ----------------------------------------------------------------------------------------------
    @property
    def cursor(self) -> int | None:
        return None if self.cursor_key is None else self.index_of(self.cursor_key)

    @property
    def narrow(self) -> bool:
        """The table is narrower than `narrow_below`: it uses `narrow_widths` (and subclasses shorter cells)."""
        return bool(self.narrow_widths) and 0 < self.size.width < self.narrow_below

    def column_widths(self, width: int) -> list[int]:
        """Fixed columns as given; flexible ones (0, or -N for N shares) split the rest by their shares."""
        widths = self.narrow_widths if self.narrow else self.widths
        fixed = sum(w for w in widths if w > 0) + len(widths)  # one blank column after each
        shares = [1 if w == 0 else -w if w < 0 else 0 for w in widths]
        total = sum(shares) or 1
        rest = max(4 * len([sh for sh in shares if sh]), width - fixed)
        out = [w if w > 0 else rest * sh // total for w, sh in zip(widths, shares, strict=True)]
        # what the rounding left goes one cell each to the flexible columns, left first (rows end flush)
        flex = [i for i, sh in enumerate(shares) if sh]
        for k in range(rest - sum(out[i] for i in flex)):
            out[flex[k % len(flex)]] += 1
        return out

    def data_changed(self, evicted: int = 0) -> None:
        """The data grew (and lost `evicted` rows at the top): keep what is on screen where it is.

        Cheap and deferred: the repaint happens at most `REFRESH_HZ` times a second (`sync()`), however many
        batches arrive; a key press or a click syncs first, so the cursor never moves on stale geometry.
        """
        self._pending_evicted += evicted
        self._pending = True
        if self._sync_timer is None:  # not mounted yet (or no timer): nothing to coalesce with
            self.sync()

    @property
    def synced(self) -> bool:
        """No data change is waiting for the next repaint."""
        return not self._pending

    def sync(self) -> None:
        """Apply the pending data changes: virtual size, follow / eviction scroll, then one repaint."""
        if not self._pending:
            return
        self._pending = False
        evicted, self._pending_evicted = self._pending_evicted, 0
        rows = self.row_count()
        size = Size(self.size.width, rows + 1)
        if size != self.virtual_size:
            # `virtual_size` is a layout reactive: a whole-screen layout per batch while the ring fills. Only
            # the scrollbar depends on it, so update that, and lay out again only when the scrollbar appears.
            shown = self.show_vertical_scrollbar
            set_virtual_size(self, size)
            if self.show_vertical_scrollbar != shown:
                self.refresh(layout=True)
        if self.follow:
            self.scroll_to(y=max(0, rows + 1 - self.size.height), animate=False, immediate=True)
        elif evicted:
            self.scroll_to(y=max(0, self.scroll_y - evicted), animate=False, immediate=True)
        if self.cursor_key is not None and self.cursor is None:
            self.cursor_key = None  # the selected row left the buffer (the app keeps its explanation)
        self.refresh()

    def on_mount(self) -> None:
        self._sync_timer = self.set_interval(1 / self.REFRESH_HZ, self.sync)

    def on_resize(self) -> None:
        self._pending = True
        self.sync()

    # ---- rendering ---------------------------------------------------------------------------------------------
    def index_at_line(self, y: int) -> int | None:
        """The row index painted on line `y` of the widget (line 0 is the header), None for none."""
        index = self._top() + y - 1
        return index if y > 0 and 0 <= index < self.row_count() else None

    def _top(self) -> int:
        """Index of the first row on screen. Rows evicted since the last `sync()` shift every index down: until
        the next sync moves the scroll offset, count them here, so a pinned view never jumps between two syncs."""
        return int(self.scroll_y) - (0 if self.follow else self._pending_evicted)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width  # not under the scrollbar
        if y == 0:
            return self._header(width)
        index = self.index_at_line(y)
        if index is None:
            return Strip.blank(width, self.rich_style)
        selected = index == self.cursor
        key = (self.row_key(index), selected, width, self.has_focus)
        strip = self._strip_cache.get(key)
        if strip is None:
            strip = self._row(index, width, selected)
            if len(self._strip_cache) > 400:
                self._strip_cache.clear()
            self._strip_cache[key] = strip
        return strip

    def _header(self, width: int) -> Strip:
        segs = []
        for text, w in zip(self.columns, self.column_widths(width), strict=False):
            segs.append(Segment(fit(text, w) + " ", HEADER_STYLE))
        return Strip(segs).adjust_cell_length(width, HEADER_STYLE)

    def _row(self, index: int, width: int, selected: bool) -> Strip:
        base = self.rich_style + self.row_style(index)
        if selected:
            base = base + (CURSOR_STYLE if self.has_focus else CURSOR_BLUR_STYLE)
        styles = self.cell_styles(index)
        segs = []
        for i, (text, w) in enumerate(zip(self.cells(index), self.column_widths(width), strict=False)):
            st = styles[i] if i < len(styles) and styles[i] is not None else None
            style = base + st if st is not None else base
            if selected and st is not None:
                style = style + Style(bgcolor=(CURSOR_STYLE if self.has_focus else CURSOR_BLUR_STYLE).bgcolor)
            segs.append(Segment(fit(text, w), style))
            segs.append(Segment(" ", base))
        return Strip(segs).adjust_cell_length(width, base)

    def on_focus(self) -> None:
        self._strip_cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._strip_cache.clear()
        self.refresh()

    # ---- cursor ------------------------------------------------------------------------------------------------
    def select_index(self, index: int | None, *, notify: bool = True) -> None:
        self.sync()
        rows = self.row_count()
        if index is None or rows == 0:
            self.cursor_key = None
            self.refresh()
            return
        index = max(0, min(rows - 1, index))
        self.cursor_key = self.row_key(index)
        self.follow = False
        self._scroll_to_index(index)
        self._strip_cache.clear()
        self.refresh()
        if notify:
            self.post_message(self.Highlighted(self, index))

    def _scroll_to_index(self, index: int) -> None:
        body = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + body:
            self.scroll_to(y=index - body + 1, animate=False, immediate=True)

    def _move(self, delta: int) -> None:
        self.sync()
        cur = self.cursor
        if cur is None:
            rows = self.row_count()
            if rows == 0:
                return
            # from follow mode: start at the newest row on screen
            top = int(self.scroll_y)
            body = max(1, self.size.height - 1)
            cur = min(rows - 1, top + body - 1) if delta >= 0 else min(rows - 1, top + body - 1)
            self.select_index(cur)
            return
        self.select_index(cur + delta)

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_page_up(self) -> None:
        self._move(-max(1, self.size.height - 2))

    def action_page_down(self) -> None:
        self._move(max(1, self.size.height - 2))

    def action_first(self) -> None:
        self.select_index(0)

    def action_last(self) -> None:
        """Jump to the newest row and follow new rows again."""
        self.cursor_key = None
        self.follow = True
        self.data_changed()
        self.sync()

    def action_choose(self) -> None:
        cur = self.cursor
        if cur is not None:
            self.post_message(self.Highlighted(self, cur))
        else:
            self._move(0)

    def on_click(self, event: events.Click) -> None:
        self.sync()
        index = self.index_at_line(event.y)
        if index is not None:
            self.select_index(index)
