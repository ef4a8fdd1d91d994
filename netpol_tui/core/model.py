"""Plain data for the whole program: cluster objects and flows.

Standard library only. Everything here is immutable by convention (frozen dataclasses; label mappings are never
mutated after construction), so a snapshot can be shared between threads and replaced, never edited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

Labels = Mapping[str, str]

NS_NAME_LABEL = "kubernetes.io/metadata.name"

PROTOCOLS = ("TCP", "UDP", "SCTP")


class Direction(StrEnum):
    """A policy direction (policyTypes): Ingress is enforced at the destination, Egress at the source."""

    INGRESS = "Ingress"
    EGRESS = "Egress"


# --------------------------------------------------------------------------------------------------------------
# Where an object came from (for messages that name the file, the document and the field)
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Origin:
    """Where a Kubernetes object was read: a file (or "-", or "kube-api") and its 1-based document number."""

    source: str = ""
    document: int | None = None


# --------------------------------------------------------------------------------------------------------------
# Cluster objects
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Namespace:
    name: str
    labels: Labels = field(default_factory=dict)
    origin: Origin = Origin()


@dataclass(frozen=True, slots=True)
class ContainerPort:
    port: int
    protocol: str = "TCP"
    name: str = ""


@dataclass(frozen=True, slots=True)
class Workload:
    kind: str  # Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicaSet, Pod (bare) ...
    name: str


@dataclass(frozen=True, slots=True)
class Pod:
    namespace: str
    name: str
    labels: Labels = field(default_factory=dict)
    ips: tuple[str, ...] = ()
    host_network: bool = False
    phase: str = ""
    ports: tuple[ContainerPort, ...] = ()
    workload: Workload | None = None
    node_name: str = ""
    origin: Origin = Origin()
    service_account: str = ""  # spec.serviceAccountName ("" = default): part of a Cilium identity
    # the clustermesh cluster of a pod rebuilt from Hubble's labels when it is not the snapshot's own cluster
    # ("" = the snapshot's cluster, as every pod read from the cluster is): part of a Cilium identity
    cluster: str = ""
    key: str = field(init=False, repr=False, compare=False)  # "namespace/name", computed once

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", f"{self.namespace}/{self.name}")

    @property
    def ip(self) -> str | None:
        return self.ips[0] if self.ips else None


# --------------------------------------------------------------------------------------------------------------
# Flows (Hubble), converted by sources/flows.py from protobuf or from jsonpb dicts
# --------------------------------------------------------------------------------------------------------------
class EndpointKind(StrEnum):
    POD = "pod"  # a Kubernetes pod (namespace + pod name, or k8s labels)
    WORLD = "world"  # outside the cluster (reserved:world, world-ipv4/ipv6, cidr identities)
    HOST = "host"  # the local node (reserved:host)
    REMOTE_NODE = "remote-node"
    KUBE_APISERVER = "kube-apiserver"
    HEALTH = "health"
    INGRESS = "ingress"  # Cilium Ingress/Gateway proxy (reserved:ingress)
    INIT = "init"
    UNMANAGED = "unmanaged"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """A policy named by Hubble in *_allowed_by / *_denied_by."""

    name: str
    namespace: str = ""
    # NetworkPolicy, CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, ... ("" when unknown)
    kind: str = ""

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One side of a flow as Hubble saw it."""

    ip: str = ""
    kind: EndpointKind = EndpointKind.UNKNOWN
    identity: int = 0
    namespace: str = ""
    pod_name: str = ""
    # k8s-source labels, `k8s:` removed, cilium meta keys removed
    labels: Labels = field(default_factory=dict)
    namespace_labels: Labels = field(default_factory=dict)  # from io.cilium.k8s.namespace.labels.*
    # labels of other sources, as "source:key=value" (reserved:world, cidr:...)
    other_labels: tuple[str, ...] = ()
    workload: Workload | None = None
    cluster_name: str = ""
    service: str = ""  # "ns/name" of the Service Hubble associated with this side, if any

    @property
    def key(self) -> str:
        """`ns/pod` for a pod, otherwise the IP (the JSON contract's source/destination form)."""
        if self.namespace and self.pod_name:
            return f"{self.namespace}/{self.pod_name}"
        return self.ip


