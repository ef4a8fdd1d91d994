"""The grouped view: drop groups (source, destination, port, reason) with counts and last seen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.style import Style
from textual.message import Message

from netpol_tui.core import wording
from netpol_tui.core.aggregate import DropGroup
from netpol_tui.core.wording.inert import inert
from netpol_tui.ui import strings
from netpol_tui.ui.rendering import clock_text
from netpol_tui.ui.widgets.virtual_table import VirtualTable

COUNT = Style(bold=True, color="#ff5f5f")
AUDIT_COUNT = Style(bold=True, color="#ffaf00")
AUDIT_ROW = Style(color="#ffd787")
MARKED_ROW = Style(bgcolor="#3a2a4a")  # a marked group (`m`): its fix goes with `c`/`s`


def group_port(g: DropGroup) -> str:
    """PORT of a group; for replies the server's port the replies come from, after the reply mark."""
    if g.is_reply:  # a reply group is keyed by the server's port (the replies' source port)
        return f"{strings.REPLY_MARK}{g.port if g.port else '?'}/{g.protocol}"
    return f"{g.port}/{g.protocol}" if g.port else g.protocol or "-"


class GroupTable(VirtualTable):
    columns = strings.GROUP_COLUMNS
    widths = (8, 12, 0, 0, 9, 22, 12)
    narrow_widths = (7, 8, -3, -3, 9, -2, 10)
    narrow_below = 112

    class GroupSelected(Message):
        def __init__(self, group: DropGroup) -> None:
            super().__init__()
            self.group = group

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.groups: list[DropGroup] = []
        self._index: dict[Any, int] = {}
        self.follow = False
        self.marked: Callable[[DropGroup], bool] = lambda g: False  # set by the screen (ui/chosen_fixes.py)

    def marks_changed(self) -> None:
        """Groups were marked or unmarked: paint the rows again."""
        self._strip_cache.clear()
        self.refresh()

    def set_groups(self, groups: list[DropGroup]) -> None:
        """Handed down by the app (sorted by count); the cursor stays on its group."""
        self.groups = groups
        self._index = {g.key: i for i, g in enumerate(groups)}
        follow = self.follow
        self.follow = False
        self.data_changed()
        self.sync()
        self.follow = follow

    def row_count(self) -> int:
        return len(self.groups)

    def row_key(self, index: int) -> Any:
        g = self.groups[index]
        return (g.key, g.count)

    def index_of(self, key: Any) -> int | None:
        if key is None:
            return None
        return self._index.get(key[0])

    @property
    def cursor(self) -> int | None:
        return self.index_of(self.cursor_key)

    def cells(self, index: int) -> tuple[str, ...]:
        g = self.groups[index]
        return (
            f"{strings.FIX_MARK} {g.count:,}" if self.marked(g) else f"{g.count:,}",
            clock_text(g.last_ns, ms=not self.narrow),
            inert(g.source),
            inert(g.destination),
            group_port(g),
            inert(
                f"{strings.AUDIT_GROUP_MARK} {g.reason[6:] or strings.AUDIT_REASON}"
                if g.is_audit
                else g.reason
            ),
            wording.tui_group_denied_at(g.explanation),
        )

    def row_style(self, index: int) -> Style:
        g = self.groups[index]
        style = AUDIT_ROW if g.is_audit else Style()  # audit mode: apart from real drops
        return style + MARKED_ROW if self.marked(g) else style

    def cell_styles(self, index: int) -> tuple[Style | None, ...]:
        return (AUDIT_COUNT if self.groups[index].is_audit else COUNT,)

    def on_virtual_table_highlighted(self, event: VirtualTable.Highlighted) -> None:
        if event.table is self:
            event.stop()
            self.post_message(self.GroupSelected(self.groups[event.index]))
