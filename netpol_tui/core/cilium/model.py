"""The Cilium object model: CNP/CCNP rules, CIDR groups, nodes, services, endpoints and cilium-config.

Built once by `core/cilium/parse.py` from plain dicts; never edited afterwards. Selectors are the core's
`LabelSelector` (core/selectors.py) with every key written `source:key` (`any:app`, `k8s:app`, `reserved:host`),
so that they match the identity label mappings of `core/cilium/identity.py` with the one selector engine.
Reference: shared/reference/cilium-policy-semantics.md (section numbers below point there).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from netpol_tui.core.model import Direction as Direction  # re-exported: the one Direction enum
from netpol_tui.core.model import Origin
from netpol_tui.core.selectors import LabelSelector

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# identity label keys (§2)
NAMESPACE_KEY = "io.kubernetes.pod.namespace"
CLUSTER_KEY = "io.cilium.k8s.policy.cluster"
SERVICE_ACCOUNT_KEY = "io.cilium.k8s.policy.serviceaccount"
NAMESPACE_LABELS_PREFIX = "io.cilium.k8s.namespace.labels."
POLICY_NAME_KEY = "io.cilium.k8s.policy.name"


class PolicyKind(StrEnum):
    NETWORK_POLICY = "NetworkPolicy"
    CNP = "CiliumNetworkPolicy"
    CCNP = "CiliumClusterwideNetworkPolicy"


class Section(StrEnum):
    """The four rule sections of a Cilium rule, named as in the YAML."""

    INGRESS = "ingress"
    INGRESS_DENY = "ingressDeny"
    EGRESS = "egress"
    EGRESS_DENY = "egressDeny"

    @property
    def direction(self) -> Direction:
        return Direction.INGRESS if self in (Section.INGRESS, Section.INGRESS_DENY) else Direction.EGRESS

    @property
    def is_deny(self) -> bool:
        return self in (Section.INGRESS_DENY, Section.EGRESS_DENY)


class Entity(StrEnum):
    """`from/toEntities` values (§5)."""

    HOST = "host"
    REMOTE_NODE = "remote-node"
    KUBE_APISERVER = "kube-apiserver"
    INGRESS = "ingress"
    HEALTH = "health"
    INIT = "init"
    UNMANAGED = "unmanaged"
    WORLD = "world"
    WORLD_IPV4 = "world-ipv4"
    WORLD_IPV6 = "world-ipv6"
    CLUSTER = "cluster"
    ALL = "all"
    NONE = "none"


class Reserved(StrEnum):
    """Reserved identity labels (`reserved:<name>`) a non-pod peer carries (§2 table)."""

    HOST = "host"
    WORLD = "world"
    WORLD_IPV4 = "world-ipv4"
    WORLD_IPV6 = "world-ipv6"
    UNMANAGED = "unmanaged"
    HEALTH = "health"
    INIT = "init"
    REMOTE_NODE = "remote-node"
    KUBE_APISERVER = "kube-apiserver"
    INGRESS = "ingress"


class L4Proto(StrEnum):
    TCP = "TCP"
    UDP = "UDP"
    SCTP = "SCTP"
    ANY = "ANY"


class IcmpFamily(StrEnum):
    IPV4 = "IPv4"
    IPV6 = "IPv6"


class PeerKind(StrEnum):
    """The one kind of L3 peer a rule item holds (§5); NONE = no L3 peer given (every peer, ports decide)."""

    NONE = "none"
    ENDPOINTS = "endpoints"
    ENTITIES = "entities"
    CIDR = "cidr"  # from/toCIDR and from/toCIDRSet
    SERVICES = "services"
    FQDNS = "fqdns"
    NODES = "nodes"
    GROUPS = "groups"


class L7Kind(StrEnum):
    HTTP = "http"
    DNS = "dns"
    KAFKA = "kafka"
    L7PROTO = "l7proto"


class Unjudged(StrEnum):
    """Parts of a rule this tool does not judge; they are flagged on the rule item."""

    L7 = "l7"  # rules.http|dns|kafka|l7proto: allowed as L4, the L7 part not judged
    SERVER_NAMES = "server_names"
    TLS = "tls"  # terminatingTLS / originatingTLS
    LISTENER = "listener"
    AUTH = "auth"  # authentication.mode: required
    REQUIRES = "requires"  # fromRequires/toRequires: removed in 1.19, ignored
    GROUPS = "groups"  # from/toGroups: cloud security groups, never matched here


class EnablePolicy(StrEnum):
    DEFAULT = "default"
    ALWAYS = "always"
    NEVER = "never"


class AllowLocalhost(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    POLICY = "policy"


# ---------------------------------------------------------------------------------------------------------------
# Selectors, peers, ports
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CiliumSelector:
    """An endpoint selector as written, keys normalised to `source:key`.

    `names_namespace` / `names_cluster`: the selector itself names `io.kubernetes.pod.namespace` /
    `io.cilium.k8s.policy.cluster` (any source), so no implicit term is added for it. `has_reserved`: it names a
    `reserved:` key (no namespace or cluster term at all). `names_namespace_labels`: it names an
    `io.cilium.k8s.namespace.labels.*` key. `invalid`: failed validation, selects nothing (§2).
    """

    selector: LabelSelector
    raw: Any = None
    names_namespace: bool = False
    names_cluster: bool = False
    has_reserved: bool = False
    names_namespace_labels: bool = False
    invalid: str = ""  # "" or the reason (e.g. "bad_operator")


@dataclass(frozen=True, slots=True)
class CIDRPeer:
    """One entry of from/toCIDR (cidr only) or from/toCIDRSet (cidr | cidrGroupRef | cidrGroupSelector + except)."""

    index: int
    cidr: IPNetwork | None = None
    text: str = ""  # as written
    group_ref: str = ""
    group_selector: CiliumSelector | None = None
    excepts: tuple[tuple[str, IPNetwork], ...] = ()


@dataclass(frozen=True, slots=True)
class ServicePeer:
    """One toServices entry: k8sService {serviceName, namespace} or k8sServiceSelector {selector, namespace}."""

    index: int
    name: str = ""
    namespace: str = ""  # "" = the policy's namespace (CNP) / every namespace (CCNP selector)
    selector: CiliumSelector | None = None


@dataclass(frozen=True, slots=True)
class FQDNPeer:
    index: int
    match_name: str = ""
    match_pattern: str = ""


@dataclass(frozen=True, slots=True)
class PortProtocol:
    """One `toPorts[].ports[]` entry. port 0 = every port; `name` set for an IANA / container port name."""

    index: int
    port: int = 0
    name: str = ""
    end_port: int | None = None
    protocol: L4Proto = L4Proto.ANY


@dataclass(frozen=True, slots=True)
class PortRule:
    """One `toPorts[]` entry: its ports (none = every L4 port) and what is not judged (L7, TLS, ...)."""

    index: int
    ports: tuple[PortProtocol, ...] = ()
    l7: tuple[L7Kind, ...] = ()
    unjudged: tuple[Unjudged, ...] = ()


@dataclass(frozen=True, slots=True)
class IcmpField:
    index: int
    family: IcmpFamily = IcmpFamily.IPV4
    type: int = 0
    type_name: str = ""  # as written when a name was used


@dataclass(frozen=True, slots=True)
class RuleItem:
    """One item of ingress / ingressDeny / egress / egressDeny.

    `peer_kind` NONE with no ports and no icmps = `{}`: selects nothing (it still isolates, §4). An L3 list given
    empty (`fromEntities: []`) keeps its kind and selects nothing.
    """

    index: int  # position in its section of its rule
    section: Section
    path: str  # "spec.ingress[0]", "specs[1].egressDeny[2]"
    peer_kind: PeerKind = PeerKind.NONE
    endpoints: tuple[CiliumSelector, ...] = ()
    entities: tuple[Entity, ...] = ()
    cidrs: tuple[CIDRPeer, ...] = ()
    services: tuple[ServicePeer, ...] = ()
    fqdns: tuple[FQDNPeer, ...] = ()
    nodes: tuple[CiliumSelector, ...] = ()
    to_ports: tuple[PortRule, ...] = ()
    icmps: tuple[IcmpField, ...] = ()
    unjudged: tuple[Unjudged, ...] = ()

    @property
    def selects_nothing(self) -> bool:
        """`{}`: no peer, no port, no ICMP: allows (or denies) nothing."""
        return self.peer_kind is PeerKind.NONE and not self.to_ports and not self.icmps

    @property
    def has_dns_rules(self) -> bool:
        return any(L7Kind.DNS in pr.l7 for pr in self.to_ports)


@dataclass(frozen=True, slots=True)
class CiliumRule:
    """One rule (`spec`, or one entry of `specs`)."""

    index: int  # 0 for `spec`, then 1.. for specs[0..] (or 0.. when there is no `spec`)
    path: str  # "spec" or "specs[i]"
    endpoint_selector: CiliumSelector | None  # None: a node (host) rule, skipped
    ingress: tuple[RuleItem, ...] = ()
    ingress_deny: tuple[RuleItem, ...] = ()
    egress: tuple[RuleItem, ...] = ()
    egress_deny: tuple[RuleItem, ...] = ()
    default_deny_ingress: bool | None = None  # enableDefaultDeny.ingress as written
    default_deny_egress: bool | None = None
    description: str = ""
    log_value: str = ""

    @property
    def is_host_rule(self) -> bool:
        return self.endpoint_selector is None

    def section(self, section: Section) -> tuple[RuleItem, ...]:
        if section is Section.INGRESS:
            return self.ingress
        if section is Section.INGRESS_DENY:
            return self.ingress_deny
        if section is Section.EGRESS:
            return self.egress
        return self.egress_deny

    def allows(self, direction: Direction) -> tuple[RuleItem, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress

    def denies(self, direction: Direction) -> tuple[RuleItem, ...]:
        return self.ingress_deny if direction is Direction.INGRESS else self.egress_deny

    def written_default_deny(self, direction: Direction) -> bool | None:
        return self.default_deny_ingress if direction is Direction.INGRESS else self.default_deny_egress


@dataclass(frozen=True, slots=True, eq=False)
class CiliumPolicy:
    kind: PolicyKind
    namespace: str  # "" for CCNP
    name: str
    rules: tuple[CiliumRule, ...]
    labels: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    origin: Origin = Origin()

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def host_rules(self) -> tuple[CiliumRule, ...]:
        return tuple(r for r in self.rules if r.is_host_rule)

    @property
    def endpoint_rules(self) -> tuple[CiliumRule, ...]:
        return tuple(r for r in self.rules if not r.is_host_rule)


# ---------------------------------------------------------------------------------------------------------------
# Other objects the evaluation needs
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CIDRGroup:
    name: str
    cidrs: tuple[tuple[str, IPNetwork], ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    api_version: str = ""
    origin: Origin = Origin()


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    addresses: tuple[str, ...] = ()  # InternalIP / ExternalIP (normalised text)
    origin: Origin = Origin()


@dataclass(frozen=True, slots=True)
class ServicePort:
    port: int
    protocol: str = "TCP"
    name: str = ""
    target_port: int | str | None = None


@dataclass(frozen=True, slots=True)
class Service:
    namespace: str
    name: str
    selector: dict[str, str] | None = None  # None: no selector (endpoints managed by hand)
    ports: tuple[ServicePort, ...] = ()
    cluster_ips: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    origin: Origin = Origin()

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class Endpoints:
    namespace: str
    name: str
    addresses: tuple[str, ...] = ()
    origin: Origin = Origin()

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class CiliumConfig:
    """The keys of kube-system/cilium-config that change a verdict (§1, §3, §4, §5); defaults = Cilium 1.19."""

    cluster_name: str = "default"
    enable_policy: EnablePolicy = EnablePolicy.DEFAULT
    policy_audit_mode: bool = False
    allow_localhost: AllowLocalhost = AllowLocalhost.AUTO
    enable_k8s_networkpolicy: bool = True
    enable_non_default_deny_policies: bool = True
    policy_default_local_cluster: bool = True
    policy_cidr_match_nodes: bool = False  # policy-cidr-match-mode contains "nodes"
    enable_node_selector_labels: bool = False
    enable_l7_proxy: bool = True
    data: dict[str, str] = field(default_factory=dict)  # every key as read
    origin: Origin = Origin()

    @property
    def localhost_always_allowed(self) -> bool:
        return self.allow_localhost is not AllowLocalhost.POLICY


CiliumObject = CiliumPolicy | CIDRGroup | Node | Service | Endpoints | CiliumConfig
