"""Findings in words: one `match` over the finding types of core/findings.py."""

from __future__ import annotations

from netpol_tui.core.findings import (
    AndOrMistake,
    AuthRequired,
    Cause,
    CiliumDeny,
    CiliumL7,
    CiliumRuleMiss,
    CiliumVersion,
    DirectionDiffers,
    DnsEgress,
    DropReason,
    ExplicitDeny,
    Finding,
    FindingCode,
    ForbiddenResources,
    HostNetwork,
    HubbleAttribution,
    HubbleDisagreesDropped,
    HubbleDisagreesForwarded,
    HubbleLabels,
    IngressController,
    MetadataAddress,
    NamespaceLabelMissing,
    NamespaceScope,
    NotEvaluatedPolicies,
    PodNotInSnapshot,
    PortUnknown,
    RemoteClusterPod,
    ReplyFlow,
    ServicePortUsed,
    Severity,
)
from netpol_tui.core.wording.cilium import hubble_labels_text, version_text
from netpol_tui.core.wording.cilium import near_miss_text as cilium_near_miss_text
from netpol_tui.core.wording.inert import inert_result
from netpol_tui.core.wording.problems import not_evaluated_text
from netpol_tui.core.wording.rules import SIDE_NAME

DROP_REASON_TEXT: dict[str, str] = {
    "SERVICE_BACKEND_NOT_FOUND": "the Service has no ready endpoints (no backend pod to send to)",
    "INVALID_SOURCE_IP": "the packet's source IP does not belong to the sending endpoint (spoofing guard)",
    "INVALID_PACKET_DROPPED": "the packet was malformed",
    "CT_TRUNCATED_OR_INVALID_HEADER": "the packet's header was truncated or invalid for connection tracking",
    "CT_MISSING_TCP_ACK_FLAG": "fragmentation needed (the datapath's text for code 136)",
    "CT_UNKNOWN_L4_PROTOCOL": "connection tracking does not know this L4 protocol",
    "UNSUPPORTED_L3_PROTOCOL": "the L3 protocol is not supported",
    "UNKNOWN_L4_PROTOCOL": "the L4 protocol is unknown to the datapath",
    "MISSED_TAIL_CALL": "a datapath tail call was missed (agent restart or BPF program reload)",
    "STALE_OR_UNROUTABLE_IP": "the IP is stale or unroutable (the endpoint is gone, or routing is incomplete)",
    "UNKNOWN_L3_TARGET_ADDRESS": "the destination address is not known to the node",
    "CT_MAP_INSERTION_FAILED": "the connection-tracking table is full",
    "IP_FRAGMENTATION_NOT_SUPPORTED": "IP fragments are not supported here",
    "FIB_LOOKUP_FAILED": "the node found no route for the packet",
    "NO_TUNNEL_OR_ENCAPSULATION_ENDPOINT": "no tunnel endpoint is known for the destination",
    "UNKNOWN_CONNECTION_TRACKING_STATE": "the packet does not belong to a known connection",
    "LOCAL_HOST_IS_UNREACHABLE": "the local host is unreachable",
    "NO_MAPPING_FOR_NAT_MASQUERADE": "no NAT mapping exists for the reply (masquerading)",
    "INVALID_IDENTITY": "the security identity is invalid",
    "UNKNOWN_SENDER": "the sender is unknown",
    "IS_A_CLUSTERIP": "traffic to a ClusterIP that was not translated (e.g. the Service port is not exposed)",
    "DENIED_BY_LB_SRC_RANGE_CHECK": "the load balancer's loadBalancerSourceRanges refused the source",
    "UNENCRYPTED_TRAFFIC": "the traffic was not encrypted where encryption is required",
    "TTL_EXCEEDED": "the TTL ran out",
    "DROP_RATE_LIMITED": "the datapath rate-limited it",
    "DROP_HOST_NOT_READY": "the host datapath is not ready yet",
    "DROP_EP_NOT_READY": "the endpoint's policy program is not ready yet (a pod just starting)",
    "NO_EGRESS_GATEWAY": "no egress gateway was found",
    "DROP_NO_EGRESS_IP": "no egress IP is configured",
    "NAT46": "IPv4 to IPv6 translation failed",
    "NAT64": "IPv6 to IPv4 translation failed",
}


@inert_result
def drop_reason_text(reason: str) -> str:
    text = DROP_REASON_TEXT.get(reason)
    if text:
        return text
    return f"the datapath dropped it ({reason or 'reason not reported'})"


