"""Cilium policies in words: rule items, their peer and port checks, denies, isolation, the L7 caveat."""

from __future__ import annotations

from netpol_tui.core.cilium.attribution import LabelDiff
from netpol_tui.core.cilium.engine import CiliumSide, DenyRef, ItemResult, PolicySide
from netpol_tui.core.cilium.identity import Identity, Party, PartyKind, entity_of
from netpol_tui.core.cilium.matchers import PeerCheck, PeerMiss, PortCheck, PortMiss
from netpol_tui.core.cilium.model import (
    NAMESPACE_LABELS_PREFIX,
    SERVICE_ACCOUNT_KEY,
    CiliumPolicy,
    IcmpFamily,
    PolicyKind,
    RuleItem,
    Section,
    Unjudged,
)
from netpol_tui.core.cilium.nearmiss import NearMiss, NearMissKind
from netpol_tui.core.cilium.versions import VersionAssumption, VersionRule
from netpol_tui.core.evaluate import DirectionResult
from netpol_tui.core.evaluate_cilium import CiliumDirectionResult
from netpol_tui.core.model import Direction
from netpol_tui.core.selectors import SelectorMiss
from netpol_tui.core.wording.inert import inert_result

ROLE: dict[str, str] = {Direction.EGRESS: "the destination", Direction.INGRESS: "the source"}
KIND_SHORT: dict[str, str] = {
    PolicyKind.CNP: "CiliumNetworkPolicy",
    PolicyKind.CCNP: "CiliumClusterwideNetworkPolicy",
    PolicyKind.NETWORK_POLICY: "NetworkPolicy",
}


@inert_result
def policy_name(policy: CiliumPolicy) -> str:
    """`cilium-test/name` for a CNP, `name` for a CCNP."""
    return policy.key


@inert_result
def policy_label(policy: CiliumPolicy) -> str:
    return f"{KIND_SHORT[policy.kind]} {policy.key}"


@inert_result
def item_label(policy: CiliumPolicy, section: Section, number: int) -> str:
    """`cilium-test/x ingressDeny rule #1` (1-based for people)."""
    return f"{policy.key} {section.value} rule #{number + 1}"


@inert_result
def deny_ref_text(ref: DenyRef) -> str:
    section = ref.path.rsplit(".", 1)[-1].split("[", 1)[0]
    return f"{policy_label(ref.policy)} {section} rule #{ref.number + 1}"


@inert_result
def party_text(party: Party, identity: Identity) -> str:
    """The peer as an identity: a pod key, or an entity with its address."""
    if party.kind is PartyKind.POD:
        return party.pod_key
    entity = entity_of(identity)
    name = entity.value if entity is not None else "world"
    where = party.ip or party.node
    return f"{where} (entity {name})" if where else f"entity {name}"


def _miss(m: SelectorMiss) -> str:
    key = m.key.split(":", 1)[1] if m.key.startswith(("any:", "k8s:", "reserved:")) else m.key
    want = m.values[0] if len(m.values) == 1 else "(" + ", ".join(m.values) + ")"
    have = "no such label" if m.actual is None else f"{key}={m.actual}"
    if m.operator in ("=", "In"):
        return f"needs {key}={want}, has {have}"
    if m.operator == "NotIn":
        return f"needs {key} not in {want}, has {have}"
    if m.operator == "Exists":
        return f"needs a label {key}"
    return f"needs no label {key}, has {have}"


