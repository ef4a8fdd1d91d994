"""Verdicts, rules, peers, ports and selectors in words: what `trace`, `explain`, the TUI and the goldens say."""

from __future__ import annotations

from collections.abc import Iterable

from netpol_tui.core.evaluate import (
    DirectionResult,
    IpFailure,
    Note,
    NotEnforced,
    PeerCheck,
    PeerKind,
    PolicyResult,
    PortCheck,
    PortResult,
    RuleResult,
    Verdict,
)
from netpol_tui.core.model import Direction
from netpol_tui.core.policy import NetworkPolicy, Peer, PortSpec, Rule
from netpol_tui.core.selectors import LabelSelector, SelectorMiss
from netpol_tui.core.wording.cilium import allowing_names, denial_text, isolating_names
from netpol_tui.core.wording.inert import inert_result

# Subjects of sentences: the end a clause is checked against, seen from the side being enforced.
ROLE: dict[str, str] = {Direction.EGRESS: "the destination", Direction.INGRESS: "the source"}

SIDE_NAME: dict[str, str] = {Direction.EGRESS: "egress", Direction.INGRESS: "ingress"}

SIDE_WHERE: dict[str, str] = {
    Direction.EGRESS: "egress at the source",
    Direction.INGRESS: "ingress at the destination",
}

MARK_OK = "✓"

MARK_FAIL = "✗"


@inert_result
def quote_values(values: Iterable[str]) -> str:
    return ", ".join(values)


@inert_result
def requirement_text(key: str, operator: str, values: tuple[str, ...]) -> str:
    """One selector requirement in words: `app=api`, `tier in (web, api)`, `has label team`, ..."""
    if operator == "=" or (operator == "In" and len(values) == 1):
        return f"{key}={values[0]}"
    if operator == "In":
        return f"{key} in ({quote_values(values)})"
    if operator == "NotIn":
        return f"{key} not in ({quote_values(values)})"
    if operator == "Exists":
        return f"label {key}"
    if operator == "DoesNotExist":
        return f"no label {key}"
    return f"{key} {operator} {values}"


@inert_result
def selector_text(selector: LabelSelector, noun: str) -> str:
    """`pods with app=api and tier in (a, b)`; an empty selector is `all <noun>`."""
    if selector.is_empty:
        return f"all {noun}"
    parts = [requirement_text(r.key, r.operator, r.values) for r in selector.requirements]
    return f"{noun} with " + " and ".join(parts)


@inert_result
def peer_text(peer: Peer, policy_ns: str) -> str:
    """What one from/to item admits, in words."""
    if peer.ip_block is not None:
        text = f"IPs in {peer.ip_block.cidr}"
        if peer.ip_block.excepts:
            text += " except " + ", ".join(t for t, _ in peer.ip_block.excepts)
        return text
    if peer.namespace_selector is None:
        return f"{selector_text(peer.pod_selector or LabelSelector(), 'pods')} in namespace {policy_ns}"
    ns = selector_text(peer.namespace_selector, "namespaces")
    if peer.pod_selector is None or peer.pod_selector.is_empty:
        return "pods in all namespaces" if peer.namespace_selector.is_empty else f"all pods in {ns}"
    return f"{selector_text(peer.pod_selector, 'pods')} in {ns}"


@inert_result
def peers_text(rule: Rule, policy_ns: str) -> str:
    if not rule.peers:
        return "any peer (pods and IPs anywhere)"
    return " or ".join(peer_text(p, policy_ns) for p in rule.peers)


@inert_result
def port_spec_text(ps: PortSpec) -> str:
    if ps.port is None:
        return f"every {ps.protocol} port"
    if ps.end_port is not None:
        return f"ports {ps.port}-{ps.end_port}/{ps.protocol}"
    if isinstance(ps.port, str):
        return f"port '{ps.port}'/{ps.protocol}"
    return f"port {ps.port}/{ps.protocol}"


@inert_result
def ports_text(rule: Rule) -> str:
    if not rule.ports:
        return "any port"
    return " or ".join(port_spec_text(ps) for ps in rule.ports)


