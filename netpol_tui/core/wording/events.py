"""What the flow stream says besides flows, in words: events lost on a node, Relay's node status changes.

Used by `explain` (stderr lines) and the TUI (notifications); the sentences of Hubble errors live beside their
exception types in sources/hubble/errors.py.
"""

from __future__ import annotations

from netpol_tui.core.model import LostEvents, NodeStatus
from netpol_tui.core.wording.inert import inert_result

_LOST_SOURCE = {
    "PERF_EVENT_RING_BUFFER": "the kernel's perf ring buffer overflowed",
    "OBSERVER_EVENTS_QUEUE": "Hubble's event queue was full",
    "HUBBLE_RING_BUFFER": "the flows fell out of Hubble's ring buffer before they were read",
}

_NODE_STATE = {
    "NODE_CONNECTED": "connected",
    "NODE_UNAVAILABLE": "unavailable (its flows are missing)",
    "NODE_GONE": "gone",
    "NODE_ERROR": "in error",
}


@inert_result
def lost_events_text(ev: LostEvents) -> str:
    where = f" on {ev.node_name}" if ev.node_name else ""
    what = _LOST_SOURCE.get(ev.source, "events were lost")
    return f"{ev.count} event{'s' if ev.count != 1 else ''} lost{where}: {what}; some drops may be missing"


@inert_result
def node_status_text(ev: NodeStatus) -> str:
    nodes = ", ".join(ev.node_names) or "a node"
    state = _NODE_STATE.get(ev.state, ev.state.lower())
    msg = f": {ev.message}" if ev.message else ""
    return f"Hubble Relay: {nodes} {state}{msg}"
