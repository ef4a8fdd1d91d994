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


def hubble_connection_refused(address: str) -> str:
    return (
        f"cannot connect to Hubble at {address}: connection refused. Is Hubble Relay reachable there? "
        "Run `cilium hubble port-forward` (it listens on localhost:4245), or pass -P to let netpol-tui "
        "port-forward to kube-system/hubble-relay, or point --server at the relay"
    )


def hubble_unreachable(address: str, detail: str) -> str:
    return (
        f"cannot reach Hubble at {address}: {detail}. Check --server, or use -P / `cilium hubble port-forward`"
    )


def hubble_connect_timeout(address: str, seconds: float) -> str:
    return (
        f"no answer from Hubble at {address} within {seconds:g} s. Check --server and that the relay is up, "
        "or use -P / `cilium hubble port-forward`; --timeout sets the wait"
    )


_TLS_CHECKS = {
    "verify": "the server's certificate is not signed by a trusted CA; give the CA with --tls-ca-cert-files "
    "(or, knowingly, --tls-allow-insecure)",
    "hostname": "the server's certificate is not valid for the name {name!r}; set --tls-server-name to a name "
    "in the certificate (Hubble Relay uses *.hubble-relay.cilium.io, e.g. instance.hubble-relay.cilium.io)",
    "client_cert": "the server asks for a client certificate (mTLS) and did not accept ours; give "
    "--tls-client-cert-file and --tls-client-key-file",
    "plaintext_server": "the server does not speak TLS; drop --tls and the tls:// prefix",
    "tls_server": "the server expects TLS; add --tls or a tls:// prefix to --server",
    "files": "cannot read the TLS files: {detail}",
    "fetch": "cannot fetch the server's certificate to pin it for --tls-allow-insecure: {detail}",
    "handshake": "the TLS handshake failed: {detail}",
}


def hubble_tls_error(address: str, check: str, name: str = "", detail: str = "") -> str:
    text = _TLS_CHECKS.get(check, _TLS_CHECKS["handshake"]).format(name=name, detail=detail or "no detail")
    return f"TLS to Hubble at {address} failed: {text}"


def hubble_insecure_note(address: str) -> str:
    return (
        f"--tls-allow-insecure: the certificate presented by {address} was not verified; it is pinned for this "
        "session (a different certificate later is refused)"
    )


def hubble_not_hubble(address: str) -> str:
    return (
        f"the server at {address} answered but is not Hubble (observer.Observer is not implemented there); "
        "point --server at Hubble Relay (port 4245, or 80/443 in-cluster) or a cilium-agent's hubble socket"
    )


def hubble_denied(address: str, detail: str) -> str:
    return f"Hubble at {address} refused the request: {detail or 'not authorised'}"


def hubble_bad_request(address: str, detail: str) -> str:
    return f"Hubble at {address} rejected the request: {detail}"


def hubble_stream_error(address: str, code: str, detail: str) -> str:
    return f"the flow stream from {address} failed ({code}): {detail or 'no detail'}"


def hubble_stream_state_text(state) -> str:
    """A StreamState for the status bar."""
    s = state.state
    if s == "connecting":
        return f"connecting to Hubble at {state.address}…"
    if s == "connected":
        ver = f" (Hubble {state.server_version})" if state.server_version else ""
        return f"connected to {state.address}{ver}"
    if s == "reconnecting":
        why = f": {state.message}" if state.message else ""
        return f"stream lost{why}; reconnecting in {state.retry_in:.1f} s (attempt {state.attempt})"
    if s == "failed":
        return state.message or f"cannot stream flows from {state.address}"
    if s == "closed":
        return "stream closed"
    return state.message or s


def hubble_server_status_text(version: str, num_flows: int, max_flows: int, connected: int | None,
                              unavailable: int | None, unavailable_nodes: Iterable[str] = ()) -> str:
    parts = [f"Hubble {version or '(version unknown)'}", f"{num_flows}/{max_flows} flows buffered"]
    if connected is not None:
        parts.append(f"{connected} node{'s' if connected != 1 else ''} connected")
    if unavailable:
        names = ", ".join(list(unavailable_nodes)[:5])
        parts.append(f"{unavailable} unavailable" + (f" ({names})" if names else ""))
    return ", ".join(parts)


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