CAUSE_TEXT: dict[Cause, str] = {
    Cause.STALE_SNAPSHOT: "the cluster snapshot is stale (a pod or policy changed since it was read)",
    Cause.CILIUM_POLICIES: "CiliumNetworkPolicies or CiliumClusterwideNetworkPolicies apply, and they are not "
    "evaluated",
    Cause.IPBLOCK_POD_IP: "the allowing rule is an ipBlock matching a pod IP, which Cilium does not apply to pods",
    Cause.L7_RULE: "an L7 (HTTP/DNS) rule denied the request itself",
    Cause.FORBIDDEN: "some resources could not be read (permissions)",
    Cause.ESTABLISHED_BEFORE_POLICY: "the connection was established before the policy, and connection tracking "
    "keeps it",
    Cause.NOT_ENFORCED: "the CNI on that node does not enforce NetworkPolicies",
}


def _causes(causes: tuple[Cause, ...]) -> str:
    return "; ".join(CAUSE_TEXT[c] for c in causes)


def _rule(policy: str, rule: int) -> str:
    return f"rule #{rule + 1} of {policy}"


@inert_result
def finding_text(f: Finding) -> str:
    """One sentence (or two) for a finding."""
    match f:
        case DnsEgress(namespace=ns, manifest=manifest):
            head = "DNS is blocked: pods isolated for egress must be allowed to reach kube-dns on UDP and TCP 53."
            if manifest:
                return f"{head} The namespace-wide DNS allow for {ns} (below) fixes every pod of it at once."
            return (
                f"{head} This query goes to another DNS server than kube-dns in kube-system: allow that one "
                "explicitly."
            )
        case HostNetwork(pod=pod):
            return f"{pod} uses hostNetwork: NetworkPolicies do not apply to its traffic (it is the node's)."
        case NamespaceLabelMissing():
            if f.similar:
                has = f"has {f.similar} — a typo?"
            elif f.actual is not None:
                has = f"has {f.key}={f.actual}"
            else:
                has = f"has no label {f.key}"
            return (
                f"{_rule(f.policy, f.rule)} relies on the namespace label {f.key}={f.value}, and namespace "
                f"{f.namespace} {has}"
            )
        case AndOrMistake():
            head = (
                f"{_rule(f.policy, f.rule)} has a podSelector in its own list item, so it only admits pods of the "
                f"policy's namespace; the peer is in {f.peer_namespace}."
            )
            if f.separate_items:
                return (
                    f"{head} Its namespaceSelector stands in another item (OR, not AND): to mean 'these pods in "
                    "that namespace', put namespaceSelector and podSelector in ONE item (no '-' before "
                    "podSelector)."
                )
            return (
                f"{head} To admit these pods from {f.peer_namespace}, add a namespaceSelector to the SAME item "
                "(no '-' before it)."
            )
        case ServicePortUsed():
            ports = ", ".join(str(x) for x in f.rule_ports)
            return (
                f"{_rule(f.policy, f.rule)} names port {ports}, but the pod receives the traffic on "
                f"{f.target_port}: a policy must name the container's targetPort, not the Service's port."
            )
        case IngressController(source=source):
            return (
                f"{source} is an Ingress controller: traffic through an Ingress arrives from the controller's "
                "pods, so they must be allowed as a peer."
            )
        case MetadataAddress(ip=ip):
            return (
                f"{ip} is the cloud metadata address: blocking it is usually deliberate (it hands out node "
                "credentials). Open it only for a workload that really needs it."
            )
        case PodNotInSnapshot(pod=pod):
            return f"{pod} is not in the cluster snapshot: it was evaluated with the labels Hubble reported."
        case RemoteClusterPod(pod=pod, cluster=cluster, local=local, local_cluster_term=term):
            scope = (
                f" Peers that do not name io.cilium.k8s.policy.cluster select only cluster {local}"
                " (Cilium adds the term: policy-default-local-cluster), so a rule for it must name"
                f" io.cilium.k8s.policy.cluster: {cluster}."
                if term
                else ""
            )
            return (
                f"{pod} is in cluster {cluster} of the mesh, not in this snapshot's cluster {local}: it was "
                f"evaluated with the labels Hubble reported.{scope}"
            )
        case ForbiddenResources(resources=resources):
            return (
                "Could not read " + ", ".join(resources) + " (permissions): this verdict may be incomplete."
            )
        case NotEvaluatedPolicies(kinds=kinds):
            return not_evaluated_text(kinds) + "."
        case NamespaceScope(namespace=ns):
            return f"Only namespace {ns} is watched: policies and pods elsewhere are unknown."
        case ExplicitDeny(policies=policies):
            names = ", ".join(policies) or "a deny policy (Hubble did not name it)"
            return (
                f"Dropped by an explicit deny rule: {names}. No allow rule can override a deny; change the deny "
                "policy."
            )
        case DropReason(reason=reason):
            return f"Not a policy drop: {reason} — {drop_reason_text(reason)}. No policy change will fix it."
        case AuthRequired():
            return "Mutual authentication is required by a policy and the peer is not authenticated (SPIFFE/SPIRE)."
        case HubbleDisagreesDropped(causes=causes):
            return (
                "Hubble dropped this for policy, but the NetworkPolicies we know allow it. Possible causes: "
                f"{_causes(causes)}."
            )
        case HubbleDisagreesForwarded(causes=causes):
            return (
                "Hubble forwarded this, but the NetworkPolicies we know deny it. Possible causes: "
                f"{_causes(causes)}."
            )
        case DirectionDiffers(hubble=hubble, ours=ours):
            return (
                f"Hubble reports the drop at {SIDE_NAME[hubble]}, our evaluation denies at "
                + " and ".join(SIDE_NAME[d] for d in ours)
                + "."
            )
        case ReplyFlow(inferred=inferred, protocol=protocol, port=port, icmp_request=request):
            what = "This flow is a reply"
            if request is not None:
                what = f"This flow is an {protocol} reply (type {port}) to a request of type {request}"
            said = " (Hubble did not mark it; " + (
                "its type says so)" if request is not None else "a SYN-ACK is one)"
            )
            return f"{what}{said if inferred else ''}: the connection it answers was evaluated instead."
        case CiliumDeny(direction=d, rules=rules):
            named = ", ".join(f"{kind} {key} {section} rule #{n + 1}" for kind, key, section, n in rules)
            return (
                f"Denied at {SIDE_NAME[d]} by an explicit deny rule: {named}. A deny wins over every allow (of "
                "any kind): the fix narrows or removes the deny."
            )
        case CiliumRuleMiss(miss=m) | CiliumL7(miss=m):
            return cilium_near_miss_text(m)
        case HubbleAttribution():
            what = "deny" if f.denied else "allow"
            hubble_names = ", ".join(f.only_hubble) or f"no other {what} policy"
            our_names = ", ".join(f.only_ours) or f"no {what} rule of it that matches"
            return (
                f"Hubble names {hubble_names} as the {what} at {SIDE_NAME[f.direction]}; our evaluation finds "
                f"{our_names}: the snapshot may be stale (the policy changed or is gone)."
            )
        case HubbleLabels(pod=pod, differences=differences):
            return hubble_labels_text(pod, differences)
        case CiliumVersion(direction=direction, assumption=assumption):
            return version_text(direction, assumption)
        case PortUnknown(protocol=protocol):
            return (
                f"Hubble did not report the {protocol} destination port (0 in the JSON): it was evaluated as a "
                "port no numbered rule matches, and no fix is offered — a fix for one port would be a guess, "
                "and one without a port restriction would open every port."
            )
    raise TypeError(f"no wording for finding {f!r}")


