"""The NetworkPolicy model, built once by the parser: selectors, peers, ports, effective policyTypes.

Evaluation (core/evaluate.py) only reads these objects; it never looks at the raw dicts again. `raw` keeps the
object as it was read, for showing its YAML and for proposing a patched version of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netpol_tui.core.matchers import (
    ANY_PEER,
    ANY_PORT,
    IPBlock,
    PeerMatcher,
    PortMatcher,
    compile_peer,
    compile_port,
)
from netpol_tui.core.matchers.peers import IPNetwork
from netpol_tui.core.model import Direction, Origin
from netpol_tui.core.selectors import LabelSelector
from netpol_tui.core.subject import Subject

INGRESS = Direction.INGRESS
EGRESS = Direction.EGRESS

__all__ = ["EGRESS", "INGRESS", "IPBlock", "IPNetwork", "NetworkPolicy", "Peer", "PortSpec", "Rule"]


@dataclass(frozen=True, slots=True)
class Peer:
    """One item of `from`/`to`. Either selectors (pod and/or namespace: AND inside one item) or an ipBlock."""

    index: int
    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None


@dataclass(frozen=True, slots=True)
class PortSpec:
    """One item of `ports`: protocol (default TCP), port (number, name, or None = every port), endPort."""

    index: int
    protocol: str = "TCP"
    port: int | str | None = None
    end_port: int | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One ingress or egress rule. Empty `peers` = every peer; empty `ports` = every port and protocol.

    Compiled on construction: `peer_matchers` (OR) and `port_matchers` (OR), one matcher per item (the "any"
    matcher when the list is empty); the evaluator only walks these.
    """

    index: int
    direction: Direction
    peers: tuple[Peer, ...] = ()
    ports: tuple[PortSpec, ...] = ()
    peer_matchers: tuple[PeerMatcher, ...] = field(init=False, repr=False, compare=False)
    port_matchers: tuple[PortMatcher, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        peers = tuple(
            compile_peer(p.index, p.pod_selector, p.namespace_selector, p.ip_block) for p in self.peers
        )
        ports = tuple(compile_port(ps.index, ps.protocol, ps.port, ps.end_port) for ps in self.ports)
        object.__setattr__(self, "peer_matchers", peers or (ANY_PEER,))
        object.__setattr__(self, "port_matchers", ports or (ANY_PORT,))

    def admits(self, other: Subject, policy_ns: str, port: int, protocol: str, dst: Subject) -> bool:
        """Fast path: does this rule admit `other` on (port, protocol) to `dst`? Ports first (cheaper)."""
        for pm in self.port_matchers:
            if pm.admits(port, protocol, dst):
                break
        else:
            return False
        for peer in self.peer_matchers:
            if peer.admits(other, policy_ns):
                return True
        return False


@dataclass(frozen=True, slots=True, eq=False)
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    policy_types: frozenset[Direction]  # effective policyTypes
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    declared_policy_types: tuple[str, ...] | None = None  # as written; None when absent
    raw: dict[str, Any] = field(default_factory=dict)
    origin: Origin = Origin()
    kind: str = "NetworkPolicy"

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def rules(self, direction: str) -> tuple[Rule, ...]:
        return self.ingress if direction == INGRESS else self.egress


def effective_policy_types(declared: tuple[str, ...] | None, has_egress_rules: bool) -> frozenset[Direction]:
    """policyTypes as Kubernetes defaults them: Ingress always, Egress only when `egress` is a non-empty list."""
    if declared is not None:
        return frozenset(Direction(d) for d in declared)
    return frozenset((INGRESS, EGRESS)) if has_egress_rules else frozenset((INGRESS,))
