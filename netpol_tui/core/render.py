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
        parts.append(("its namespace" if parts else f"{whose}'s namespace") + " has " + " and ".join(
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
    "except_equals_cidr": "except '{value}' is the whole cidr {cidr}: an except must be a strict subset",
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
    if problem.code == "kube_forbidden":
        return kube_forbidden_problem(problem)
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


def plural_kind(kind: str, n: int) -> str:
    """`1 CiliumNetworkPolicy`, `2 CiliumNetworkPolicies` (not "Policys")."""
    if n == 1:
        return kind
    return kind[:-1] + "ies" if kind.endswith("y") else kind + "s"


def not_evaluated_text(kinds: Iterable[tuple[str, int]]) -> str:
    listed = ", ".join(f"{n} {plural_kind(k, n)}" for k, n in kinds)
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


# ---- Explanations of flows (explain.py) ------------------------------------------------------------------------
def want_text(miss) -> str:
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


def have_text(miss) -> str:
    if miss.actual is None:
        return f"it has no label {miss.key}"
    return f"it has {miss.key}={miss.actual}"


def near_miss_text(pres, side, verdict) -> str:
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
    other = verdict.source if side.direction == "Ingress" else verdict.destination
    check = rr.peer.best
    if check.kind == "ipblock" or check.not_pod:
        text = f"{head}: " + peer_check_text(check, rr.rule, pol.namespace, other.key, side.direction)
    else:
        wants, haves = [], []
        for m in check.pod_misses:
            wants.append(f"{who} {want_text(m)}")
            haves.append(have_text(m))
        for m in check.namespace_misses:
            wants.append(f"{who}'s namespace {want_text(m)}")
            haves.append(("its namespace has no label " + m.key) if m.actual is None else f"its namespace has {m.key}={m.actual}")
        if check.wrong_namespace:
            wants.append(f"{who} were in namespace {check.wrong_namespace} (a podSelector alone only admits pods of the policy's own namespace)")
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


DROP_REASON_TEXT = {
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


def drop_reason_text(reason: str) -> str:
    text = DROP_REASON_TEXT.get(reason)
    if text:
        return text
    return f"the datapath dropped it ({reason or 'reason not reported'})"


CAUSE_TEXT = {
    "stale_snapshot": "the cluster snapshot is stale (a pod or policy changed since it was read)",
    "cilium_policies": "CiliumNetworkPolicies or CiliumClusterwideNetworkPolicies apply, and they are not evaluated",
    "ipblock_pod_ip": "the allowing rule is an ipBlock matching a pod IP, which Cilium does not apply to pods",
    "l7_rule": "an L7 (HTTP/DNS) rule denied the request itself",
    "forbidden": "some resources could not be read (permissions)",
    "established_before_policy": "the connection was established before the policy, and connection tracking keeps it",
    "not_enforced": "the CNI on that node does not enforce NetworkPolicies",
}


def _kinds_text(kinds) -> str:
    return ", ".join(f"{n} {plural_kind(k, n)}" for k, n in kinds)


def finding_text(f) -> str:
    p = dict(f.params)
    code = f.code
    if code == "dns_egress":
        head = "DNS is blocked: pods isolated for egress must be allowed to reach kube-dns on UDP and TCP 53."
        if p.get("manifest"):
            return f"{head} The namespace-wide DNS allow for {p['namespace']} (below) fixes every pod of it at once."
        return f"{head} This query goes to another DNS server than kube-dns in kube-system: allow that one explicitly."
    if code == "host_network":
        return f"{p['pod']} uses hostNetwork: NetworkPolicies do not apply to its traffic (it is the node's)."
    if code == "namespace_label_missing":
        rule = f"rule #{p['rule'] + 1} of {p['policy']}"
        if p.get("similar"):
            has = f"has {p['similar']} — a typo?"
        elif p["actual"] is not None:
            has = f"has {p['key']}={p['actual']}"
        else:
            has = f"has no label {p['key']}"
        return f"{rule} relies on the namespace label {p['key']}={p['value']}, and namespace {p['namespace']} {has}"
    if code == "and_or_mistake":
        rule = f"rule #{p['rule'] + 1} of {p['policy']}"
        head = (
            f"{rule} has a podSelector in its own list item, so it only admits pods of the policy's namespace; the "
            f"peer is in {p['peer_namespace']}."
        )
        if p.get("separate_items"):
            return (
                f"{head} Its namespaceSelector stands in another item (OR, not AND): to mean 'these pods in that "
                "namespace', put namespaceSelector and podSelector in ONE item (no '-' before podSelector)."
            )
        return (
            f"{head} To admit these pods from {p['peer_namespace']}, add a namespaceSelector to the SAME item "
            "(no '-' before it)."
        )
    if code == "service_port_used":
        ports = ", ".join(str(x) for x in p["rule_ports"])
        return (
            f"rule #{p['rule'] + 1} of {p['policy']} names port {ports}, but the pod receives the traffic on "
            f"{p['target_port']}: a policy must name the container's targetPort, not the Service's port."
        )
    if code == "ingress_controller":
        return (
            f"{p['source']} is an Ingress controller: traffic through an Ingress arrives from the controller's pods, "
            "so they must be allowed as a peer."
        )
    if code == "metadata_address":
        return (
            f"{p['ip']} is the cloud metadata address: blocking it is usually deliberate (it hands out node "
            "credentials). Open it only for a workload that really needs it."
        )
    if code == "pod_not_in_snapshot":
        return f"{p['pod']} is not in the cluster snapshot: it was evaluated with the labels Hubble reported."
    if code == "forbidden_resources":
        return "Could not read " + ", ".join(p["resources"]) + " (permissions): this verdict may be incomplete."
    if code == "not_evaluated_policies":
        return not_evaluated_text(p["kinds"]) + "."
    if code == "namespace_scope":
        return f"Only namespace {p['namespace']} is watched: policies and pods elsewhere are unknown."
    if code == "explicit_deny":
        names = ", ".join(p["policies"]) or "a deny policy (Hubble did not name it)"
        return f"Dropped by an explicit deny rule: {names}. No allow rule can override a deny; change the deny policy."
    if code == "drop_reason":
        return f"Not a policy drop: {p['reason']} — {drop_reason_text(p['reason'])}. No policy change will fix it."
    if code == "auth_required":
        return "Mutual authentication is required by a policy and the peer is not authenticated (SPIFFE/SPIRE)."
    if code == "hubble_disagrees_dropped":
        causes = "; ".join(CAUSE_TEXT.get(c, c) for c in p["causes"])
        return f"Hubble dropped this for policy, but the NetworkPolicies we know allow it. Possible causes: {causes}."
    if code == "hubble_disagrees_forwarded":
        causes = "; ".join(CAUSE_TEXT.get(c, c) for c in p["causes"])
        return f"Hubble forwarded this, but the NetworkPolicies we know deny it. Possible causes: {causes}."
    if code == "direction_differs":
        return (
            f"Hubble reports the drop at {SIDE_NAME[p['hubble']]}, our evaluation denies at "
            + " and ".join(SIDE_NAME[d] for d in p["ours"].split(",") if d)
            + "."
        )
    if code == "reply_flow":
        return "This flow is a reply: the connection it answers was evaluated instead."
    if code == "note":
        return note_text(p["code"])
    return code


FINDING_SEVERITY = {
    "dns_egress": "warning",
    "namespace_label_missing": "warning",
    "and_or_mistake": "warning",
    "service_port_used": "warning",
    "ingress_controller": "info",
    "metadata_address": "caution",
    "host_network": "info",
    "explicit_deny": "warning",
    "drop_reason": "info",
    "hubble_disagrees_dropped": "caution",
    "hubble_disagrees_forwarded": "caution",
    "forbidden_resources": "caution",
    "not_evaluated_policies": "caution",
}


def endpoint_text(subject) -> str:
    if subject.pod is not None:
        return subject.key
    kind = {
        "world": "outside the cluster",
        "host": "the node",
        "remote-node": "another node",
        "kube-apiserver": "the kube-apiserver",
        "health": "the Cilium health endpoint",
        "ingress": "the Cilium Ingress proxy",
    }.get(subject.kind, subject.kind)
    return f"{subject.ip} ({kind})" if subject.ip else kind


def explanation_summary(expl) -> str:
    """One sentence for a person (the contract's `summary`)."""
    v = expl.verdict
    case = expl.case
    conn = f"{endpoint_text(v.source)} → {endpoint_text(v.destination)} {v.port}/{v.protocol}"
    if case == "not_a_policy_drop":
        # Hubble's identity for an address it did not translate (a ClusterIP without backends) is `world`:
        # do not call a Service address "outside the cluster"
        conn = f"{v.source.key} → {v.destination.key} {v.port}/{v.protocol}"
    if case == "explicit_deny":
        return f"{conn}: dropped by an explicit deny policy; an allow rule cannot override it."
    if case == "not_a_policy_drop":
        reason = expl.flow.drop_reason if expl.flow else ""
        return f"{conn}: dropped, but not by policy — {reason}: {drop_reason_text(reason)}."
    if case == "auth_required":
        return f"{conn}: dropped because mutual authentication is required and missing."
    if case == "policy_drop_but_allowed":
        return f"{conn}: Hubble dropped it for policy, but the NetworkPolicies we know allow it."
    if v.allowed:
        if case == "allowed":
            return f"{conn}: forwarded, and the policies allow it."
        return f"{conn}: allowed."
    sides = []
    for side in v.denying:
        names = ", ".join(f"{p.policy.namespace}/{p.policy.name}" for p in side.policies)
        closest = _closest_overall(side)
        near = f"; closest: {near_miss_text(closest, side, v)}" if closest is not None else ""
        sides.append(f"denied at {SIDE_NAME[side.direction]} of {side.subject.key} (isolated by {names}){near}")
    prefix = {
        "audit": "would be dropped (audit mode)",
        "forwarded_but_denied": "Hubble forwarded it, but the policies deny it",
        "policy_drop": "dropped",
        "what_if": "denied",
    }.get(case, "denied")
    return f"{conn}: {prefix} — " + "; and ".join(sides) + "."


def _closest_overall(side):
    """The policy whose closest rule fails on the fewest clauses (policies without rules last)."""
    best = None
    best_score = None
    for pres in side.policies:
        rr = pres.closest
        score = rr.failures if rr is not None else 1_000
        if best_score is None or score < best_score:
            best, best_score = pres, score
    return best


def dns_allow_heading(namespace: str) -> str:
    return f"Alternative: the namespace-wide DNS allow for {namespace} — verified; every pod of it may reach kube-dns"


def fix_heading(fix) -> str:
    verb = "add a rule to" if fix.action == "patch" else "create"
    pairs = fix.opens_other_pairs
    opens = "opens nothing else" if pairs == 0 else f"also opens {pairs} other pod pair{'s' if pairs != 1 else ''}"
    return f"Fix ({fix.side}): {verb} NetworkPolicy {fix.target} — verified; {opens}"


def no_fix_text(expl) -> str:
    if expl.case in ("explicit_deny", "not_a_policy_drop", "auth_required"):
        return "No NetworkPolicy fix: see above."
    if expl.verdict.allowed:
        return ""
    return "No verified NetworkPolicy fix: the denying side is not a pod we can select."


def explain_report_heading(flows: int, drops: int, groups: int, errors: int, lost: int) -> str:
    parts = [f"{flows} flow{'s' if flows != 1 else ''} read", f"{drops} dropped in {groups} group{'s' if groups != 1 else ''}"]
    if errors:
        parts.append(f"{errors} line{'s' if errors != 1 else ''} skipped")
    if lost:
        parts.append(f"{lost} events lost by Hubble")
    return ", ".join(parts)


def group_line(group) -> str:
    return f"{group.count:>7} × {group.source} → {group.destination} {group.port}/{group.protocol}"


# ---- Hubble / flows ------------------------------------------------------------------------------------------------
# Sentences for sources/hubble.py, sources/replay.py, sources/flows.py and core/filters.py. Codes in, words out.
_FILTER_ERRORS = {
    "unknown_key": "{word}: unknown filter word; use pod:, from-pod:, to-pod:, ns:, label:, verdict:, port:, "
    "proto:, since: or plain text",
    "empty_value": "{word}: the filter word has no value after the colon",
    "bad_verdict": "{word}: unknown verdict; use FORWARDED, DROPPED, AUDIT, REDIRECTED, ERROR, TRACED or TRANSLATED",
    "bad_port": "{word}: a port is a number from 1 to 65535",
    "bad_protocol": "{word}: unknown protocol; use tcp, udp, sctp, icmp, icmpv4, icmpv6, http, dns, kafka, vrrp "
    "or igmp",
    "bad_label": "{word}: not a label selector; write KEY=VALUE (several joined by commas, e.g. app=db,tier=backend)",
    "bad_namespace": "{word}: a namespace is a single name without '/'",
    "bad_pod": "{word}: write POD, NAMESPACE/POD or NAMESPACE/ (a pod name prefix)",
    "bad_since": "{word}: not a duration (like 30s, 5m, 2h) or an RFC 3339 time (like 2026-01-01T10:00:00Z)",
    "bad_direction": "{word}: the traffic direction is INGRESS or EGRESS",
    "conflict_namespace": "{word} cannot be combined with a namespace filter; write the pod as NAMESPACE/POD",
}


def filter_error(code: str, word: str, detail: str = "") -> str:
    text = _FILTER_ERRORS.get(code, "{word}: invalid filter").format(word=word)
    return f"{text} ({detail})" if detail else text


def filters_local_only(parts: Iterable[str]) -> str:
    parts = list(parts)
    return f"filtered here, not by Hubble: {', '.join(parts)}" if parts else ""


def lost_events_text(ev) -> str:
    where = f" on {ev.node_name}" if ev.node_name else ""
    what = {
        "PERF_EVENT_RING_BUFFER": "the kernel's perf ring buffer overflowed",
        "OBSERVER_EVENTS_QUEUE": "Hubble's event queue was full",
        "HUBBLE_RING_BUFFER": "the flows fell out of Hubble's ring buffer before they were read",
    }.get(ev.source, "events were lost")
    return f"{ev.count} event{'s' if ev.count != 1 else ''} lost{where}: {what}; some drops may be missing"


def node_status_text(ev) -> str:
    nodes = ", ".join(ev.node_names) or "a node"
    state = {
        "NODE_CONNECTED": "connected",
        "NODE_UNAVAILABLE": "unavailable (its flows are missing)",
        "NODE_GONE": "gone",
        "NODE_ERROR": "in error",
    }.get(ev.state, ev.state.lower())
    msg = f": {ev.message}" if ev.message else ""
    return f"Hubble Relay: {nodes} {state}{msg}"


def replay_problem(file: str, line_no: int, detail: str) -> str:
    return f"{file}, line {line_no}: {detail}; line skipped"


def replay_bad_json(detail: str) -> str:
    return f"not valid JSON ({detail})"


def replay_not_object(found: str) -> str:
    return f"expected a JSON object (a `hubble observe -o jsonpb` line), found {found}"


def replay_not_flow() -> str:
    return "a JSON object but not a Hubble flow (no flow, lost_events or node_status)"


def replay_wrong_type(path: str, expected: str, found: str) -> str:
    return f"{path} should be {expected}, found {found}"


def replay_bad_value(path: str, detail: str) -> str:
    return f"{path}: {detail}"


def replay_truncated(file: str, line_no: int, detail: str) -> str:
    return f"{file}: the compressed data ends early after line {line_no} ({detail}); the rest is lost"


def replay_unreadable(file: str, detail: str) -> str:
    return f"cannot read {file}: {detail}"


def replay_summary(file: str, flows: int, problems: int) -> str:
    bad = f", {problems} line{'s' if problems != 1 else ''} skipped" if problems else ""
    return f"{file}: {flows} flow{'s' if flows != 1 else ''} read{bad}"


# ---- Kubernetes API ----
# Sentences of the live kube source (sources/kube.py), `-P` (sources/portforward.py) and `snapshot`.
def kube_forbidden(verb: str, resource: str, group: str = "", namespace: str = "") -> str:
    """One line for a 403: what we could not do, and the grant that fixes it (deploy/rbac.yaml has them all)."""
    scope = f"in namespace {namespace}" if namespace else "at cluster scope"
    verbs = "list/watch" if verb in ("list", "watch") else verb
    what = f"{group} {resource}" if group else resource
    where = f" in namespace {namespace}" if namespace else ""
    return f"cannot {verb} {resource} {scope}: grant {verbs} on {what}{where} (see deploy/rbac.yaml)"


def kube_forbidden_problem(problem) -> str:
    """The sentence for a snapshot Problem with code "kube_forbidden" (params verb, resource, group, namespace)."""
    return kube_forbidden(
        str(problem.param("verb", "list")),
        str(problem.param("resource", problem.obj)),
        str(problem.param("group", "")),
        str(problem.param("namespace", "")),
    )


def kube_no_config(looked_at: str) -> str:
    return (
        f"no kubeconfig found ({looked_at}) and not running inside a cluster: "
        "pass --kubeconfig FILE or --context NAME, set KUBECONFIG, or give --cluster PATH"
    )


def kube_kubeconfig_missing(path: str) -> str:
    return f"kubeconfig file {path} does not exist"


def kube_context_not_found(context: str, available: list[str]) -> str:
    names = ", ".join(available) if available else "none"
    return f"context {context!r} is not in the kubeconfig (contexts: {names})"


def kube_config_invalid(where: str, detail: str) -> str:
    return f"cannot use the kubeconfig {where}: {detail}"


def kube_unreachable(server: str, detail: str) -> str:
    return f"cannot reach the Kubernetes API at {server}: {detail}"


def kube_unauthorized(server: str, context: str = "") -> str:
    ctx = f" (context {context})" if context else ""
    return (
        f"the Kubernetes API at {server}{ctx} rejected our credentials (401 Unauthorized): "
        "log in again or check the kubeconfig user"
    )


def kube_api_error(verb: str, resource: str, status: int, reason: str) -> str:
    return f"cannot {verb} {resource}: the Kubernetes API answered {status} {reason}".rstrip()


def kube_connecting(server: str, context: str = "") -> str:
    ctx = f" (context {context})" if context else ""
    return f"listing namespaces, pods and policies from {server}{ctx}"


def kube_synced(namespaces: int, pods: int, policies: int, scope: str = "") -> str:
    where = f" in namespace {scope}" if scope else ""
    return f"watching {pods} pods and {policies} NetworkPolicies{where} ({namespaces} namespaces)"


def kube_relisting(resource: str) -> str:
    return f"the {resource} watch expired (410 Gone): listing {resource} again"


def kube_reconnecting(resource: str, retry_in: float, detail: str) -> str:
    return f"lost the {resource} watch ({detail}): reconnecting in {retry_in:.1f}s"


def kube_watching(resource: str) -> str:
    return f"the {resource} watch is back"


def kube_stopped() -> str:
    return "stopped watching the Kubernetes API"


def kube_not_evaluated(not_evaluated: tuple[tuple[str, int], ...]) -> str:
    """E.g. "3 CiliumNetworkPolicy objects are not evaluated: ..." ("" when there are none)."""
    if not not_evaluated:
        return ""
    parts = ", ".join(f"{count} {kind}" + ("" if count == 1 else " objects") for kind, count in not_evaluated)
    return f"{parts} not evaluated: explanations cover Kubernetes NetworkPolicies only and may miss what these allow or deny"


def kube_namespace_scope(namespace: str) -> str:
    return f"only namespace {namespace} is watched: pods and policies elsewhere are unknown"


def snapshot_written(directory: str, namespaces: int, pods: int, policies: int, others: int = 0) -> str:
    extra = f", {others} Cilium policies" if others else ""
    return (
        f"wrote {namespaces} namespaces, {pods} pods, {policies} NetworkPolicies{extra} to {directory} "
        f"(use it with --cluster {directory})"
    )


def snapshot_cannot_write(directory: str, detail: str) -> str:
    return f"cannot write the snapshot to {directory}: {detail}"


def portforward_service_missing(namespace: str, name: str) -> str:
    return f"service {namespace}/{name} not found: is Hubble Relay enabled (cilium hubble enable)?"


def portforward_no_selector(namespace: str, name: str) -> str:
    return f"service {namespace}/{name} has no pod selector, so there is no pod to port-forward to"


def portforward_no_port(namespace: str, name: str, wanted: str) -> str:
    return f"service {namespace}/{name} has no port {wanted}"


def portforward_no_pods(namespace: str, name: str, selector: str) -> str:
    return f"no pod backs service {namespace}/{name} (selector {selector}): is Hubble Relay running?"


def portforward_no_ready_pod(namespace: str, name: str, states: str) -> str:
    return f"no ready pod backs service {namespace}/{name} ({states}): wait for Hubble Relay to become ready"


def portforward_named_port_missing(namespace: str, pod: str, port_name: str) -> str:
    return f"pod {namespace}/{pod} has no container port named {port_name!r}"


def portforward_listen_failed(address: str, detail: str) -> str:
    return f"cannot listen on {address} for the port-forward: {detail}"


def portforward_ready(local: str, namespace: str, pod: str, port: int) -> str:
    return f"forwarding {local} to {namespace}/{pod} port {port} through the Kubernetes API"


def portforward_connection_failed(namespace: str, pod: str, port: int, detail: str) -> str:
    return f"port-forward to {namespace}/{pod} port {port} failed: {detail}"


# ---- TUI ----


def tui_agreement(expl) -> str:
    """Whether Hubble's verdict and the policies we know agree, in one line."""
    return {
        "policy_drop": "Hubble and the policies agree: dropped, and the NetworkPolicies deny it.",
        "policy_drop_but_allowed": "Hubble and the policies DISAGREE: Hubble dropped it for policy, the "
        "NetworkPolicies we know allow it.",
        "explicit_deny": "Hubble names an explicit deny rule: the NetworkPolicies cannot override it.",
        "auth_required": "Hubble dropped it for missing mutual authentication, not for a NetworkPolicy.",
        "not_a_policy_drop": "Not a policy drop: Hubble dropped it for another reason.",
        "audit": "Audit mode: Hubble let it through but reports the policies would drop it.",
        "allowed": "Hubble and the policies agree: forwarded, and allowed.",
        "forwarded_but_denied": "Hubble and the policies DISAGREE: Hubble forwarded what the NetworkPolicies deny.",
    }.get(expl.case, "")


def tui_group_denied_at(expl) -> str:
    if expl is None:
        return "?"
    if expl.case not in ("policy_drop", "audit", "forwarded_but_denied"):
        return {"not_a_policy_drop": "not policy", "explicit_deny": "deny rule",
                "policy_drop_but_allowed": "disagree", "auth_required": "auth"}.get(expl.case, expl.case)
    return "+".join(SIDE_NAME[s.direction] for s in expl.verdict.denying) or "?"


def tui_opens_other_pairs(pairs: int) -> str:
    if pairs == 0:
        return "Opens nothing else: no other pod pair is newly allowed on this port."
    return f"Caution: also opens {pairs} other pod pair{'s' if pairs != 1 else ''} on this port — review before applying."


def tui_explanation_headline(expl) -> str:
    """The explanation pane's first line: the verdict, the connection, which side denies and the policies that
    select it. Unlike `explanation_summary`, it leaves the closest rule out: the pane shows that on its own line."""
    v = expl.verdict
    if v.allowed or expl.case in ("explicit_deny", "not_a_policy_drop", "auth_required", "policy_drop_but_allowed"):
        return explanation_summary(expl)
    conn = f"{endpoint_text(v.source)} → {endpoint_text(v.destination)} {v.port}/{v.protocol}"
    sides = []
    for side in v.denying:
        names = ", ".join(f"{p.policy.namespace}/{p.policy.name}" for p in side.policies)
        sides.append(f"denied at {SIDE_NAME[side.direction]} of {side.subject.key} (isolated by {names})")
    prefix = {
        "audit": "would be dropped (audit mode)",
        "forwarded_but_denied": "Hubble forwarded it, but the policies deny it",
        "policy_drop": "dropped",
    }.get(expl.case, "denied")
    return f"{conn}: {prefix} — " + "; and ".join(sides) + "."


# ---- Source labels (status bar, snapshot headers) and small prefixes ------------------------------------------------
LABEL_KUBE_API = "kube API"
LABEL_IN_CLUSTER = "in-cluster config"
LABEL_DEMO_CLUSTER = "demo shop"


def label_relay(server: str, port_forward: bool = False) -> str:
    return f"relay {server}" + (" (-P)" if port_forward else "")


def label_demo(address: str) -> str:
    return f"demo {address}"


def label_context(context: str) -> str:
    return f"context {context}"


def label_files(path: str) -> str:
    return f"files {path}"


def label_with_server(label: str, server: str) -> str:
    return f"{label} ({server})"


def note_line(code: str) -> str:
    return "note: " + note_text(code)
