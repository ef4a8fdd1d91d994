"""The status bar: source, connection, rates with a drops sparkline, lost events, nodes, cluster, subscription.

The app hands it a `StatusData` (attributes down); it only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from netpol_tui.ui import strings


@dataclass(frozen=True, slots=True)
class StatusData:
    source: str
    connection: str
    connection_style: str
    flows: int
    drops: int
    flows_rate: float
    drops_rate: float
    spark: str
    lost: int
    nodes: str
    cluster: str
    subscription: str
    paused: str = ""
    loading: str = ""
    live: bool = True
    shown: int | None = None  # flows the view shows, when a filter hides some (None: no filter)


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 2; background: #1c1c1c; color: #d0d0d0; padding: 0 1; }
    """

    _shown: Text | None = None
    _data: StatusData | None = None

    def show(self, d: StatusData) -> None:
        self._data = d
        width = self.content_region.width or self.size.width or 200
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append_text(first_line(d, width))
        t.append("\n")
        second = Text(no_wrap=True, overflow="ellipsis")
        second.append("⇢ ", style="#87d7ff")
        second.append(d.subscription, style="#afd7ff")
        second.append("   ")
        second.append(d.cluster, style="dim")
        second.truncate(width, overflow="ellipsis")
        t.append_text(second)
        if t == self._shown:
            return
        self._shown = t
        self.update(t, layout=False)  # a fixed two-line bar: no layout pass needed

    def on_resize(self) -> None:
        if self._data is not None:
            self.show(self._data)


# what the first line leaves out, in this order, until it fits its width (then it ends with "…")
_SHED = ("brand", "version", "spark", "flows_rate", "lost0", "drops_rate", "nodes")


def first_line(d: StatusData, width: int) -> Text:
    """The status bar's first line, on one line: the least useful parts go first when the width is short."""
    dropped: set[str] = set()
    line = _first_line(d, dropped)
    for part in _SHED:
        if line.cell_len <= width:
            break
        dropped.add(part)
        line = _first_line(d, dropped)
    line.truncate(width, overflow="ellipsis")
    return line


def _first_line(d: StatusData, dropped: set[str]) -> Text:
    t = Text(no_wrap=True, overflow="ellipsis")
    if "brand" not in dropped:
        t.append("netpol-tui ", style="bold #87d7ff")
    t.append(d.source, style="bold")
    t.append(" ")
    conn = d.connection.split(" · ")[0] if "version" in dropped else d.connection
    t.append(f"● {conn}", style=d.connection_style)
    words = strings.STATUS_LABELS
    t.append(f"  {words['flows']} ")
    t.append(strings.count_text(d.flows), style="bold")
    if d.live and "flows_rate" not in dropped:
        t.append(f" ({strings.rate_text(d.flows_rate)}/s)", style="dim")
    t.append(f"  {words['drops']} ")
    t.append(strings.count_text(d.drops), style="bold #ff5f5f")
    if d.live and "drops_rate" not in dropped:
        t.append(f" ({strings.rate_text(d.drops_rate)}/s)", style="#ff8787")
    if d.shown is not None:
        t.append(f" · {strings.shown(d.shown)}", style="bold #ffd75f")
    if d.live and "spark" not in dropped:
        t.append(" ")
        t.append(d.spark, style="#ff5f5f on #303030")
    if d.lost or "lost0" not in dropped:
        t.append(f"  {words['lost']} ")
        t.append(strings.count_text(d.lost), style="bold yellow" if d.lost else "dim")
    if d.nodes and "nodes" not in dropped:
        t.append(f"  {d.nodes}", style="yellow" if "down" in d.nodes else "dim")
    if d.paused:
        t.append("  ")
        t.append(f" {d.paused} ", style="bold black on #ffaf00")
    if d.loading:
        t.append("  ")
        t.append(f" {d.loading} ", style="bold black on #87d7ff")
    return t
