"""Worker results, posted to the main screen (one message per batch or per job, never one per flow)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message

from netpol_tui.core.aggregate import DropGroup
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.explain import Explanation
from netpol_tui.core.flowquery import FlowQuery
from netpol_tui.core.model import Flow, KubeStatus, LostEvents, NodeStatus, StreamState
from netpol_tui.ui.feeds import Progress
from netpol_tui.ui.selection import Selection

StreamEvent = LostEvents | NodeStatus | StreamState | Progress
GroupExplanations = Sequence[tuple[DropGroup, Explanation]]


class FlowsReceived(Message):
    """One batch from the flow worker.

    `flows`: every flow of the batch (in order); `visible`: those matching `query`, the view's local query
    when the worker read the batch (computed there, so the event loop only appends); `drops`: how many of
    `flows` are DROPPED or AUDIT; `events`: the batch's other items; `explained`: explanations of drop groups
    the batch created, made with `snapshot` (the UI thread stores them on the groups).
    """

    bubble = False  # for the main screen only

    def __init__(
        self,
        flows: list[Flow],
        visible: list[Flow],
        drops: int,
        events: list[StreamEvent],
        query: FlowQuery,
        explained: GroupExplanations = (),
        snapshot: ClusterSnapshot | None = None,
    ) -> None:
        super().__init__()
        self.flows = flows
        self.visible = visible
        self.drops = drops
        self.events = events
        self.query = query
        self.explained = explained
        self.snapshot = snapshot


class StreamFailed(Message):
    """The flow worker stopped on an error it cannot retry (a sentence for the user)."""

    bubble = False  # for the main screen only

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class ClusterUpdated(Message):
    bubble = False  # for the main screen only

    def __init__(self, snapshot: ClusterSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class KubeStatusChanged(Message):
    bubble = False  # for the main screen only

    def __init__(self, status: KubeStatus) -> None:
        super().__init__()
        self.status = status


class GroupsExplained(Message):
    """Every drop group explained again against `snapshot` (the cluster changed)."""

    bubble = False  # for the main screen only

    def __init__(self, snapshot: ClusterSnapshot, explained: GroupExplanations) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.explained = explained


class SelectionExplained(Message):
    """The explanation (with fixes) of `selection`, the request it answers (stale when the selection moved on)."""

    bubble = False  # for the main screen only

    def __init__(self, selection: Selection, explanation: Explanation) -> None:
        super().__init__()
        self.selection = selection
        self.explanation = explanation
