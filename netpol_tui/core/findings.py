"""What an explanation found, one frozen dataclass per kind of finding, with named and typed fields.

`core/explain.py` makes them; `core/wording/findings.py` words them with one `match` over these types. `code` (a
`FindingCode`, a StrEnum) is what the JSON contract prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from netpol_tui.core.cilium.attribution import LabelDiff
from netpol_tui.core.cilium.nearmiss import NearMiss
from netpol_tui.core.cilium.versions import VersionAssumption
from netpol_tui.core.model import Direction


class FindingCode(StrEnum):
    POD_NOT_IN_SNAPSHOT = "pod_not_in_snapshot"
    FORBIDDEN_RESOURCES = "forbidden_resources"
    NOT_EVALUATED_POLICIES = "not_evaluated_policies"
    NAMESPACE_SCOPE = "namespace_scope"
    EXPLICIT_DENY = "explicit_deny"
    DROP_REASON = "drop_reason"
    AUTH_REQUIRED = "auth_required"
    HUBBLE_DISAGREES_DROPPED = "hubble_disagrees_dropped"
    HUBBLE_DISAGREES_FORWARDED = "hubble_disagrees_forwarded"
    DIRECTION_DIFFERS = "direction_differs"
    REPLY_FLOW = "reply_flow"
    DNS_EGRESS = "dns_egress"
    HOST_NETWORK = "host_network"
    METADATA_ADDRESS = "metadata_address"
    INGRESS_CONTROLLER = "ingress_controller"
    SERVICE_PORT_USED = "service_port_used"
    NAMESPACE_LABEL_MISSING = "namespace_label_missing"
    AND_OR_MISTAKE = "and_or_mistake"
    CILIUM_DENY = "cilium_deny"  # our evaluation: an ingressDeny/egressDeny rule decides (drop 181)
    CILIUM_RULE = "cilium_rule"  # the closest rule of an isolating CNP/CCNP and its failing clause
    CILIUM_L7 = "cilium_l7"  # allowed at L4 by a rule with L7 rules we do not judge
    HUBBLE_ATTRIBUTION = "hubble_attribution"  # Hubble's *_denied_by / *_allowed_by name other policies
    HUBBLE_LABELS = (
        "hubble_labels"  # Hubble's identity labels of a pod differ from the snapshot's: Hubble's used
    )
    CILIUM_VERSION = "cilium_version"  # a rule whose meaning depends on the Cilium version decides
    PORT_UNKNOWN = "port_unknown"
    REMOTE_CLUSTER_POD = (
        "remote_cluster_pod"  # a pod of another cluster of the mesh, judged by Hubble's labels
    )


class Cause(StrEnum):
    """A possible cause when Hubble and our evaluation disagree."""

    STALE_SNAPSHOT = "stale_snapshot"
    CILIUM_POLICIES = "cilium_policies"
    IPBLOCK_POD_IP = "ipblock_pod_ip"
    L7_RULE = "l7_rule"
    FORBIDDEN = "forbidden"
    ESTABLISHED_BEFORE_POLICY = "established_before_policy"
    NOT_ENFORCED = "not_enforced"


class Severity(StrEnum):
    WARNING = "warning"
    CAUTION = "caution"
    INFO = "info"
    NONE = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """Base of every finding."""

    code: ClassVar[FindingCode]


# --- what we could not see ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PodNotInSnapshot(Finding):
    code: ClassVar[FindingCode] = FindingCode.POD_NOT_IN_SNAPSHOT
    pod: str


@dataclass(frozen=True, slots=True)
class RemoteClusterPod(Finding):
    """Hubble names another cluster of the mesh for this pod than the snapshot's (cilium-config `cluster-name`):
    it was judged with the labels Hubble reported, its cluster label included, never as a local pod of the same
    name. `local_cluster_term`: Cilium adds `io.cilium.k8s.policy.cluster=<local>` to peers that do not name
    the key (`policy-default-local-cluster`), so such peers do not select it."""

    code: ClassVar[FindingCode] = FindingCode.REMOTE_CLUSTER_POD
    pod: str
    cluster: str
    local: str
    local_cluster_term: bool


@dataclass(frozen=True, slots=True)
class ForbiddenResources(Finding):
    code: ClassVar[FindingCode] = FindingCode.FORBIDDEN_RESOURCES
    resources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NotEvaluatedPolicies(Finding):
    code: ClassVar[FindingCode] = FindingCode.NOT_EVALUATED_POLICIES
    kinds: tuple[tuple[str, int], ...]  # (kind, count)


@dataclass(frozen=True, slots=True)
class NamespaceScope(Finding):
    code: ClassVar[FindingCode] = FindingCode.NAMESPACE_SCOPE
    namespace: str


# --- agreement with Hubble ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ExplicitDeny(Finding):
    code: ClassVar[FindingCode] = FindingCode.EXPLICIT_DENY
    policies: tuple[str, ...]  # "ns/name (Kind)" as Hubble named them


@dataclass(frozen=True, slots=True)
class DropReason(Finding):
    """Dropped for a reason that is not policy."""

    code: ClassVar[FindingCode] = FindingCode.DROP_REASON
    reason: str
    reason_code: int


@dataclass(frozen=True, slots=True)
class AuthRequired(Finding):
    code: ClassVar[FindingCode] = FindingCode.AUTH_REQUIRED


@dataclass(frozen=True, slots=True)
class HubbleDisagreesDropped(Finding):
    code: ClassVar[FindingCode] = FindingCode.HUBBLE_DISAGREES_DROPPED
    causes: tuple[Cause, ...]


@dataclass(frozen=True, slots=True)
class HubbleDisagreesForwarded(Finding):
    code: ClassVar[FindingCode] = FindingCode.HUBBLE_DISAGREES_FORWARDED
    causes: tuple[Cause, ...]


@dataclass(frozen=True, slots=True)
class DirectionDiffers(Finding):
    code: ClassVar[FindingCode] = FindingCode.DIRECTION_DIFFERS
    hubble: Direction  # where Hubble reports the drop
    ours: tuple[Direction, ...]  # where our evaluation denies


@dataclass(frozen=True, slots=True)
class ReplyFlow(Finding):
    """The flow is a reply: the connection it answers was evaluated. `inferred`: Hubble did not say (a SYN-ACK,
    or an ICMP reply message); `icmp_request`: for an ICMP reply, the request type it answers."""

    code: ClassVar[FindingCode] = FindingCode.REPLY_FLOW
    inferred: bool = False
    protocol: str = ""
    port: int | None = None
    icmp_request: int | None = None


@dataclass(frozen=True, slots=True)
class PortUnknown(Finding):
    """The flow carries no destination port (jsonpb leaves out a 0): evaluated as port 0, and no fix offered."""

    code: ClassVar[FindingCode] = FindingCode.PORT_UNKNOWN
    protocol: str


# --- the field's known traps ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DnsEgress(Finding):
    """DNS blocked by egress isolation; `manifest`: the verified namespace-wide DNS allow (None: not verified)."""

    code: ClassVar[FindingCode] = FindingCode.DNS_EGRESS
    namespace: str
    manifest: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class HostNetwork(Finding):
    code: ClassVar[FindingCode] = FindingCode.HOST_NETWORK
    pod: str


@dataclass(frozen=True, slots=True)
class MetadataAddress(Finding):
    code: ClassVar[FindingCode] = FindingCode.METADATA_ADDRESS
    ip: str


@dataclass(frozen=True, slots=True)
class IngressController(Finding):
    code: ClassVar[FindingCode] = FindingCode.INGRESS_CONTROLLER
    source: str


@dataclass(frozen=True, slots=True)
class RuleFinding(Finding):
    """A finding about one rule: `rule` is 0-based, `policy` is "ns/name"."""

    policy: str
    rule: int
    direction: Direction


@dataclass(frozen=True, slots=True)
class ServicePortUsed(RuleFinding):
    code: ClassVar[FindingCode] = FindingCode.SERVICE_PORT_USED
    rule_ports: tuple[int, ...]
    target_port: int


@dataclass(frozen=True, slots=True)
class NamespaceLabelMissing(RuleFinding):
    code: ClassVar[FindingCode] = FindingCode.NAMESPACE_LABEL_MISSING
    namespace: str
    key: str
    value: str
    actual: str | None  # the namespace's value for `key` (None: absent)
    similar: str  # "key=value" of the namespace that looks like a typo of the wanted one ("" none)


@dataclass(frozen=True, slots=True)
class AndOrMistake(RuleFinding):
    code: ClassVar[FindingCode] = FindingCode.AND_OR_MISTAKE
    peer_namespace: str
    separate_items: bool  # the rule has a namespaceSelector in another item (OR where AND was meant)


# --- Cilium policies ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CiliumDeny(Finding):
    """Deny rules that match: (kind, policy "ns/name" or "name", section, 0-based item number)."""

    code: ClassVar[FindingCode] = FindingCode.CILIUM_DENY
    direction: Direction
    rules: tuple[tuple[str, str, str, int], ...]


@dataclass(frozen=True, slots=True)
class CiliumRuleMiss(Finding):
    code: ClassVar[FindingCode] = FindingCode.CILIUM_RULE
    miss: NearMiss


@dataclass(frozen=True, slots=True)
class CiliumL7(Finding):
    code: ClassVar[FindingCode] = FindingCode.CILIUM_L7
    miss: NearMiss


@dataclass(frozen=True, slots=True)
class HubbleAttribution(Finding):
    """Hubble's policy names for one direction next to ours (`denied`: *_denied_by, else *_allowed_by)."""

    code: ClassVar[FindingCode] = FindingCode.HUBBLE_ATTRIBUTION
    direction: Direction
    denied: bool
    only_hubble: tuple[str, ...]
    only_ours: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HubbleLabels(Finding):
    """Hubble reports other identity labels for a snapshot pod than the snapshot has: Cilium evaluated Hubble's,
    so the pod was evaluated with them."""

    code: ClassVar[FindingCode] = FindingCode.HUBBLE_LABELS
    pod: str
    differences: tuple[LabelDiff, ...]


@dataclass(frozen=True, slots=True)
class CiliumVersion(Finding):
    """A rule whose meaning changed between Cilium releases decides this side: the version assumed."""

    code: ClassVar[FindingCode] = FindingCode.CILIUM_VERSION
    direction: Direction
    assumption: VersionAssumption


def finding_manifest(finding: Finding) -> dict[str, Any] | None:
    """The manifest a finding offers (the verified DNS allow), else None."""
    return finding.manifest if isinstance(finding, DnsEgress) else None
