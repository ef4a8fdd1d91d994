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
        direction = direction_of(flow)
        key5 = five_tuple(flow) if direction else None
        if key5 is None:
            return None
        if flow.time_ns > self._latest_ns:
            self._latest_ns = flow.time_ns
        self._expire()
        other = INGRESS if direction == EGRESS else EGRESS
        partner = self._pending.pop((other, key5), None)
        if partner is not None and abs(partner.time_ns - flow.time_ns) <= self.window_ns:
            if direction == EGRESS:
                return Joined(flow, partner)
            return Joined(partner, flow)
        key = (direction, key5)
        self._pending.pop(key, None)  # the newest observation of this end waits (moved to the end)
        self._pending[key] = flow
        while len(self._pending) > self.max_pending:
            self._pending.popitem(last=False)
        return None

    def _expire(self) -> None:
        cut = self._latest_ns - self.window_ns
        pending = self._pending
        while pending:
            first = next(iter(pending.values()))
            if first.time_ns >= cut:
                return
            pending.popitem(last=False)


__all__ = ["DEFAULT_WINDOW_NS", "FiveTuple", "Joined", "Joiner", "direction_of", "five_tuple"]
