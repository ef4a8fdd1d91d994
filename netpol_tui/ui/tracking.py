"""The confirm-fix loop on screen: after `c` or `s` on a fix, one line above the panes follows the connection
(core/fixwatch.py decides; the workers post `TrackingChanged`; this line only words it).

    fix copied — waiting for the policy to change
    applied at 12:01:03: the new shop/api-ingress allows it · ✓ FORWARDED at 12:01:05
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import Static

from netpol_tui.core import wording
from netpol_tui.core.fixwatch import TrackState, TrackStatus
from netpol_tui.core.wording.inert import inert
from netpol_tui.ui import strings
from netpol_tui.ui.rendering import clock_text

STYLE = {
    TrackState.WAITING: "bold black on #ffd75f",
    TrackState.APPLIED_ALLOWS: "bold black on #87d7ff",
    TrackState.APPLIED_DENIES: "bold white on #af5f00",
    TrackState.FORWARDED: "bold black on #5fd75f",
    TrackState.STILL_DROPPED: "bold white on #d70000",
}


class TrackingChanged(Message):
    """The tracked connection's status changed (posted by the workers to the tracking line)."""

    bubble = False

    def __init__(self, status: TrackStatus) -> None:
        super().__init__()
        self.status = status


def tracking_text(connection: str, how: str, st: TrackStatus) -> str:
    parts: list[str] = []
    if st.state == TrackState.WAITING:
        parts.append(strings.tracking_waiting(how))
    else:
        at = clock_text(int(st.applied_at * 1_000_000_000), ms=False)
        policy = f"{st.policy.namespace}/{st.policy.name}" if st.policy.namespace else st.policy.name
        allows = st.explanation is not None and st.explanation.verdict.allowed
        why = ""
        if not allows and st.explanation is not None:
            why = wording.explanation_summary(st.explanation)
        parts.append(strings.tracking_applied(at, policy, str(st.change or ""), allows, why))
    if st.state in (TrackState.FORWARDED, TrackState.STILL_DROPPED):
        seen = clock_text(st.seen_ns, ms=False)
        parts.append(strings.tracking_seen(st.state == TrackState.FORWARDED, seen, st.drop_reason))
    return inert(strings.tracking_line(connection, parts))


class TrackingLine(Static):
    """One line: the tracked connection and where its fix stands."""

    DEFAULT_CSS = "TrackingLine { height: auto; padding: 0 1; }"

    def __init__(self, connection: str, how: str, status: TrackStatus) -> None:
        super().__init__("", markup=False, id="tracking")
        self.connection = connection
        self.how = how
        self.status = status
        self.text = ""
        self._show()

    def _show(self) -> None:
        self.text = tracking_text(self.connection, self.how, self.status)
        self.update(Text(self.text, style=STYLE[self.status.state]))

    def track(self, connection: str, how: str, status: TrackStatus) -> None:
        self.connection, self.how, self.status = connection, how, status
        self._show()

    def on_tracking_changed(self, m: TrackingChanged) -> None:
        self.status = m.status
        self._show()


__all__ = ["TrackingChanged", "TrackingLine", "tracking_text"]