@inert_result
def miss_text(miss: SelectorMiss, whose: str) -> str:
    """Why one requirement failed: `the source has app=web-v2, not app=web`; `its namespace has no label team`."""
    key, op, values, actual = miss.key, miss.operator, miss.values, miss.actual
    if op in ("=", "In"):
        if actual is None:
            return f"{whose} has no label {key}"
        wanted = f"{key}={values[0]}" if len(values) == 1 else f"one of {key}={'|'.join(values)}"
        return f"{whose} has {key}={actual}, not {wanted}"
    if op == "NotIn":
        return f"{whose} has {key}={actual}, which the rule excludes ({key} not in ({quote_values(values)}))"
    if op == "Exists":
        return f"{whose} has no label {key}"
    if op == "DoesNotExist":
        return f"{whose} has {key}={actual}, but the rule requires no label {key}"
    return f"{whose} does not match {requirement_text(key, op, values)}"


def _matched_parts(check: PeerCheck, whose: str, peer: Peer | None) -> list[str]:
    """What did match in a failing peer item, to say `the source has app=api but ...`."""
    parts: list[str] = []
    if peer is None or peer.ip_block is not None:
        return parts
    if peer.pod_selector is not None and not peer.pod_selector.is_empty and not check.pod_misses:
        parts.append(
            f"{whose} has "
            + " and ".join(
                requirement_text(r.key, r.operator, r.values) for r in peer.pod_selector.requirements
            )
        )
    if (
        peer.namespace_selector is not None
        and not peer.namespace_selector.is_empty
        and not check.namespace_misses
    ):
        parts.append(
            ("its namespace" if parts else f"{whose}'s namespace")
            + " has "
            + " and ".join(
                requirement_text(r.key, r.operator, r.values) for r in peer.namespace_selector.requirements
            )
        )
    return parts


@inert_result
def peer_check_text(check: PeerCheck, rule: Rule, policy_ns: str, other_key: str, direction: str) -> str:
    """Why a peer item did or did not match the other end."""
    whose = ROLE[direction]
    peer = next((p for p in rule.peers if p.index == check.index), None)
    if check.index < 0:
        return "any peer matches"
    assert peer is not None
    if peer.ip_block is not None:
        cidr = peer.ip_block.cidr
        if check.ok:
            extra = " (a pod IP: CNIs differ on this)" if check.via_pod_ip else ""
            return f"{whose} {other_key} is in {cidr}{extra}"
        if check.ip_failure == IpFailure.EXCEPTED:
            return f"{whose} {other_key} is in {cidr} but also in the except {check.ip_except}"
        if check.ip_failure == IpFailure.NO_IP:
            return f"{whose} has no known IP to compare with {cidr}"
        return f"{whose} {other_key} is not in {cidr}"
    if check.ok:
        return f"{whose} {other_key} is one of {peer_text(peer, policy_ns)}"
    if check.host_network:
        return f"{whose} {other_key} uses hostNetwork: its traffic is the node's, so no pod or namespace selector matches it"
    if check.not_pod:
        return f"{whose} {other_key} is not a pod, so no pod or namespace selector can match it"
    fails = []
    if check.wrong_namespace:
        fails.append(
            f"{whose} is in namespace {other_key.split('/')[0]}, not {check.wrong_namespace} "
            "(a podSelector alone only admits pods of the policy's own namespace)"
        )
    matched = _matched_parts(check, whose, peer)
    ns_whose = "its namespace" if matched or check.pod_misses else f"{whose}'s namespace"
    fails += [miss_text(m, whose) for m in check.pod_misses]
    fails += [miss_text(m, ns_whose) for m in check.namespace_misses]
    if matched:
        return " and ".join(matched) + " but " + "; ".join(fails)
    return "; ".join(fails)


@inert_result
def port_check_text(check: PortCheck, rule: Rule, port: int, protocol: str) -> str:
    if check.index < 0:
        return "any port matches"
    ps = next(p for p in rule.ports if p.index == check.index)
    wanted = port_spec_text(ps)
    if check.ok:
        if check.resolved is not None:
            return f"{port}/{protocol} is {wanted}, which the destination pod defines as {check.resolved}"
        if ps.port is None:
            return f"{protocol} on any port is allowed"
        if wanted == f"port {port}/{protocol}":  # not "8080/TCP is port 8080/TCP"
            return f"port {port}/{protocol} matches"
        return f"{port}/{protocol} is {wanted}"
    if not check.protocol_ok:
        return f"allows {wanted}, not {port}/{protocol}"
    if check.unresolved_name:
        return (
            f"allows {wanted}, but the destination pod has no {ps.protocol} container port named '{ps.port}'"
        )
    if check.resolved is not None:
        return f"allows {wanted} = {check.resolved} on the destination pod, not {port}/{protocol}"
    return f"allows {wanted}, not {port}/{protocol}"


