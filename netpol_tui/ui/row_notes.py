"""What the flows pane adds to a row beyond the flow itself: the staged mark (`--with`), both ends of a joined
connection (core.joined), and the explanation's lines about them (AUDIT included).

The flow worker fills it (`on_batch`: joins, staged verdicts); the UI thread reads it when it paints a row or
shows an explanation (dict lookups only).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from rich.text import Text

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.flowquery import FlowQuery
from netpol_tui.core.joined import Joined, Joiner
from netpol_tui.core.model import Flow
from netpol_tui.ui import strings
from netpol_tui.ui.staged import StagedJudge, StagedMark

MAX_JOINED = 100_000  # observations of joined pairs remembered (the oldest forgotten first)
STAGED_STYLE = {
    StagedMark.WOULD_DROP: "bold white on #af5f00",
    StagedMark.WOULD_ALLOW: "bold black on #87d787",
}


class RowNotes:
    def __init__(self, staged: StagedJudge | None = None, *, join: bool = True) -> None:
        self.staged = staged
        self.joiner: Joiner | None = Joiner() if join else None
        # id(first observation) -> (that flow, the pair): the row of the first observation shows the pair
        self._joined: OrderedDict[int, tuple[Flow, Joined]] = OrderedDict()
        self._second: set[int] = set()  # ids of the second observations (never a row of their own)

    # ---- the flow worker -------------------------------------------------------------------------------------
    def on_batch(self, flows: Sequence[Flow], visible: list[Flow], query: FlowQuery) -> list[Flow]:
        """Join both ends (the second observation leaves `visible`: its pair is shown on the first one's row);
        returns the visible flows."""
        joiner = self.joiner
        if joiner is None:
            return visible
        hidden: set[int] = set()
        for f in flows:
            pair = joiner.add(f)
            if pair is None:
                continue
            first = pair.ingress if pair.egress is f else pair.egress
            self._joined[id(first)] = (first, pair)
            self._joined[id(f)] = (f, pair)  # the selected row explains the decisive end: it knows its pair
            self._second.add(id(f))
            while len(self._joined) > MAX_JOINED:
                self._second.discard(self._joined.popitem(last=False)[0])
            if query.is_empty or query.matches(first):
                hidden.add(id(f))
        if hidden:
            visible = [f for f in visible if id(f) not in hidden]
        return visible

    def judge(self, flows: Sequence[Flow], snapshot: ClusterSnapshot | None) -> None:
        """The flow worker: the batch's new connections, under the cluster state the staged judge was last given
        (`snapshot`, the screen's, only if it was given none: the screen's copy may be older than the cluster
        worker's)."""
        if self.staged is not None:
            self.staged.judge(flows, snapshot, replace=False)

    def new_state(self, snapshot: ClusterSnapshot) -> None:
        """The cluster worker: every known connection judged again under the new cluster state."""
        if self.staged is not None:
            self.staged.judge((), snapshot)

    # ---- the UI thread ---------------------------------------------------------------------------------------
    def joined(self, flow: Flow) -> Joined | None:
        entry = self._joined.get(id(flow))
        if entry is not None and entry[0] is flow:
            return entry[1]
        return None

    def is_second(self, flow: Flow, query: FlowQuery) -> bool:
        """The later observation of a joined pair whose first one `query` shows (the pair is on that row)."""
        if id(flow) not in self._second:
            return False
        pair = self.joined(flow)
        if pair is None:
            return False
        first = pair.ingress if pair.egress is flow else pair.egress
        return query.is_empty or query.matches(first)

    def shown(self, flow: Flow) -> Flow:
        """The observation a row shows: of a joined pair the end that decided (the drop), else the flow."""
        pair = self.joined(flow)
        return pair.decisive if pair is not None else flow

    def note(self, flow: Flow) -> str:
        """Text before the reason column: the staged badge, what each end of a joined connection decided."""
        parts: list[str] = []
        pair = self.joined(flow)
        if self.staged is not None:
            mark = self.staged.mark(flow)
            if mark is not None:
                parts.append(f"[{strings.STAGED_MARKS[mark]}]")
        if pair is not None:
            e, i = pair.egress, pair.ingress
            parts.append(strings.joined_ends_short(e.verdict, e.node_name, i.verdict, i.node_name))
        return " ".join(parts)

    def audit_lines(self, audit: bool) -> list[Text]:
        """The explanation's line for policy audit mode (a flow or a drop group of AUDIT flows)."""
        return [Text(strings.audit_header(), style="bold black on #ffaf00")] if audit else []

    def header(self, flow: Flow) -> list[Text]:
        """Lines above the selected flow's explanation: audit mode, the staged verdict, both ends."""
        out: list[Text] = []
        shown = self.shown(flow)
        out.extend(self.audit_lines(shown.verdict == "AUDIT"))
        if self.staged is not None:
            mark = self.staged.mark(shown)
            if mark is not None:
                out.append(Text(strings.staged_header(mark, self.staged.label), style=STAGED_STYLE[mark]))
        pair = self.joined(flow)
        if pair is not None:
            e, i = pair.egress, pair.ingress
            out.append(
                Text(strings.joined_ends(e.verdict, e.node_name, i.verdict, i.node_name), style="bold")
            )
        return out


__all__ = ["RowNotes"]