FINDING_SEVERITY: dict[FindingCode, Severity] = {
    FindingCode.DNS_EGRESS: Severity.WARNING,
    FindingCode.NAMESPACE_LABEL_MISSING: Severity.WARNING,
    FindingCode.AND_OR_MISTAKE: Severity.WARNING,
    FindingCode.SERVICE_PORT_USED: Severity.WARNING,
    FindingCode.INGRESS_CONTROLLER: Severity.INFO,
    FindingCode.METADATA_ADDRESS: Severity.CAUTION,
    FindingCode.HOST_NETWORK: Severity.INFO,
    FindingCode.EXPLICIT_DENY: Severity.WARNING,
    FindingCode.DROP_REASON: Severity.INFO,
    FindingCode.HUBBLE_DISAGREES_DROPPED: Severity.CAUTION,
    FindingCode.HUBBLE_DISAGREES_FORWARDED: Severity.CAUTION,
    FindingCode.FORBIDDEN_RESOURCES: Severity.CAUTION,
    FindingCode.NOT_EVALUATED_POLICIES: Severity.CAUTION,
    FindingCode.CILIUM_DENY: Severity.WARNING,
    FindingCode.CILIUM_RULE: Severity.WARNING,
    FindingCode.CILIUM_L7: Severity.INFO,
    FindingCode.HUBBLE_ATTRIBUTION: Severity.CAUTION,
    FindingCode.PORT_UNKNOWN: Severity.CAUTION,
    FindingCode.HUBBLE_LABELS: Severity.CAUTION,
    FindingCode.CILIUM_VERSION: Severity.INFO,
    FindingCode.REMOTE_CLUSTER_POD: Severity.INFO,
}


def finding_severity(f: Finding) -> Severity:
    """How a finding is shown: warning (a likely mistake), caution (the verdict may be off), info."""
    return FINDING_SEVERITY.get(f.code, Severity.NONE)
