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


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 2; background: #1c1c1c; color: #d0d0d0; padding: 0 1; }
    """

    _shown: Text | None = None

    def show(self, d: StatusData) -> None:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append("netpol-tui ", style="bold #87d7ff")
        t.append(d.source, style="bold")
        t.append(" ")
        t.append(f"● {d.connection}", style=d.connection_style)
        words = strings.STATUS_LABELS
        t.append(f"  {words['flows']} ")
        t.append(strings.count_text(d.flows), style="bold")
        if d.live:
            t.append(f" ({strings.rate_text(d.flows_rate)}/s)", style="dim")
        t.append(f"  {words['drops']} ")
        t.append(strings.count_text(d.drops), style="bold #ff5f5f")
        if d.live:
            t.append(f" ({strings.rate_text(d.drops_rate)}/s) ", style="#ff8787")
            t.append(d.spark, style="#ff5f5f on #303030")
        t.append(f"  {words['lost']} ")
        t.append(strings.count_text(d.lost), style="bold yellow" if d.lost else "dim")
        if d.nodes:
            t.append(f"  {d.nodes}", style="yellow" if "down" in d.nodes else "dim")
        if d.paused:
            t.append("  ")
            t.append(f" {d.paused} ", style="bold black on #ffaf00")
        if d.loading:
            t.append("  ")
            t.append(f" {d.loading} ", style="bold black on #87d7ff")
        t.append("\n")
        t.append("⇢ ", style="#87d7ff")
        t.append(d.subscription, style="#afd7ff")
        t.append("   ")
        t.append(d.cluster, style="dim")
        if t == self._shown:
            return
        self._shown = t
        self.update(t, layout=False)  # a fixed two-line bar: no layout pass needed
