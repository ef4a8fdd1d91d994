"""The confirm-fix loop: after a fix is handed over (copied or saved), follow its connection until the cluster
shows whether it worked.

    tracker = FixTracker(flow, PolicyId(fix.kind, fix.namespace, fix.name), snapshot)
    tracker.on_snapshot(new_snapshot, now)   # the kube watch delivered a new state: was the fix applied?
    tracker.on_flow(flow)                    # a flow of the connection after that: FORWARDED or still DROPPED

States: WAITING (nothing applied yet) -> APPLIED_ALLOWS / APPLIED_DENIES (a change of the fix's policy, or any
policy change that makes the connection allowed) -> FORWARDED / STILL_DROPPED (the first flows of the connection
seen after the change; the latest one counts). Typed results only: the wording is the UI's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from netpol_tui.core.aggregate import workload_key
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.diff import Change, PolicyId, policy_changes
from netpol_tui.core.explain import Explanation, explain_flow
from netpol_tui.core.flowquery import FilterSpec
from netpol_tui.core.model import Endpoint, Flow


class TrackState(StrEnum):
    WAITING = "waiting"  # the fix was handed over; no matching policy change yet
    APPLIED_ALLOWS = "applied_allows"  # a matching change arrived and the new state allows the connection
    APPLIED_DENIES = "applied_denies"  # a matching change arrived but the new state still denies it
    FORWARDED = "forwarded"  # a flow of the connection went through after the change
    STILL_DROPPED = "still_dropped"  # a flow of the connection was dropped after the change


@dataclass(frozen=True, slots=True)
class TrackStatus:
    state: TrackState
    policy: PolicyId  # the fix's policy, or the policy whose change applied it
    change: Change | None = None  # how that policy changed (created, modified, deleted)
    applied_at: float = 0.0  # epoch seconds of the change (the caller's clock)
    explanation: Explanation | None = None  # the connection judged under the changed state (why it is denied)
    seen_ns: int = 0  # time of the flow that decided FORWARDED / STILL_DROPPED
    drop_reason: str = ""  # its drop reason (STILL_DROPPED)


APPLIED = (
    TrackState.APPLIED_ALLOWS,
    TrackState.APPLIED_DENIES,
    TrackState.FORWARDED,
    TrackState.STILL_DROPPED,
)


def _end_key(ep: Endpoint) -> str:
    return workload_key(ep)


class FixTracker:
    """One tracked connection: the workload pair, port and protocol of `flow` (replicas count alike)."""

    def __init__(self, flow: Flow, policy: PolicyId, base: ClusterSnapshot | None) -> None:
        self.flow = flow
        self.base = base
        self.key = (_end_key(flow.source), _end_key(flow.destination), flow.destination_port, flow.protocol)
        self.status = TrackStatus(TrackState.WAITING, policy)

    def matches(self, flow: Flow) -> bool:
        """A packet of the tracked connection (not a reply)."""
        return (
            flow.is_reply is not True
            and flow.destination_port == self.key[2]
            and flow.protocol == self.key[3]
            and _end_key(flow.source) == self.key[0]
            and _end_key(flow.destination) == self.key[1]
        )

    def pair_filter(self) -> FilterSpec:
        """The Hubble filter for the connection's flows (every verdict), to add to a narrowed subscription."""
        s, d = self.flow.source, self.flow.destination
        return FilterSpec(
            source_pod=(self.key[0],) if s.namespace else (),
            source_ip=(s.ip,) if not s.namespace and s.ip else (),
            destination_pod=(self.key[1],) if d.namespace else (),
            destination_ip=(d.ip,) if not d.namespace and d.ip else (),
            destination_port=(str(self.key[2]),) if self.key[2] else (),
        )

    def on_snapshot(self, snapshot: ClusterSnapshot, now: float) -> bool:
        """A new cluster state: True when the status changed (a matching policy change was applied)."""
        base = self.base
        self.base = snapshot
        if base is None or snapshot is base:
            return False
        changes = {c.policy: c.change for c in policy_changes(base, snapshot)}
        if not changes:
            return False
        expl = explain_flow(self.flow, snapshot, with_fixes=False)
        allowed = expl.verdict.allowed
        policy = self.status.policy
        if policy not in changes:
            if not allowed:
                return False  # another policy changed, and the connection is still denied: keep waiting
            policy = next(iter(sorted(changes)))  # applied under another name: the change that allows it
        state = TrackState.APPLIED_ALLOWS if allowed else TrackState.APPLIED_DENIES
        self.status = TrackStatus(state, policy, changes[policy], now, expl)
        return True

    def on_flow(self, flow: Flow) -> bool:
        """A flow: True when it decided the status (a flow of the connection after the change)."""
        st = self.status
        if st.state not in APPLIED or flow.verdict not in ("FORWARDED", "DROPPED") or not self.matches(flow):
            return False
        if flow.verdict == "FORWARDED":
            self.status = replace(st, state=TrackState.FORWARDED, seen_ns=flow.time_ns, drop_reason="")
        else:
            self.status = replace(
                st, state=TrackState.STILL_DROPPED, seen_ns=flow.time_ns, drop_reason=flow.drop_reason
            )
        return True


__all__ = ["FixTracker", "TrackState", "TrackStatus"]
