"""NetworkPolicy port matchers: any (no `ports`), protocol only, one number, a range (endPort), a named port.

The protocol defaults to TCP (the parser fills it in); a named port is resolved on the destination pod's
containers, name and protocol both matching.
"""

from __future__ import annotations

from netpol_tui.core.matchers.base import PortCheck, PortMatcher
from netpol_tui.core.subject import Subject


def resolve_named_port(dst: Subject, name: str, protocol: str) -> int | None:
    """A named port on the destination pod's containers (the name and the protocol must both match)."""
    if dst.pod is None:
        return None
    for cp in dst.pod.ports:
        if cp.name == name and cp.protocol == protocol:
            return cp.port
    return None


class AnyPort(PortMatcher):
    """A rule without `ports`: every port and protocol (index -1)."""

    __slots__ = ()
    _OK = PortCheck(-1, True)

    def __init__(self) -> None:
        super().__init__(-1)

    def admits(self, port: int, protocol: str, dst: Subject) -> bool:
        return True

    def may_admit(self, port: int, protocol: str) -> bool:
        return True

    def check(self, port: int, protocol: str, dst: Subject) -> PortCheck:
        return self._OK


ANY_PORT = AnyPort()


class ProtocolPort(PortMatcher):
    """A `ports` item without `port`: every port of one protocol."""

    __slots__ = ("protocol", "_ok", "_bad")

    def __init__(self, index: int, protocol: str) -> None:
        super().__init__(index)
        self.protocol = protocol
        self._ok = PortCheck(index, True)
        self._bad = PortCheck(index, False, protocol_ok=False, port_ok=True)

    def admits(self, port: int, protocol: str, dst: Subject) -> bool:
        return protocol == self.protocol

    def may_admit(self, port: int, protocol: str) -> bool:
        return protocol == self.protocol

    def check(self, port: int, protocol: str, dst: Subject) -> PortCheck:
        return self._ok if self.admits(port, protocol, dst) else self._bad


class RangePort(PortMatcher):
    """`port` .. `endPort` (inclusive) of one protocol; a single number is the range port..port."""

    __slots__ = ("protocol", "first", "last", "_ok", "_misses")

    def __init__(self, index: int, protocol: str, first: int, last: int) -> None:
        super().__init__(index)
        self.protocol = protocol
        self.first = first
        self.last = last
        self._ok = PortCheck(index, True)
        # the three ways to miss, made once: (protocol ok, port ok)
        self._misses = {
            (p, q): PortCheck(index, False, protocol_ok=p, port_ok=q)
            for p, q in ((True, False), (False, True), (False, False))
        }

    def admits(self, port: int, protocol: str, dst: Subject) -> bool:
        return protocol == self.protocol and self.first <= port <= self.last

    def may_admit(self, port: int, protocol: str) -> bool:
        return protocol == self.protocol and self.first <= port <= self.last

    def check(self, port: int, protocol: str, dst: Subject) -> PortCheck:
        if self.admits(port, protocol, dst):
            return self._ok
        return self._misses[(protocol == self.protocol, self.first <= port <= self.last)]


class NumberPort(RangePort):
    """One port number of one protocol."""

    __slots__ = ()

    def __init__(self, index: int, protocol: str, port: int) -> None:
        super().__init__(index, protocol, port, port)

    def admits(self, port: int, protocol: str, dst: Subject) -> bool:
        return port == self.first and protocol == self.protocol


class NamedPort(PortMatcher):
    """A port name, resolved on the destination pod (a container port with that name and protocol)."""

    __slots__ = ("protocol", "name")

    def __init__(self, index: int, protocol: str, name: str) -> None:
        super().__init__(index)
        self.protocol = protocol
        self.name = name

    def _admits(self, port: int, protocol: str, resolved: int | None) -> bool:
        return protocol == self.protocol and resolved == port

    def admits(self, port: int, protocol: str, dst: Subject) -> bool:
        return self._admits(port, protocol, resolve_named_port(dst, self.name, self.protocol))

    def may_admit(self, port: int, protocol: str) -> bool:
        return protocol == self.protocol  # the number depends on the destination pod's containers

    def check(self, port: int, protocol: str, dst: Subject) -> PortCheck:
        resolved = resolve_named_port(dst, self.name, self.protocol)  # resolved once for both answers
        ok = self._admits(port, protocol, resolved)
        proto_ok = protocol == self.protocol
        if resolved is None:
            return PortCheck(self.index, False, protocol_ok=proto_ok, port_ok=False, unresolved_name=True)
        return PortCheck(self.index, ok, protocol_ok=proto_ok, port_ok=resolved == port, resolved=resolved)


def compile_port(index: int, protocol: str, port: int | str | None, end_port: int | None) -> PortMatcher:
    """The matcher of one `ports` item."""
    if port is None:
        return ProtocolPort(index, protocol)
    if isinstance(port, str):
        return NamedPort(index, protocol, port)
    if end_port is not None:
        return RangePort(index, protocol, port, end_port)
    return NumberPort(index, protocol, port)