@inert_result
def ports_result_text(result: PortResult, rule: Rule, port: int, protocol: str) -> str:
    if result.ok:
        return port_check_text(result.best, rule, port, protocol)
    if len(result.checks) == 1:
        return port_check_text(result.checks[0], rule, port, protocol)
    return f"allows {ports_text(rule)}, not {port}/{protocol}"


@inert_result
def rule_text(
    rule_result: RuleResult, policy: NetworkPolicy, direction: str, other_key: str, port: int, protocol: str
) -> str:
    """`rule #1 allows pods with app=api in namespaces with team=payments; the source has app=api but ...`."""
    rule = rule_result.rule
    head = f"rule #{rule.index + 1} allows {peers_text(rule, policy.namespace)} on {ports_text(rule)}"
    if rule_result.allows:
        return f"{head}: it matches"
    reasons = []
    if not rule_result.peer.ok:
        reasons.append(peer_check_text(rule_result.peer.best, rule, policy.namespace, other_key, direction))
    if not rule_result.port.ok:
        reasons.append(
            ("it " if rule_result.peer.ok else "and it ")
            + ports_result_text(rule_result.port, rule, port, protocol)
        )
    if rule_result.peer.ok and not rule_result.port.ok:
        reasons[0] = f"{ROLE[direction]} matches but {reasons[0][3:]}"
    return f"{head}; " + " ".join(reasons)


@inert_result
def not_enforced_text(side: DirectionResult) -> str:
    if side.reason == NotEnforced.POLICY_DISABLED:
        return f"Cilium enforces no policy (enable-policy=never): {SIDE_NAME[side.direction]} not enforced"
    if side.reason == NotEnforced.OTHER_CLUSTER:
        cluster = side.subject.pod.cluster if side.subject.pod is not None else "?"
        return (
            f"{side.subject.key} is a pod of cluster {cluster} of the mesh: its {SIDE_NAME[side.direction]} is "
            f"enforced there, by policies this snapshot does not hold"
        )
    if side.reason == NotEnforced.HOST_NETWORK:
        return f"{side.subject.key} uses hostNetwork: NetworkPolicies do not apply to it ({SIDE_NAME[side.direction]} not enforced)"
    return (
        f"{side.subject.key} is not a pod in the cluster: no {SIDE_NAME[side.direction]} policy applies there"
    )


@inert_result
def side_text(side: DirectionResult) -> str:
    """One line per direction."""
    where = SIDE_WHERE[side.direction]
    if not side.enforced:
        return f"{where.capitalize()}: allowed — {not_enforced_text(side)}"
    if not side.isolated:
        return f"{where.capitalize()}: allowed — no NetworkPolicy selects {side.subject.key} for {SIDE_NAME[side.direction]}, so it is not isolated"
    names = isolating_names(side)
    if side.allowed:
        allowing = ", ".join(allowing_names(side))
        return f"{where.capitalize()}: allowed by {allowing} (selecting policies: {names})"
    denial = denial_text(side)
    if denial:
        return f"{where.capitalize()}: DENIED — {denial}"
    return f"{where.capitalize()}: DENIED — {side.subject.key} is isolated by {names} and no rule allows this"


@inert_result
def policy_line(pres: PolicyResult, side: DirectionResult) -> str:
    pol = pres.policy
    if not pres.rules:
        empty = SIDE_NAME[side.direction]
        return f"{pol.namespace}/{pol.name}: has no {empty} rules — it denies all {empty} for the pods it selects"
    state = "allows" if pres.allows else "does not allow"
    return f"{pol.namespace}/{pol.name}: {state} this"


@inert_result
def verdict_summary(verdict: Verdict) -> str:
    """One sentence for a person."""
    conn = f"{verdict.source.key} → {verdict.destination.key} on {verdict.port}/{verdict.protocol}"
    if verdict.allowed:
        return f"Allowed: {conn}."
    parts = []
    for side in verdict.denying:
        denial = denial_text(side)
        if denial:
            parts.append(f"{SIDE_WHERE[side.direction]} ({denial})")
            continue
        names = isolating_names(side)
        parts.append(f"{SIDE_WHERE[side.direction]} ({side.subject.key} is isolated by {names})")
    return f"Denied: {conn} — blocked at " + " and at ".join(parts) + "."


