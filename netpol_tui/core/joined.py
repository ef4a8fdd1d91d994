"""Both ends of one connection joined: Hubble may report a packet twice, at the source's node (egress, when
it leaves the source endpoint) and at the destination's (ingress, when it reaches the destination endpoint).

`Joiner.add(flow)` pairs an EGRESS observation with an INGRESS one of the same 5-tuple (source IP and port,
destination IP and port, protocol) seen within `window_ns` of each other; it returns the `Joined` pair when
`flow` completes one. Memory is bounded: observations wait at most `window_ns` (by the flows' own times) and
at most `max_pending` of them are kept. Pure: no I/O, no clock (the flows' times decide).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from netpol_tui.core.model import Flow

EGRESS = "EGRESS"
INGRESS = "INGRESS"
DEFAULT_WINDOW_NS = 1_000_000_000  # 1 s
DEFAULT_MAX_PENDING = 20_000
_DIRECTIONS = {
    EGRESS: EGRESS,
    INGRESS: INGRESS,
    "TRAFFIC_DIRECTION_EGRESS": EGRESS,
    "TRAFFIC_DIRECTION_INGRESS": INGRESS,
}
_OTHER = {EGRESS: INGRESS, INGRESS: EGRESS}

FiveTuple = tuple[str, int, str, int, str]


def five_tuple(flow: Flow) -> FiveTuple | None:
    """(source IP, source port, destination IP, destination port, protocol), None when the flow lacks one."""
    s, d = flow.source, flow.destination
    if not s.ip or not d.ip or not flow.protocol:
        return None
    return (s.ip, flow.source_port or 0, d.ip, flow.destination_port or 0, flow.protocol)


def direction_of(flow: Flow) -> str:
    """EGRESS, INGRESS or "" (Hubble's TRAFFIC_DIRECTION_ prefix removed)."""
    d = flow.traffic_direction.removeprefix("TRAFFIC_DIRECTION_")
    return d if d in (EGRESS, INGRESS) else ""


@dataclass(frozen=True, slots=True)
class Joined:
    """One connection seen at both ends: the egress observation (source's node) and the ingress one."""

    egress: Flow
    ingress: Flow

    @property
    def decisive(self) -> Flow:
        """The observation to show for the pair: the end that dropped (egress first), else the ingress one."""
        for f in (self.egress, self.ingress):
            if f.verdict == "DROPPED":
                return f
        for f in (self.egress, self.ingress):
            if f.verdict == "AUDIT":
                return f
        return self.ingress

    @property
    def verdicts_differ(self) -> bool:
        return self.egress.verdict != self.ingress.verdict


class Joiner:
    """Pairs egress and ingress observations of one connection (see the module's docstring)."""

    def __init__(self, window_ns: int = DEFAULT_WINDOW_NS, max_pending: int = DEFAULT_MAX_PENDING) -> None:
        self.window_ns = window_ns
        self.max_pending = max_pending
        # (direction, 5-tuple) -> the latest unpaired observation; insertion order is arrival order
        self._pending: OrderedDict[tuple[str, FiveTuple], Flow] = OrderedDict()
        self._latest_ns = 0

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, flow: Flow) -> Joined | None:
        """Record `flow`; the pair it completes (the other end's observation was waiting), else None."""
        direction = _DIRECTIONS.get(flow.traffic_direction)
        if direction is None:
            return None
        s, d = flow.source, flow.destination
        if not s.ip or not d.ip or not flow.protocol:
            return None
        key5 = (s.ip, flow.source_port or 0, d.ip, flow.destination_port or 0, flow.protocol)
        t = flow.time_ns
        if t > self._latest_ns:
            self._latest_ns = t
            self._expire()
        pending = self._pending
        partner = pending.pop((_OTHER[direction], key5), None)
        if partner is not None and abs(partner.time_ns - t) <= self.window_ns:
            return Joined(flow, partner) if direction == EGRESS else Joined(partner, flow)
        key = (direction, key5)
        pending.pop(key, None)  # the newest observation of this end waits (moved to the end)
        pending[key] = flow
        if len(pending) > self.max_pending:
            pending.popitem(last=False)
        return None

    def _expire(self) -> None:
        """Forget observations older than the window (by the newest flow time seen); arrival order is close to
        time order, so this looks at the oldest ones only."""
        cut = self._latest_ns - self.window_ns
        pending = self._pending
        while pending:
            key, first = next(iter(pending.items()))
            if first.time_ns >= cut:
                return
            del pending[key]


__all__ = ["DEFAULT_WINDOW_NS", "FiveTuple", "Joined", "Joiner", "direction_of", "five_tuple"]