@dataclass(frozen=True, slots=True)
class Flow:
    time_ns: int = 0  # Unix epoch nanoseconds (0 when unknown)
    time: str = ""  # RFC 3339 as Hubble printed it (or as we formatted it from time_ns)
    uuid: str = ""
    verdict: str = "VERDICT_UNKNOWN"  # FORWARDED, DROPPED, AUDIT, REDIRECTED, ERROR, TRACED, TRANSLATED
    # DropReason enum name (drop_reason_desc), else str(numeric drop_reason), "" if none
    drop_reason: str = ""
    drop_reason_code: int = 0
    traffic_direction: str = "TRAFFIC_DIRECTION_UNKNOWN"  # INGRESS, EGRESS
    event_type: int = 0  # 1 drop, 4 trace, 5 policy-verdict, 129 l7 ...
    event_sub_type: int = 0
    is_reply: bool | None = None
    ip_version: str = ""  # IPv4 / IPv6
    protocol: str = ""  # TCP, UDP, SCTP, ICMPv4, ICMPv6, VRRP, IGMP ("" when no L4)
    # None when the flow does not say (jsonpb omits a 0 port; no L4, VRRP, IGMP); for ICMPv4/ICMPv6 the destination
    # port is the ICMP type (as the JSON contract's `port`) and the source port is None
    source_port: int | None = 0
    destination_port: int | None = 0
    tcp_flags: tuple[str, ...] = ()
    source: Endpoint = Endpoint()
    destination: Endpoint = Endpoint()
    flow_type: str = ""  # L3_L4, L7, SOCK
    l7_summary: str = ""
    policy_match_type: int = 0
    egress_allowed_by: tuple[PolicyRef, ...] = ()
    ingress_allowed_by: tuple[PolicyRef, ...] = ()
    egress_denied_by: tuple[PolicyRef, ...] = ()
    ingress_denied_by: tuple[PolicyRef, ...] = ()
    node_name: str = ""
    summary: str = ""
    interface: str = ""
    # Added for the Hubble source (all optional, defaults keep older constructors working):
    trace_observation_point: str = ""  # TO_ENDPOINT, FROM_ENDPOINT, ... (trace events only)
    source_names: tuple[str, ...] = ()  # DNS names Hubble knows for the source IP
    destination_names: tuple[str, ...] = ()  # DNS names Hubble knows for the destination IP (toFQDNs)
    drop_file: str = ""  # "bpf_lxc.c:1234": the datapath check that dropped (Cilium 1.17+)
    auth_type: str = ""  # SPIRE, TEST_ALWAYS_FAIL ("" when DISABLED)
    policy_log: tuple[str, ...] = ()
    icmp_type: int | None = None  # ICMPv4/ICMPv6 flows only (0 is a real type: echo reply)
    icmp_code: int | None = None

    @property
    def is_drop(self) -> bool:
        return self.verdict == "DROPPED"

    @property
    def is_policy_verdict(self) -> bool:
        return self.event_type == 5


# --------------------------------------------------------------------------------------------------------------
# Stream status events (lost events, Relay node status, connection state) for the UI and the CLI
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LostEvents:
    source: str  # PERF_EVENT_RING_BUFFER, OBSERVER_EVENTS_QUEUE, HUBBLE_RING_BUFFER, ...
    count: int
    node_name: str = ""
    time_ns: int = 0


@dataclass(frozen=True, slots=True)
class NodeStatus:
    state: str  # NODE_CONNECTED, NODE_UNAVAILABLE, NODE_GONE, NODE_ERROR
    node_names: tuple[str, ...] = ()
    message: str = ""
    time_ns: int = 0


class StreamPhase(StrEnum):
    """Connection state of a live flow stream."""

    CONNECTING = "connecting"
    CONNECTED = "connected"  # also after a reopen with new filters
    RECONNECTING = "reconnecting"
    FAILED = "failed"
    CLOSED = "closed"


class KubePhase(StrEnum):
    """State of the live Kubernetes API source (see `KubeStatus`)."""

    CONNECTING = "connecting"
    SYNCED = "synced"
    WATCHING = "watching"
    RELISTING = "relisting"
    RECONNECTING = "reconnecting"
    FORBIDDEN = "forbidden"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class StreamState:
    """Connection state of a live flow stream (sources/hubble.py), for the status bar and the CLI.

    state: "connecting", "connected", "reconnecting", "failed" or "closed" ("connected" also follows a reopen). `message` is already a sentence
    (from sources/hubble/errors.py); `attempt` counts reconnection attempts since the last good connection (0 for the first).
    `retry_in` is the backoff delay in seconds before the next attempt when reconnecting.
    """

    state: StreamPhase
    address: str = ""
    message: str = ""
    attempt: int = 0
    retry_in: float = 0.0
    server_version: str = ""
    time_ns: int = 0
    generation: int = 0  # +1 each time the stream is reopened with new filters; later items belong to it

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", StreamPhase(self.state))  # a plain string is accepted and checked


@dataclass(frozen=True, slots=True)
class KubeStatus:
    """State of the live Kubernetes API source (sources/kube.py), for the status bar and the CLI.

    state: "connecting", "synced" (every initial list done), "watching" (a watch is back after a failure),
    "relisting" (resourceVersion expired, 410 Gone), "reconnecting" (a watch or list failed; retrying after
    `retry_in` seconds), "forbidden" (RBAC refused a resource; the source goes on without it), "failed" (cannot
    reach or authenticate to the API; retrying) or "stopped". `resource` is the plural resource name
    ("pods", "networkpolicies", ...) or "" for the source as a whole. `message` is already a sentence (sources/kube/errors.py).
    """

    state: KubePhase
    resource: str = ""
    message: str = ""
    attempt: int = 0
    retry_in: float = 0.0
    context: str = ""
    time_ns: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", KubePhase(self.state))  # a plain string is accepted and checked
