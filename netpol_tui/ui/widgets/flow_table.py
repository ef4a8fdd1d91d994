"""The flows pane: the visible rows of the app's flow ring (Line API; the ring is handed down by the app)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.style import Style
from textual.message import Message

from netpol_tui.core.flowquery import VERDICTS
from netpol_tui.core.model import Flow
from netpol_tui.ui import strings
from netpol_tui.ui.rendering import flow_cells
from netpol_tui.ui.ring import FlowRing
from netpol_tui.ui.widgets.virtual_table import VirtualTable

DROP_ROW = Style(color="#ffafaf")
AUDIT_ROW = Style(color="#ffd787")
DROP_VERDICT = Style(bold=True, color="white", bgcolor="#af0000")
AUDIT_VERDICT = Style(bold=True, color="black", bgcolor="#ffaf00")
FWD_VERDICT = Style(color="#5fd75f")
DIM = Style(color="#8a8a8a")
MARKED_ROW = Style(bgcolor="#3a2a4a")  # the row's drop group is marked (`m`): its fix goes with `c`/`s`


class FlowTable(VirtualTable):
    columns = strings.FLOW_COLUMNS
    # TIME "HH:MM:SS.mmm", the flex endpoints, PORT up to "65535/SCTP", VERDICT up to "TRANSLATED"; every column
    # is followed by one blank column, so even the longest value never touches the next column
    widths = (12, 0, 0, len("65535/SCTP"), max(len(v) for v in VERDICTS), 30)
    # narrow (an 80-column terminal): TIME without milliseconds, workload names in SOURCE and DESTINATION, which
    # get most of the room; VERDICT keeps its full width (a verdict is never cut)
    narrow_widths = (8, -3, -3, len("65535/TCP"), max(len(v) for v in VERDICTS), -2)
    narrow_below = 112

    class FlowSelected(Message):
        def __init__(self, flow: Flow) -> None:
            super().__init__()
            self.flow = flow

    def __init__(self, ring: FlowRing[Flow], **kw: Any) -> None:
        super().__init__(**kw)
        self.ring = ring
        # set by the app (ui/row_notes.py): the observation a row shows (both ends joined), its note
        self.shown: Callable[[Flow], Flow] = lambda f: f
        self.note: Callable[[Flow], str] = lambda f: ""
        self.marked: Callable[[Flow], bool] = lambda f: False  # set by the screen (ui/chosen_fixes.py)

    def marks_changed(self) -> None:
        """The notes of rows already painted changed (a new snapshot judged them again): paint them again."""
        self._strip_cache.clear()
        self.refresh()

    def row_count(self) -> int:
        return len(self.ring)

    def row_key(self, index: int) -> Any:
        return self.ring.first_seq + index

    def index_of(self, key: Any) -> int | None:
        pos = key - self.ring.first_seq
        return pos if 0 <= pos < len(self.ring) else None

    def cells(self, index: int) -> tuple[str, ...]:
        flow = self.ring[index]
        cells = flow_cells(self.shown(flow), narrow=self.narrow)
        note = self.note(flow)
        if self.marked(self.shown(flow)):
            note = f"{strings.FIX_MARK} {note}".strip()
        return (*cells[:5], f"{note} {cells[5]}".strip()) if note else cells

    def row_style(self, index: int) -> Style:
        flow = self.shown(self.ring[index])
        v = flow.verdict
        style = DROP_ROW if v == "DROPPED" else AUDIT_ROW if v == "AUDIT" else Style()
        return style + MARKED_ROW if self.marked(flow) else style

    def cell_styles(self, index: int) -> tuple[Style | None, ...]:
        v = self.shown(self.ring[index]).verdict
        verdict = DROP_VERDICT if v == "DROPPED" else AUDIT_VERDICT if v == "AUDIT" else FWD_VERDICT
        return (DIM, None, None, None, verdict, None)

    def on_virtual_table_highlighted(self, event: VirtualTable.Highlighted) -> None:
        if event.table is self:
            event.stop()
            self.post_message(self.FlowSelected(self.shown(self.ring[event.index])))