@inert_result
def peer_check_text(
    check: PeerCheck, item: RuleItem, direction: Direction, other: str, names: tuple[str, ...]
) -> str:
    role = ROLE[direction]
    if check.ok:
        if check.index < 0:
            return "any peer matches (the item names only ports)"
        return f"{role} {other} matches {check.kind.value} entry #{check.index + 1}" + (
            f" ({check.value})" if check.value else ""
        )
    m = check.miss
    v = check.value
    if m is PeerMiss.NOTHING:
        return "the item names no peer, port or ICMP type (an empty list or `{}`): it allows nothing"
    if m is PeerMiss.ENTITY:
        return f"{role} {other} is not entity {v}"
    if m is PeerMiss.SELECTOR or m is PeerMiss.NODE_SELECTOR:
        return f"{role} {other}: " + "; ".join(_miss(x) for x in check.selector_misses)
    if m is PeerMiss.NAMESPACE:
        return (
            f"{role} {other} is not in the namespace the selector implies (a CNP peer without "
            "io.kubernetes.pod.namespace selects its own namespace only; a CCNP peer selects pods only)"
        )
    if m is PeerMiss.CLUSTER:
        return (
            f"{role} {other} lacks the io.cilium.k8s.policy.cluster label Cilium adds to peers "
            "(policy-default-local-cluster, on from 1.19)"
        )
    if m is PeerMiss.NOT_AN_ENDPOINT:
        return f"endpoint selectors select pods only, and {role} is {other}"
    if m is PeerMiss.INVALID_SELECTOR:
        return "the selector is not valid: Cilium selects nothing with it"
    if m is PeerMiss.CIDR_ENDPOINT:
        return (
            f"a CIDR rule never selects a pod, the host or (unless policy-cidr-match-mode=nodes) a node, "
            f"and {role} is {other}"
        )
    if m is PeerMiss.CIDR_OUTSIDE:
        return f"{role} {other} is outside {v}"
    if m is PeerMiss.CIDR_EXCEPTED:
        return f"{role} {other} is inside the CIDR but taken out by except {v}"
    if m is PeerMiss.CIDR_GROUP_MISSING:
        return f"CiliumCIDRGroup {v} does not exist"
    if m is PeerMiss.FQDN_NO_NAMES:
        return f"the connection carries no DNS name for {other}, so toFQDNs {v} cannot match"
    if m is PeerMiss.FQDN_MISMATCH:
        return f"the DNS names ({', '.join(names)}) do not match {v}"
    if m is PeerMiss.FQDN_IN_CLUSTER:
        return f"toFQDNs never applies to in-cluster endpoints, and {role} is {other}"
    if m is PeerMiss.FQDN_NO_DNS_RULE:
        return (
            f"{v} matches the name, but no egress rule of this endpoint sends its DNS through the proxy "
            "(`rules.dns` on port 53), so Cilium never learns the address"
        )
    if m is PeerMiss.SERVICE_MISSING:
        return f"Service {v} is not in the snapshot"
    if m is PeerMiss.SERVICE_MISMATCH:
        return f"{role} {other} is not a backend of Service {v}"
    if m is PeerMiss.NODE_LABELS_DISABLED:
        return "from/toNodes needs enable-node-selector-labels in cilium-config"
    return "from/toGroups (cloud security groups) are not judged here"


@inert_result
def ports_desc(item: RuleItem) -> str:
    if item.icmps:
        parts = []
        for f in item.icmps:
            fam = "ICMPv4" if f.family is IcmpFamily.IPV4 else "ICMPv6"
            parts.append(f"{fam} type {f.type_name or f.type}")
        return ", ".join(parts)
    out = []
    for pr in item.to_ports:
        if not pr.ports:
            out.append("every port")
        for p in pr.ports:
            port = p.name or ("every port" if p.port == 0 else str(p.port))
            if p.end_port is not None:
                port = f"{p.port}-{p.end_port}"
            out.append(f"{port}/{p.protocol.value}")
    return ", ".join(out) or "every port and protocol"


@inert_result
def port_check_text(check: PortCheck, item: RuleItem, port: int, protocol: str) -> str:
    wanted = ports_desc(item)
    if check.ok:
        text = f"{port}/{protocol} matches ({wanted})"
        if check.l7:
            text += "; its L7 rules (" + ", ".join(k.value for k in check.l7) + ") are not judged here"
        return text
    m = check.miss
    if m is PortMiss.ICMP_NEEDS_ICMPS:
        return f"ICMP never passes a toPorts item ({wanted}): it needs an `icmps` rule"
    if m is PortMiss.NOT_ICMP:
        return f"the item allows only {wanted}"
    if m in (PortMiss.ICMP_TYPE, PortMiss.ICMP_FAMILY):
        return f"{protocol} type {port} is not among {wanted}"
    if m is PortMiss.NAMED_PORT:
        return f"a named port of ({wanted}) is not defined on the destination"
    if m is PortMiss.PROTOCOL:
        return f"protocol {protocol} is not allowed ({wanted})"
    return f"port {port} is not allowed ({wanted})"


