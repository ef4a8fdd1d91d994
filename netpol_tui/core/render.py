"""Every sentence a user reads, in one place: the TUI, `trace`, `explain` and the golden tests say the same thing.

Standard library only. Functions here turn the core's data (verdicts, explanations, problems, status events) into
words; nothing else in the program composes user-facing prose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# ---- Policies, selectors, verdicts (core engine) ----------------------------------------------------------------
# Subjects of sentences: the end a clause is checked against, seen from the side being enforced.
ROLE = {"Egress": "the destination", "Ingress": "the source"}
SIDE_NAME = {"Egress": "egress", "Ingress": "ingress"}
SIDE_WHERE = {"Egress": "egress at the source", "Ingress": "ingress at the destination"}
MARK_OK = "✓"
MARK_FAIL = "✗"


def quote_values(values: Iterable[str]) -> str:
    return ", ".join(values)


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


def selector_text(selector, noun: str) -> str:
    """`pods with app=api and tier in (a, b)`; an empty selector is `all <noun>`."""
    if selector.is_empty:
        return f"all {noun}"
    parts = [requirement_text(r.key, r.operator, r.values) for r in selector.requirements]
    return f"{noun} with " + " and ".join(parts)


def peer_text(peer, policy_ns: str) -> str:
    """What one from/to item admits, in words."""
    if peer.ip_block is not None:
        text = f"IPs in {peer.ip_block.cidr}"
        if peer.ip_block.excepts:
            text += " except " + ", ".join(t for t, _ in peer.ip_block.excepts)
        return text
    if peer.namespace_selector is None:
        return f"{selector_text(peer.pod_selector, 'pods')} in namespace {policy_ns}"
    ns = selector_text(peer.namespace_selector, "namespaces")
    if peer.pod_selector is None or peer.pod_selector.is_empty:
        return "pods in all namespaces" if peer.namespace_selector.is_empty else f"all pods in {ns}"
    return f"{selector_text(peer.pod_selector, 'pods')} in {ns}"


def peers_text(rule, policy_ns: str) -> str:
    if not rule.peers:
        return "any peer (pods and IPs anywhere)"
    return " or ".join(peer_text(p, policy_ns) for p in rule.peers)


def port_spec_text(ps) -> str:
    if ps.port is None:
        return f"every {ps.protocol} port"
    if ps.end_port is not None:
        return f"ports {ps.port}-{ps.end_port}/{ps.protocol}"
    if isinstance(ps.port, str):
        return f"port '{ps.port}'/{ps.protocol}"
    return f"port {ps.port}/{ps.protocol}"


def ports_text(rule) -> str:
    if not rule.ports:
        return "any port"
    return " or ".join(port_spec_text(ps) for ps in rule.ports)


def miss_text(miss, whose: str) -> str:
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


def _matched_parts(check, whose: str, peer) -> list[str]:
    """What did match in a failing peer item, to say `the source has app=api but ...`."""
    parts = []
    if peer is None or peer.ip_block is not None:
        return parts
    if peer.pod_selector is not None and not peer.pod_selector.is_empty and not check.pod_misses:
        parts.append(f"{whose} has " + " and ".join(
            requirement_text(r.key, r.operator, r.values) for r in peer.pod_selector.requirements))
    if peer.namespace_selector is not None and not peer.namespace_selector.is_empty and not check.namespace_misses:
        parts.append("its namespace has " + " and ".join(
            requirement_text(r.key, r.operator, r.values) for r in peer.namespace_selector.requirements))
    return parts


def peer_check_text(check, rule, policy_ns: str, other_key: str, direction: str) -> str:
    """Why a peer item did or did not match the other end."""
    whose = ROLE[direction]
    peer = next((p for p in rule.peers if p.index == check.index), None)
    if check.index < 0:
        return "any peer matches"
    if check.ok:
        if check.kind == "ipblock":
            extra = " (a pod IP: CNIs differ on this)" if check.via_pod_ip else ""
            return f"{whose} {other_key} is in {peer.ip_block.cidr}{extra}"
        return f"{whose} {other_key} is one of {peer_text(peer, policy_ns)}"
    if check.kind == "ipblock":
        if check.ip_failure == "excepted":
            return f"{whose} {other_key} is in {peer.ip_block.cidr} but also in the except {check.ip_except}"
        if check.ip_failure == "no_ip":
            return f"{whose} has no known IP to compare with {peer.ip_block.cidr}"
        return f"{whose} {other_key} is not in {peer.ip_block.cidr}"
    if check.not_pod:
        return f"{whose} {other_key} is not a pod, so no pod or namespace selector can match it"
    fails = []
    if check.wrong_namespace:
        fails.append(
            f"{whose} is in namespace {other_key.split('/')[0]}, not {check.wrong_namespace} "
            "(a podSelector alone only admits pods of the policy's own namespace)"
        )
    fails += [miss_text(m, "its namespace") for m in check.namespace_misses]
    fails += [miss_text(m, whose) for m in check.pod_misses]
    matched = _matched_parts(check, whose, peer)
    if matched:
        return " and ".join(matched) + " but " + "; ".join(fails)
    return "; ".join(fails)


def port_check_text(check, rule, port: int, protocol: str) -> str:
    if check.index < 0:
        return "any port matches"
    ps = next(p for p in rule.ports if p.index == check.index)
    wanted = port_spec_text(ps)
    if check.ok:
        if check.resolved is not None:
            return f"{port}/{protocol} is {wanted}, which the destination pod defines as {check.resolved}"
        return f"{port}/{protocol} is {wanted}" if ps.port is not None else f"{protocol} on any port is allowed"
    if not check.protocol_ok:
        return f"allows {wanted}, not {port}/{protocol}"
    if check.unresolved_name:
        return f"allows {wanted}, but the destination pod has no {ps.protocol} container port named '{ps.port}'"
    if check.resolved is not None:
        return f"allows {wanted} = {check.resolved} on the destination pod, not {port}/{protocol}"
    return f"allows {wanted}, not {port}/{protocol}"


def ports_result_text(result, rule, port: int, protocol: str) -> str:
    if result.ok:
        return port_check_text(result.best, rule, port, protocol)
    if len(result.checks) == 1:
        return port_check_text(result.checks[0], rule, port, protocol)
    return f"allows {ports_text(rule)}, not {port}/{protocol}"


def rule_label(policy, direction: str, index: int) -> str:
    return f"{policy.namespace}/{policy.name} {SIDE_NAME[direction]} rule #{index + 1}"


def rule_text(rule_result, policy, direction: str, other_key: str, port: int, protocol: str) -> str:
    """`rule #1 allows pods with app=api in namespaces with team=payments; the source has app=api but ...`."""
    rule = rule_result.rule
    head = f"rule #{rule.index + 1} allows {peers_text(rule, policy.namespace)} on {ports_text(rule)}"
    if rule_result.allows:
        return f"{head}: it matches"
    reasons = []
    if not rule_result.peer.ok:
        reasons.append(peer_check_text(rule_result.peer.best, rule, policy.namespace, other_key, direction))
    if not rule_result.port.ok:
        reasons.append(("it " if rule_result.peer.ok else "and it ") + ports_result_text(rule_result.port, rule, port, protocol))
    if rule_result.peer.ok and not rule_result.port.ok:
        reasons[0] = f"{ROLE[direction]} matches but {reasons[0][3:]}"
    return f"{head}; " + " ".join(reasons)


def not_enforced_text(side) -> str:
    if side.reason == "host_network":
        return f"{side.subject.key} uses hostNetwork: NetworkPolicies do not apply to it ({SIDE_NAME[side.direction]} not enforced)"
    return f"{side.subject.key} is not a pod in the cluster: no {SIDE_NAME[side.direction]} policy applies there"


def side_text(side) -> str:
    """One line per direction."""
    where = SIDE_WHERE[side.direction]
    if not side.enforced:
        return f"{where.capitalize()}: allowed — {not_enforced_text(side)}"
    if not side.isolated:
        return f"{where.capitalize()}: allowed — no NetworkPolicy selects {side.subject.key} for {SIDE_NAME[side.direction]}, so it is not isolated"
    names = ", ".join(f"{p.policy.namespace}/{p.policy.name}" for p in side.policies)
    if side.allowed:
        allowing = ", ".join(f"{p.policy.namespace}/{p.policy.name}" for p in side.allowing)
        return f"{where.capitalize()}: allowed by {allowing} (selecting policies: {names})"
    return f"{where.capitalize()}: DENIED — {side.subject.key} is isolated by {names} and no rule allows this"


def policy_line(pres, side) -> str:
    pol = pres.policy
    if not pres.rules:
        empty = "ingress" if side.direction == "Ingress" else "egress"
        return f"{pol.namespace}/{pol.name}: has no {empty} rules — it denies all {empty} for the pods it selects"
    state = "allows" if pres.allows else "does not allow"
    return f"{pol.namespace}/{pol.name}: {state} this"


def verdict_summary(verdict) -> str:
    """One sentence for a person."""
    conn = f"{verdict.source.key} → {verdict.destination.key} on {verdict.port}/{verdict.protocol}"
    if verdict.allowed:
        return f"Allowed: {conn}."
    parts = []
    for side in verdict.denying:
        names = ", ".join(f"{p.policy.namespace}/{p.policy.name}" for p in side.policies)
        parts.append(f"{SIDE_WHERE[side.direction]} ({side.subject.key} is isolated by {names})")
    return f"Denied: {conn} — blocked at " + " and at ".join(parts) + "."


NOTE_TEXT = {
    "ipblock_matched_pod_ip": "This is allowed only because an ipBlock matches a pod IP: Kubernetes says so, but "
    "Cilium does not select in-cluster endpoints with CIDR rules, so the result can differ by CNI.",
    "self_traffic": "A pod talking to itself through its own IP is handled differently across CNIs: do not draw "
    "conclusions from it.",
    "host_network_peer": "One end uses hostNetwork: its traffic is the node's, and pod or namespace selectors do "
    "not match it.",
    "named_port_unresolvable": "The destination pod is not in the snapshot, so its named ports cannot be resolved.",
}


def note_text(code: str) -> str:
    return NOTE_TEXT.get(code, code)


# ---- Input problems (files, manifests) ---------------------------------------------------------------------------
PROBLEM_TEXT = {
    "not_an_object": "the document is a {type}, not an object",
    "no_kind": "the object has no kind",
    "wrong_type": "expected {want}, found {got}",
    "missing_field": "is required but missing",
    "bad_operator": "unknown operator '{operator}' (In, NotIn, Exists, DoesNotExist)",
    "values_required": "operator {operator} needs a non-empty values list",
    "values_forbidden": "operator {operator} takes no values",
    "bad_protocol": "unknown protocol '{value}' (TCP, UDP, SCTP)",
    "bad_cidr": "'{value}' is not a CIDR",
    "bad_ip": "'{value}' is not an IP address",
    "except_outside_cidr": "except '{value}' is not inside cidr {cidr}",
    "ipblock_with_selector": "an ipBlock cannot be combined with selectors in the same item",
    "empty_peer": "a peer needs podSelector, namespaceSelector or ipBlock",
    "bad_port": "'{value}' is not a port (1-65535 or a name)",
    "endport_needs_number": "endPort needs a numeric port",
    "bad_endport": "endPort {value} must be between port {port} and 65535",
    "bad_policy_type": "unknown policy type '{value}' (Ingress, Egress)",
    "yaml_syntax": "YAML syntax error at line {line}: {message}",
    "json_syntax": "JSON syntax error at line {line}: {message}",
    "no_such_path": "no such file or directory",
    "empty_dir": "no .yaml, .yml or .json files in this directory",
    "unreadable": "cannot read: {message}",
}


def problem_text(problem) -> str:
    """One line: `pods.yaml, document 3, NetworkPolicy prod/x, spec.ingress[0].from[0].ipBlock.cidr: '10.0/8' is not a CIDR`."""
    template = PROBLEM_TEXT.get(problem.code, problem.code)
    try:
        detail = template.format(**dict(problem.params))
    except (KeyError, IndexError):
        detail = template
    where = []
    if problem.origin.source:
        where.append(problem.origin.source)
    if problem.origin.document is not None:
        where.append(f"document {problem.origin.document}")
    if problem.obj:
        where.append(problem.obj)
    if problem.field:
        where.append(problem.field)
    prefix = ", ".join(where)
    skipped = " (object skipped)" if problem.obj else ""
    return f"{prefix}: {detail}{skipped}" if prefix else f"{detail}{skipped}"


def skipped_kinds_text(kinds: Mapping[str, int]) -> str:
    return "skipped objects of kinds we do not read: " + ", ".join(f"{k} ({n})" for k, n in sorted(kinds.items()))


def not_evaluated_text(kinds: Iterable[tuple[str, int]]) -> str:
    listed = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in kinds)
    return f"{listed} exist but are not evaluated yet: verdicts cover Kubernetes NetworkPolicies only"


# ---- trace command -------------------------------------------------------------------------------------------------
def unknown_pod_text(flag: str, text: str, known: list[str]) -> str:
    hint = f" (pods in that namespace: {', '.join(known[:8])}{', …' if len(known) > 8 else ''})" if known else ""
    return f"{flag} {text}: no such pod in the cluster snapshot{hint}"


def bad_endpoint_text(flag: str, text: str) -> str:
    return f"{flag} {text}: expected NAMESPACE/POD or an IP address"


def bad_port_text(text: str) -> str:
    return f"--port {text}: expected PORT or PORT/PROTO with PORT 1-65535 and PROTO TCP, UDP or SCTP"


def verdict_heading(allowed: bool) -> str:
    return "ALLOWED" if allowed else "DENIED"
