"""Every sentence a user reads, in one place: the TUI, `trace`, `explain` and the golden tests say the same thing.

Standard library only. Functions here turn the core's data (verdicts, explanations, problems, status events) into
words; nothing else in the program composes user-facing prose.
"""

from __future__ import annotations

from netpol_tui.core.model import LostEvents, NodeStatus

# Explanation wording (verdicts, rules, findings, fixes, summaries, input problems) lives in core/wording/.


# ---- Hubble / flows ------------------------------------------------------------------------------------------------
# Sentences for sources/hubble.py, sources/replay.py, sources/flows.py and core/filters.py. Codes in, words out.





def lost_events_text(ev: LostEvents) -> str:
    where = f" on {ev.node_name}" if ev.node_name else ""
    what = {
        "PERF_EVENT_RING_BUFFER": "the kernel's perf ring buffer overflowed",
        "OBSERVER_EVENTS_QUEUE": "Hubble's event queue was full",
        "HUBBLE_RING_BUFFER": "the flows fell out of Hubble's ring buffer before they were read",
    }.get(ev.source, "events were lost")
    return f"{ev.count} event{'s' if ev.count != 1 else ''} lost{where}: {what}; some drops may be missing"


def node_status_text(ev: NodeStatus) -> str:
    nodes = ", ".join(ev.node_names) or "a node"
    state = {
        "NODE_CONNECTED": "connected",
        "NODE_UNAVAILABLE": "unavailable (its flows are missing)",
        "NODE_GONE": "gone",
        "NODE_ERROR": "in error",
    }.get(ev.state, ev.state.lower())
    msg = f": {ev.message}" if ev.message else ""
    return f"Hubble Relay: {nodes} {state}{msg}"


def replay_problem(file: str, line_no: int, detail: str) -> str:
    return f"{file}, line {line_no}: {detail}; line skipped"


def replay_bad_json(detail: str) -> str:
    return f"not valid JSON ({detail})"


def replay_not_object(found: str) -> str:
    return f"expected a JSON object (a `hubble observe -o jsonpb` line), found {found}"


def replay_not_flow() -> str:
    return "a JSON object but not a Hubble flow (no flow, lost_events or node_status)"


def replay_wrong_type(path: str, expected: str, found: str) -> str:
    return f"{path} should be {expected}, found {found}"


def replay_bad_value(path: str, detail: str) -> str:
    return f"{path}: {detail}"


def replay_truncated(file: str, line_no: int, detail: str) -> str:
    return f"{file}: the compressed data ends early after line {line_no} ({detail}); the rest is lost"


def replay_unreadable(file: str, detail: str) -> str:
    return f"cannot read {file}: {detail}"


def replay_summary(file: str, flows: int, problems: int) -> str:
    bad = f", {problems} line{'s' if problems != 1 else ''} skipped" if problems else ""
    return f"{file}: {flows} flow{'s' if flows != 1 else ''} read{bad}"


# ---- Kubernetes API ----
# Sentences of the live kube source (sources/kube.py), `-P` (sources/portforward.py) and `snapshot`.
def kube_forbidden(verb: str, resource: str, group: str = "", namespace: str = "") -> str:
    """One line for a 403: what we could not do, and the grant that fixes it (deploy/rbac.yaml has them all)."""
    scope = f"in namespace {namespace}" if namespace else "at cluster scope"
    verbs = "list/watch" if verb in ("list", "watch") else verb
    what = f"{group} {resource}" if group else resource
    where = f" in namespace {namespace}" if namespace else ""
    return f"cannot {verb} {resource} {scope}: grant {verbs} on {what}{where} (see deploy/rbac.yaml)"


# ---- Source labels (status bar, snapshot headers) and small prefixes ------------------------------------------------