@inert_result
def item_text(
    res: ItemResult, direction: Direction, other: str, port: int, protocol: str, names: tuple[str, ...]
) -> str:
    label = item_label(res.rule.policy, res.item.section, res.number)
    if res.ok:
        verb = "denies" if res.item.section.is_deny else "allows"
        return f"{label} {verb} this"
    parts = []
    if not res.peer.ok:
        parts.append(peer_check_text(res.peer.best, res.item, direction, other, names))
    if not res.port.ok:
        parts.append(port_check_text(res.port, res.item, port, protocol))
    return f"{label}: " + "; ".join(parts)


@inert_result
def unjudged_text(u: Unjudged) -> str:
    return {
        Unjudged.L7: "its L7 rules are not judged here (Cilium allows the port and the proxy may still refuse "
        "the request: HTTP 403 or DNS REFUSED)",
        Unjudged.SERVER_NAMES: "serverNames is not judged here",
        Unjudged.TLS: "TLS interception is not judged here",
        Unjudged.LISTENER: "the Envoy listener is not judged here",
        Unjudged.AUTH: "it requires mutual authentication (drop 189 when missing), not judged here",
        Unjudged.REQUIRES: "fromRequires/toRequires are ignored (removed in Cilium 1.19)",
        Unjudged.GROUPS: "from/toGroups are not judged here",
    }[u]


@inert_result
def isolation_text(ps: PolicySide, direction: Direction) -> str:
    kind = "ingress" if direction is Direction.INGRESS else "egress"
    if ps.isolates:
        return f"{policy_label(ps.policy)} isolates {kind} ({', '.join(ps.isolating_rules)})"
    if ps.kept_open:
        return f"{policy_label(ps.policy)} does not isolate {kind}: enableDefaultDeny.{kind} is false"
    return f"{policy_label(ps.policy)} does not isolate {kind}"


@inert_result
def side_reason_text(side: CiliumSide) -> str:
    """Why a Cilium side denies, in one clause ("" when it allows)."""
    ok, _ = side.combined(False, False)
    if side.denied_by:
        return "explicitly denied by " + ", ".join(deny_ref_text(d) for d in side.denied_by) + " (drop 181)"
    if ok:
        return ""
    if side.always and not side.isolating:
        return "enable-policy=always puts every endpoint in default deny and no rule allows this (drop 133)"
    names = ", ".join(policy_label(p.policy) for p in side.isolating)
    return f"isolated by {names} and no rule allows this (drop 133)"


