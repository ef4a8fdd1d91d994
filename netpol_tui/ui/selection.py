"""What the user has selected: a flow, a drop group, a pod or a namespace (or nothing)."""

from __future__ import annotations

from dataclasses import dataclass

from netpol_tui.core.aggregate import DropGroup
from netpol_tui.core.model import Flow


@dataclass(frozen=True, slots=True)
class FlowSelection:
    """A row of the flows pane: explained with its fixes."""

    flow: Flow


@dataclass(frozen=True, slots=True)
class GroupSelection:
    """A row of the grouped view: its latest flow explained, under the group's counts."""

    group: DropGroup

    @property
    def flow(self) -> Flow | None:
        return self.group.sample


@dataclass(frozen=True, slots=True)
class PodSelection:
    """A pod (`pod` set) or a whole namespace (`pod` empty) chosen in the pods pane."""

    namespace: str
    pod: str = ""

    @property
    def key(self) -> str:
        """`ns/pod` for a pod, `ns` for a namespace."""
        return f"{self.namespace}/{self.pod}" if self.pod else self.namespace


Selection = FlowSelection | GroupSelection | PodSelection | None

__all__ = ["FlowSelection", "GroupSelection", "PodSelection", "Selection"]
