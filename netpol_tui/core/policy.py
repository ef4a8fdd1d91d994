"""The NetworkPolicy model, built once by the parser: selectors, peers, ports, effective policyTypes.

Evaluation (core/evaluate.py) only reads these objects; it never looks at the raw dicts again. `raw` keeps the
object as it was read, for showing its YAML and for proposing a patched version of it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from netpol_tui.core.model import Origin
from netpol_tui.core.selectors import LabelSelector

INGRESS = "Ingress"
EGRESS = "Egress"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class IPBlock:
    cidr: str
    network: IPNetwork
    excepts: tuple[tuple[str, IPNetwork], ...] = ()

    def contains(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        if ip.version != self.network.version or ip not in self.network:
            return False
        return not any(ip.version == net.version and ip in net for _, net in self.excepts)

    def excepted_by(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
        """The `except` entry that removes this IP, if any (the IP being inside `cidr`)."""
        for text, net in self.excepts:
            if ip.version == net.version and ip in net:
                return text
        return None


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
    """One ingress or egress rule. Empty `peers` = every peer; empty `ports` = every port and protocol."""

    index: int
    direction: str  # Ingress / Egress
    peers: tuple[Peer, ...] = ()
    ports: tuple[PortSpec, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    policy_types: frozenset[str]  # effective policyTypes
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    declared_policy_types: tuple[str, ...] | None = None  # as written; None when absent
    raw: dict = field(default_factory=dict)
    origin: Origin = Origin()
    kind: str = "NetworkPolicy"

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def rules(self, direction: str) -> tuple[Rule, ...]:
        return self.ingress if direction == INGRESS else self.egress

    def applies_to(self, direction: str) -> bool:
        return direction in self.policy_types


def effective_policy_types(declared: tuple[str, ...] | None, has_egress_rules: bool) -> frozenset[str]:
    """policyTypes as Kubernetes defaults them: Ingress always, Egress only when `egress` is a non-empty list."""
    if declared is not None:
        return frozenset(declared)
    return frozenset((INGRESS, EGRESS)) if has_egress_rules else frozenset((INGRESS,))