# ---- near misses (explanation findings) ----------------------------------------------------------------------------
@inert_result
def near_miss_text(m: NearMiss) -> str:
    kind = "ingress" if m.direction is Direction.INGRESS else "egress"
    where = f"{m.policy} {m.section.value} rule #{m.number + 1}"
    role = ROLE[m.direction]
    k = m.kind
    if k is NearMissKind.HOST_VS_REMOTE_NODE:
        return (
            f"{where} allows entity {m.value}, but {role} is {m.actual}: `host` is only the node the endpoint runs "
            f"on, every other node (and its hostNetwork pods) is `remote-node`."
        )
    if k is NearMissKind.WRONG_ENTITY:
        hint = (
            " (`cluster` covers nodes and in-cluster endpoints; `world` only what is outside)"
            if m.value == "world"
            else ""
        )
        return f"{where} allows entity {m.value}, but {role} is {m.actual}{hint}."
    if k is NearMissKind.FQDN_MISMATCH:
        return (
            f"{where}: toFQDNs {m.value} does not match {m.actual} (`*` stays inside one DNS label; `**.` covers "
            "several, from Cilium 1.19)."
        )
    if k is NearMissKind.FQDN_NO_NAMES:
        return (
            f"{where}: toFQDNs {m.value} needs the DNS name the address came from, and the flow carries none."
        )
    if k is NearMissKind.FQDN_NO_DNS_RULE:
        return (
            f"{where}: toFQDNs {m.value} matches, but no egress rule sends this endpoint's DNS through Cilium's "
            "proxy (`rules.dns` on port 53 to kube-dns), so the address is never learned; add the DNS rule."
        )
    if k is NearMissKind.ADDRESS_EXCEPTED:
        return f"{where}: the address is inside the CIDR but taken out by except {m.value}."
    if k is NearMissKind.CIDR_AT_ENDPOINT:
        return (
            f"{where}: CIDR {m.value} is aimed at {m.actual}, and Cilium CIDR rules never select pods, the host "
            "or (unless policy-cidr-match-mode=nodes) nodes; name the peer by labels or an entity."
        )
    if k is NearMissKind.CLUSTER_LABEL:
        want = f"io.cilium.k8s.policy.cluster={m.value}" if m.value else "the local cluster label"
        return f"{where}: the peer selector requires {want}, and {role} has {m.actual or 'none'}."
    if k is NearMissKind.WRONG_NAMESPACE:
        return (
            f"{where}: a CiliumNetworkPolicy peer without io.kubernetes.pod.namespace only selects pods of its own "
            f"namespace ({m.value}); {role} is in {m.actual}. Add k8s:io.kubernetes.pod.namespace: {m.actual}."
        )
    if k is NearMissKind.FILTERED_LABEL:
        return f"{where} selects on {m.value}, a label Cilium leaves out of identities: the selector matches nothing."
    if k is NearMissKind.SELECTOR:
        return f"{where}: {role} does not have the labels it asks for ({m.value})."
    if k is NearMissKind.ICMP_NEEDS_ICMPS:
        return f"{where} matches {role} but lists only ports: ICMP needs an `icmps` rule."
    if k is NearMissKind.PORT:
        return f"{where} matches {role} but not this port or protocol."
    if k is NearMissKind.EMPTY_RULE:
        return (
            f"{m.policy} has `{kind}: [{{}}]`: in a Cilium policy that isolates and allows nothing (it is not "
            "allow-all as in a NetworkPolicy)."
        )
    if k is NearMissKind.DENY_ONLY_ISOLATES:
        return (
            f"{m.policy} holds only deny rules for {kind}, and that alone puts the endpoint in default deny: "
            f"allow what should pass, or set enableDefaultDeny.{kind}: false."
        )
    return f"{where} allows this at L4; its L7 rules ({m.value}) are not judged here: the proxy may still refuse it."


# ---- a side of a verdict (NetworkPolicy and Cilium policies together) --------------------------------------------
@inert_result
def isolating_names(side: DirectionResult) -> str:
    """`ns/a, CiliumNetworkPolicy ns/b, CiliumClusterwideNetworkPolicy c`: every policy isolating the side."""
    names = [f"{p.policy.namespace}/{p.policy.name}" for p in side.policies]
    if isinstance(side, CiliumDirectionResult) and side.cilium is not None:
        names += [policy_label(p.policy) for p in side.cilium.isolating]
        if side.cilium.always and not names:
            names.append("enable-policy=always")
    return ", ".join(names)


@inert_result
def denial_text(side: DirectionResult) -> str:
    """ "explicitly denied by CiliumNetworkPolicy ns/x ingressDeny rule #1 (drop 181)" when a deny decides, else ""
    (in policy audit mode: "would be explicitly denied ... when enforced")."""
    if isinstance(side, CiliumDirectionResult) and side.cilium is not None and side.cilium.denied_by:
        denies = ", ".join(deny_ref_text(d) for d in side.cilium.denied_by)
        if side.cilium.audit:
            return (
                f"would be explicitly denied by {denies} when enforced (policy-audit-mode lets it through now; "
                "drop 181 once enforced, and no allow can override it)"
            )
        return f"explicitly denied by {denies} (drop 181; no allow can override it)"
    return ""


def in_audit_mode(side: DirectionResult) -> bool:
    """Is this side judged under cilium-config policy-audit-mode (Cilium lets a denied connection through)?"""
    return isinstance(side, CiliumDirectionResult) and side.cilium is not None and side.cilium.audit