@inert_result
def verdict_heading(allowed: bool) -> str:
    return "ALLOWED" if allowed else "DENIED"


NOTE_TEXT: dict[Note, str] = {
    Note.IPBLOCK_POD_IP: "This is allowed only because an ipBlock matches a pod IP: Kubernetes says so, but "
    "Cilium does not select in-cluster endpoints with CIDR rules, so the result can differ by CNI.",
    Note.SELF: "A pod talking to itself through its own IP is handled differently across CNIs: do not draw "
    "conclusions from it.",
    Note.HOST_NETWORK_PEER: "One end uses hostNetwork: its traffic is the node's, and pod or namespace selectors do "
    "not match it.",
    Note.NAMED_PORT_UNKNOWN: "The destination pod is not in the snapshot, so its named ports cannot be resolved.",
}


@inert_result
def note_text(note: Note) -> str:
    return NOTE_TEXT[note]


@inert_result
def note_line(note: Note) -> str:
    return "note: " + note_text(note)


@inert_result
def want_text(miss: SelectorMiss) -> str:
    """What the rule wanted, as `had app=web` / `did not have env=prod` (for "would allow this if ...")."""
    key, op, values = miss.key, miss.operator, miss.values
    if op in ("=", "In"):
        return f"had {key}={values[0]}" if len(values) == 1 else f"had {key} in ({quote_values(values)})"
    if op == "NotIn":
        return f"did not have {key}={miss.actual}"
    if op == "Exists":
        return f"had a label {key}"
    if op == "DoesNotExist":
        return f"did not have the label {key}"
    return f"matched {requirement_text(key, op, values)}"


@inert_result
def have_text(miss: SelectorMiss) -> str:
    if miss.actual is None:
        return f"it has no label {miss.key}"
    return f"it has {miss.key}={miss.actual}"


@inert_result
def near_miss_text(pres: PolicyResult, side: DirectionResult, verdict: Verdict) -> str:
    """The closest rule of one selecting policy, in one sentence."""
    pol = pres.policy
    who = ROLE[side.direction]
    rr = pres.closest
    kind = SIDE_NAME[side.direction]
    if rr is None:
        return f"{pol.namespace}/{pol.name} selects {side.subject.key} and has no {kind} rules: it denies all {kind}"
    if rr.allows:
        return f"rule #{rr.index + 1} of {pol.namespace}/{pol.name} allows this"
    head = f"rule #{rr.index + 1} of {pol.namespace}/{pol.name}"
    port_part = ""
    if not rr.port.ok:
        port_part = ports_result_text(rr.port, rr.rule, verdict.port, verdict.protocol)
    if rr.peer.ok:
        return f"{head} matches {who} but {port_part}"
    other = verdict.source if side.direction == Direction.INGRESS else verdict.destination
    check = rr.peer.best
    if check.kind == PeerKind.IPBLOCK or check.not_pod:
        text = f"{head}: " + peer_check_text(check, rr.rule, pol.namespace, other.key, side.direction)
    else:
        wants: list[str] = []
        haves: list[str] = []
        for m in check.pod_misses:
            wants.append(f"{who} {want_text(m)}")
            haves.append(have_text(m))
        for m in check.namespace_misses:
            wants.append(f"{who}'s namespace {want_text(m)}")
            haves.append(
                ("its namespace has no label " + m.key)
                if m.actual is None
                else f"its namespace has {m.key}={m.actual}"
            )
        if check.wrong_namespace:
            wants.append(
                f"{who} were in namespace {check.wrong_namespace} (a podSelector alone only admits pods of the policy's own namespace)"
            )
            haves.append(f"it is in {other.key.split('/')[0]}")
        if port_part:
            # the peer alone would not be enough: say that the port must change too
            wants.append(f"the rule allowed {verdict.port}/{verdict.protocol}")
            haves.append(f"the rule {port_part}")
            port_part = ""
        text = f"{head} would allow this if " + " and ".join(wants) + "; " + "; ".join(haves)
    if port_part:
        text += f" — and the rule {port_part}"
    return text
