"""Problems with the input, in words: cluster objects that could not be read, objects we do not evaluate,
endpoints and filters the user typed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from netpol_tui.core.model import Problem

PROBLEM_TEXT: dict[str, str] = {
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
    "duplicate_object": "{kind} {name} is read again here (first in {first}): this later one replaces it",
}


def problem_text(problem: Problem) -> str:
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


def forbidden_text(verb: str, resource: str, group: str = "", namespace: str = "") -> str:
    """One line for a 403: what we could not do, and the grant that fixes it (deploy/rbac.yaml has them all)."""
    scope = f"in namespace {namespace}" if namespace else "at cluster scope"
    verbs = "list/watch" if verb in ("list", "watch") else verb
    what = f"{group} {resource}" if group else resource
    where = f" in namespace {namespace}" if namespace else ""
    return f"cannot {verb} {resource} {scope}: grant {verbs} on {what}{where} (see deploy/rbac.yaml)"


def kube_forbidden_problem(problem: Problem) -> str:
    """The sentence for a snapshot Problem with code "kube_forbidden" (params verb, resource, group, namespace)."""
    return forbidden_text(
        str(problem.param("verb", "list")),
        str(problem.param("resource", problem.obj)),
        str(problem.param("group", "")),
        str(problem.param("namespace", "")),
    )


def skipped_kinds_text(kinds: Mapping[str, int]) -> str:
    return "skipped objects of kinds we do not read: " + ", ".join(
        f"{k} ({n})" for k, n in sorted(kinds.items())
    )


def plural_kind(kind: str, n: int) -> str:
    """`1 CiliumNetworkPolicy`, `2 CiliumNetworkPolicies` (not "Policys")."""
    if n == 1:
        return kind
    return kind[:-1] + "ies" if kind.endswith("y") else kind + "s"


def not_evaluated_text(kinds: Iterable[tuple[str, int]]) -> str:
    listed = ", ".join(f"{n} {plural_kind(k, n)}" for k, n in kinds)
    return f"{listed} exist but are not evaluated yet: verdicts cover Kubernetes NetworkPolicies only"


def unknown_pod_text(flag: str, text: str, known: list[str]) -> str:
    hint = (
        f" (pods in that namespace: {', '.join(known[:8])}{', …' if len(known) > 8 else ''})" if known else ""
    )
    return f"{flag} {text}: no such pod in the cluster snapshot{hint}"


def bad_endpoint_text(flag: str, text: str) -> str:
    return f"{flag} {text}: expected NAMESPACE/POD or an IP address"


def bad_port_text(text: str) -> str:
    return f"--port {text}: expected PORT or PORT/PROTO with PORT 1-65535 and PROTO TCP, UDP or SCTP"


_FILTER_ERRORS: dict[str, str] = {
    "unknown_key": "{word}: unknown filter word; use pod:, from-pod:, to-pod:, ns:, label:, verdict:, port:, "
    "proto:, since: or plain text",
    "empty_value": "{word}: the filter word has no value after the colon",
    "bad_verdict": "{word}: unknown verdict; use FORWARDED, DROPPED, AUDIT, REDIRECTED, ERROR, TRACED or TRANSLATED",
    "bad_port": "{word}: a port is a number from 1 to 65535",
    "bad_ip": "{word}: write an IP address or a CIDR (like 10.0.1.5 or 10.0.0.0/16)",
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
    listed = list(parts)
    return f"filtered here, not by Hubble: {', '.join(listed)}" if listed else ""