# ---- Hubble's labels and the Cilium version assumed ------------------------------------------------------------
def _label_key(key: str) -> str:
    if key == SERVICE_ACCOUNT_KEY:
        return "service account"
    if key.startswith(NAMESPACE_LABELS_PREFIX):
        return "namespace label " + key[len(NAMESPACE_LABELS_PREFIX) :]
    return key


def _label_diff(d: LabelDiff) -> str:
    key = _label_key(d.key)
    sep = " " if d.key == SERVICE_ACCOUNT_KEY else "="
    if d.hubble is None:
        return f"{key}{sep}{d.snapshot} only in the snapshot"
    if d.snapshot is None:
        return f"{key}{sep}{d.hubble} (not in the snapshot)"
    return f"{key}{sep}{d.hubble} (the snapshot has {d.snapshot})"


@inert_result
def hubble_labels_text(pod: str, differences: tuple[LabelDiff, ...]) -> str:
    diffs = "; ".join(_label_diff(d) for d in differences)
    return (
        f"Hubble reports other identity labels for {pod} than the snapshot: {diffs}. Cilium evaluated the labels "
        "Hubble reports, so they were used here (the snapshot may be stale)."
    )


@inert_result
def version_text(direction: Direction, a: VersionAssumption) -> str:
    kind = "ingress" if direction is Direction.INGRESS else "egress"
    label = f"{KIND_SHORT[a.policy_kind]} {a.policy}"
    item = f"{label} {a.section.value} rule #{a.number + 1}" if a.section is not None else label
    if a.rule is VersionRule.KNP_POLICY_TYPES:
        return (
            f"NetworkPolicy {a.policy} has {kind} rules but its policyTypes leave {kind} out: they are ignored, "
            "as the API says and as judged here; an open Cilium report (#48703) says some versions still apply "
            "them. Add the direction to policyTypes, or remove the rules."
        )
    head = f"Assumes Cilium {a.since} or later:"
    if a.rule is VersionRule.DEFAULT_DENY_FALSE:
        return (
            f"{head} {label} ({a.path}) sets enableDefaultDeny.{kind}: false, which keeps {kind} out of default "
            "deny from 1.16 on; an older agent ignores the field and would drop this (and issue #37729 reports "
            "it not always honoured in 1.16.x)."
        )
    if a.rule is VersionRule.SERVICES_SELECTOR:
        return (
            f"{head} {item} allows this through toServices {a.value}, whose pod selector makes its pods the peer "
            "from 1.17 on; older agents only take selector-less Services and would drop it."
        )
    if a.rule is VersionRule.FQDN_DOUBLE_STAR:
        return (
            f"{head} {item} allows this through matchPattern {a.value}: `**.` spans several DNS labels from 1.19 "
            "on; before, it acted as `*` (one label) and would not match."
        )
    return (
        f"{head} {item} admits a pod of namespace {a.value} because its selector names "
        "io.cilium.k8s.namespace.labels.*, which drops the implicit namespace in current agents; older "
        "documentation says such keys are ignored in a CiliumNetworkPolicy peer, which keeps it to the policy's "
        "own namespace."
    )


@inert_result
def side_cilium_near_text(side: DirectionResult, other: str, port: int, protocol: str) -> str:
    """The closest Cilium allow item of the side, in words ("" when no Cilium policy isolates it)."""
    if not isinstance(side, CiliumDirectionResult) or side.cilium is None:
        return ""
    best: ItemResult | None = None
    for ps in side.cilium.isolating:
        c = ps.closest
        if c is not None and (best is None or c.failures < best.failures):
            best = c
    if best is None:
        return ""
    return item_text(best, side.direction, other, port, protocol, ())


def allowing_names(side: DirectionResult) -> list[str]:
    """Every policy (of any kind) with a rule admitting the connection on this side, and allow-localhost."""
    names = [f"{p.policy.namespace}/{p.policy.name}" for p in side.allowing]
    if isinstance(side, CiliumDirectionResult) and side.cilium is not None:
        names += [policy_label(p.policy) for p in side.cilium.policies if p.allowed]
        if side.cilium.localhost and not names:
            names.append("allow-localhost (the local node reaches its pods)")
    return names
