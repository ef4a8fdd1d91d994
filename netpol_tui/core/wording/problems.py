"""Problems with the input, in words: cluster objects that could not be read, objects we do not evaluate,
endpoints and filters the user typed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from netpol_tui.core.problems import (
    BadCidr,
    BadEndPort,
    BadIp,
    BadLabelKey,
    BadLabelValue,
    BadOperator,
    BadPolicyType,
    BadPort,
    BadPortName,
    BadProtocol,
    CiliumBadEntity,
    CiliumBadIcmpFamily,
    CiliumBadIcmpType,
    CiliumBadPort,
    CiliumBadProtocol,
    CiliumCidrSetEntry,
    CiliumConfigBadValue,
    CiliumDenyFqdns,
    CiliumDenyL7,
    CiliumFqdnEntry,
    CiliumHostRuleSkipped,
    CiliumIcmpsWithPorts,
    CiliumMixedPeers,
    CiliumNodeSelectorInCnp,
    CiliumNoSpec,
    CiliumRequiresIgnored,
    CiliumSelectorSelectsNothing,
    CiliumSelectorXor,
    CiliumServicePeer,
    DuplicateObject,
    EmptyDir,
    EmptyPeer,
    EndPortNeedsNumber,
    ExceptEqualsCidr,
    ExceptOutsideCidr,
    FilterMistake,
    IpBlockWithSelector,
    JsonSyntax,
    KubeForbidden,
    MissingField,
    NoKind,
    NoSuchPath,
    NotAnObject,
    Problem,
    Unreadable,
    ValuesForbidden,
    ValuesRequired,
    WrongType,
    YamlAliasBomb,
    YamlSyntax,
)
from netpol_tui.core.validation import Fault
from netpol_tui.core.wording.inert import inert_result

CILIUM_ENTITIES = (
    "all, world, cluster, host, remote-node, kube-apiserver, ingress, health, init, unmanaged, none, world-ipv4, "
    "world-ipv6"
)


FAULT_TEXT: dict[Fault, str] = {
    Fault.EMPTY: "it is empty",
    Fault.TOO_LONG: "it is too long (a port name has at most 15 characters, a label name or value 63)",
    Fault.NON_ASCII_DIGITS: "it has non-ASCII digits (only 0-9 make a number)",
    Fault.PORT_NAME_CHARS: "a number, or a name of lowercase letters a-z, digits and '-'",
    Fault.PORT_NAME_NO_LETTER: "a port name needs at least one letter (a number is written without quotes)",
    Fault.PORT_NAME_EDGE_HYPHEN: "a port name cannot start or end with '-'",
    Fault.PORT_NAME_DOUBLE_HYPHEN: "a port name cannot hold '--'",
    Fault.LABEL_CHARS: "only letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
    Fault.LABEL_PREFIX: "the prefix before '/' must be a DNS subdomain (lowercase, e.g. example.com)",
    Fault.LABEL_PREFIX_TOO_LONG: "the prefix before '/' is longer than 253 characters",
}


@inert_result
def problem_detail(problem: Problem) -> str:
    """What is wrong, without where: `'10.0/8' is not a CIDR`."""
    match problem:
        case NotAnObject(type_name=found):
            return f"the document is a {found}, not an object"
        case NoKind():
            return "the object has no kind"
        case WrongType(want=want, got=got):
            return f"expected {want}, found {got}"
        case MissingField():
            return "is required but missing"
        case BadOperator(operator=op):
            return f"unknown operator '{op}' (In, NotIn, Exists, DoesNotExist)"
        case ValuesRequired(operator=op):
            return f"operator {op} needs a non-empty values list"
        case ValuesForbidden(operator=op):
            return f"operator {op} takes no values"
        case BadProtocol(value=value):
            return f"unknown protocol '{value}' (TCP, UDP, SCTP)"
        case BadCidr(value=value):
            return f"'{value}' is not a CIDR"
        case BadIp(value=value):
            return f"'{value}' is not an IP address"
        case ExceptOutsideCidr(value=value, cidr=cidr):
            return f"except '{value}' is not inside cidr {cidr}"
        case ExceptEqualsCidr(value=value, cidr=cidr):
            return f"except '{value}' is the whole cidr {cidr}: an except must be a strict subset"
        case IpBlockWithSelector():
            return "an ipBlock cannot be combined with selectors in the same item"
        case EmptyPeer():
            return "a peer needs podSelector, namespaceSelector or ipBlock"
        case BadPort(value=value):
            return f"'{value}' is not a port (1-65535 or a name)"
        case EndPortNeedsNumber():
            return "endPort needs a numeric port"
        case BadEndPort(value=value, port=port):
            return f"endPort {value} must be between port {port} and 65535"
        case BadPolicyType(value=value):
            return f"unknown policy type '{value}' (Ingress, Egress)"
        case BadPortName(value=value, fault=fault):
            return f"'{value}' is not a port: {FAULT_TEXT.get(fault, fault)}"
        case BadLabelKey(value=value, fault=fault):
            return f"'{value}' is not a label key: {FAULT_TEXT.get(fault, fault)}"
        case BadLabelValue(value=value, fault=fault):
            return f"'{value}' is not a label value: {FAULT_TEXT.get(fault, fault)}"
        case YamlAliasBomb(line=line, limit=limit):
            return (
                f"document refused at line {line}: its YAML aliases expand to more than {limit:,} extra values "
                "(an alias bomb?)"
            )
        case YamlSyntax(line=line, message=message):
            return f"YAML syntax error at line {line}: {message}"
        case JsonSyntax(line=line, message=message):
            return f"JSON syntax error at line {line}: {message}"
        case NoSuchPath():
            return "no such file or directory"
        case EmptyDir():
            return "no .yaml, .yml or .json files in this directory"
        case Unreadable(message=message):
            return f"cannot read: {message}"
        case DuplicateObject(kind=kind, name=name, first=first):
            return f"{kind} {name} is read again here (first in {first}): this later one replaces it"
        case KubeForbidden(verb=verb, resource=resource, group=group, namespace=namespace):
            return forbidden_text(verb, resource, group, namespace)
        case CiliumNoSpec():
            return "a Cilium policy needs `spec` or `specs`"
        case CiliumSelectorXor():
            return "a rule needs exactly one of endpointSelector and nodeSelector"
        case CiliumNodeSelectorInCnp():
            return "nodeSelector (a host policy) is only valid in a CiliumClusterwideNetworkPolicy"
        case CiliumMixedPeers(keys=keys):
            return f"one rule item can hold one kind of peer only, found {', '.join(keys)}"
        case CiliumBadEntity(value=value):
            return f"unknown entity '{value}' ({CILIUM_ENTITIES})"
        case CiliumCidrSetEntry():
            return "a CIDR set entry needs exactly one of cidr, cidrGroupRef and cidrGroupSelector"
        case CiliumServicePeer():
            return "a toServices entry needs k8sService or k8sServiceSelector"
        case CiliumFqdnEntry():
            return "a toFQDNs entry needs exactly one of matchName and matchPattern"
        case CiliumDenyFqdns():
            return "deny rules do not support toFQDNs"
        case CiliumDenyL7():
            return "deny rules do not support L7 rules"
        case CiliumIcmpsWithPorts():
            return "icmps and toPorts cannot share a rule item"
        case CiliumBadProtocol(value=value):
            return f"unknown protocol '{value}' (TCP, UDP, SCTP, ANY)"
        case CiliumBadPort(value=value):
            return f"'{value}' is not a port (0-65535 or a name)"
        case CiliumBadIcmpFamily(value=value):
            return f"unknown ICMP family '{value}' (IPv4, IPv6)"
        case CiliumBadIcmpType(value=value, family=family):
            return f"'{value}' is not an {family} ICMP type (a number 0-255 or a name such as EchoRequest)"
        case CiliumHostRuleSkipped():
            return "a host policy rule (nodeSelector) is reported and not evaluated"
        case CiliumSelectorSelectsNothing(reason=reason):
            return f"this selector is not valid ({reason}): Cilium selects nothing with it"
        case CiliumConfigBadValue(value=value):
            return f"'{value}' is not a valid value: the default is used"
        case CiliumRequiresIgnored():
            return "fromRequires/toRequires were removed in Cilium 1.19 and are ignored"
    return str(problem.code)


@inert_result
def problem_text(problem: Problem) -> str:
    """One line: `pods.yaml, document 3, NetworkPolicy prod/x, spec.ingress[0].from[0].ipBlock.cidr: '10.0/8' is not a CIDR`.

    A kube 403 is the bare `forbidden_text` sentence (it names the resource itself)."""
    detail = problem_detail(problem)
    if isinstance(problem, KubeForbidden):
        return detail
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
    skipped = " (object skipped)" if problem.obj and problem.skips_object else ""
    return f"{prefix}: {detail}{skipped}" if prefix else f"{detail}{skipped}"


@inert_result
def forbidden_text(verb: str, resource: str, group: str = "", namespace: str = "") -> str:
    """One line for a 403: what we could not do, and the grant that fixes it (deploy/rbac.yaml has them all)."""
    scope = f"in namespace {namespace}" if namespace else "at cluster scope"
    verbs = "list/watch" if verb in ("list", "watch") else verb
    what = f"{group} {resource}" if group else resource
    where = f" in namespace {namespace}" if namespace else ""
    return f"cannot {verb} {resource} {scope}: grant {verbs} on {what}{where} (see deploy/rbac.yaml)"


@inert_result
def skipped_kinds_text(kinds: Mapping[str, int]) -> str:
    return "skipped objects of kinds we do not read: " + ", ".join(
        f"{k} ({n})" for k, n in sorted(kinds.items())
    )


@inert_result
def plural_kind(kind: str, n: int) -> str:
    """`1 CiliumNetworkPolicy`, `2 CiliumNetworkPolicies` (not "Policys")."""
    if n == 1:
        return kind
    return kind[:-1] + "ies" if kind.endswith("y") else kind + "s"


@inert_result
def not_evaluated_text(kinds: Iterable[tuple[str, int]]) -> str:
    listed = ", ".join(f"{n} {plural_kind(k, n)}" for k, n in kinds)
    return f"{listed} exist but are not evaluated yet: verdicts cover Kubernetes NetworkPolicies only"


@inert_result
def unknown_pod_text(flag: str, text: str, known: list[str]) -> str:
    hint = (
        f" (pods in that namespace: {', '.join(known[:8])}{', …' if len(known) > 8 else ''})" if known else ""
    )
    return f"{flag} {text}: no such pod in the cluster snapshot{hint}"


@inert_result
def bad_endpoint_text(flag: str, text: str) -> str:
    return f"{flag} {text}: expected NAMESPACE/POD or an IP address"


@inert_result
def bad_port_text(text: str) -> str:
    return f"--port {text}: expected PORT or PORT/PROTO with PORT 1-65535 and PROTO TCP, UDP or SCTP"


@inert_result
def filter_mistake_text(code: FilterMistake, word: str) -> str:
    """What is wrong with a filter word or flag (`word` names it as the user wrote it)."""
    match code:
        case FilterMistake.UNKNOWN_KEY:
            return (
                f"{word}: unknown filter word; use pod:, from-pod:, to-pod:, ns:, label:, verdict:, port:, proto:, "
                "since: or plain text"
            )
        case FilterMistake.EMPTY_VALUE:
            return f"{word}: the filter word has no value after the colon"
        case FilterMistake.BAD_VERDICT:
            return f"{word}: unknown verdict; use FORWARDED, DROPPED, AUDIT, REDIRECTED, ERROR, TRACED or TRANSLATED"
        case FilterMistake.BAD_PORT:
            return f"{word}: a port is a number from 1 to 65535"
        case FilterMistake.BAD_IP:
            return f"{word}: write an IP address or a CIDR (like 10.0.1.5 or 10.0.0.0/16)"
        case FilterMistake.BAD_PROTOCOL:
            return (
                f"{word}: unknown protocol; use tcp, udp, sctp, icmp, icmpv4, icmpv6, http, dns, kafka, vrrp "
                "or igmp"
            )
        case FilterMistake.BAD_LABEL:
            return (
                f"{word}: not a label selector; write KEY=VALUE (several joined by commas, e.g. "
                "app=db,tier=backend)"
            )
        case FilterMistake.BAD_NAMESPACE:
            return f"{word}: a namespace is a single name without '/'"
        case FilterMistake.BAD_POD:
            return f"{word}: write POD, NAMESPACE/POD or NAMESPACE/ (a pod name prefix)"
        case FilterMistake.BAD_SINCE:
            return (
                f"{word}: not a duration (like 30s, 5m, 2h) or an RFC 3339 time (like 2026-01-01T10:00:00Z)"
            )
        case FilterMistake.BAD_DIRECTION:
            return f"{word}: the traffic direction is INGRESS or EGRESS"
        case FilterMistake.CONFLICT_NAMESPACE:
            return f"{word} cannot be combined with a namespace filter; write the pod as NAMESPACE/POD"


@inert_result
def filter_error(code: FilterMistake, word: str, detail: str = "") -> str:
    text = filter_mistake_text(code, word)
    return f"{text} ({detail})" if detail else text


@inert_result
def filters_local_only(parts: Iterable[str]) -> str:
    listed = list(parts)
    return f"filtered here, not by Hubble: {', '.join(listed)}" if listed else ""
