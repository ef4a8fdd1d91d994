"""Problems with the input, one frozen dataclass per kind of problem, with named and typed fields.

Every problem says where it is: `origin` (file and document), `obj` ("kind ns/name" when known) and `field` (a
dotted path like "spec.ingress[0].from[1].ipBlock.cidr"); its own fields say what is wrong. The parsers
(core/manifests.py, core/cilium/parse.py), the file loader, the kube source and the duplicate check make them;
`core/wording/problems.py` words them with one `match` over these types. `code` (a `ProblemCode`, a StrEnum with
the same strings as before) names the kind for tests and JSON.

A parser that finds a bad field builds the problem with `field=` only and fills `origin`/`obj` with
`dataclasses.replace` where it knows the object.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from netpol_tui.core.model import Origin
from netpol_tui.core.validation import Fault


class ProblemCode(StrEnum):
    # a document or object that cannot be read
    NOT_AN_OBJECT = "not_an_object"
    NO_KIND = "no_kind"
    WRONG_TYPE = "wrong_type"
    MISSING_FIELD = "missing_field"
    # label selectors
    BAD_OPERATOR = "bad_operator"
    VALUES_REQUIRED = "values_required"
    VALUES_FORBIDDEN = "values_forbidden"
    # NetworkPolicy fields
    BAD_PROTOCOL = "bad_protocol"
    BAD_CIDR = "bad_cidr"
    BAD_IP = "bad_ip"
    EXCEPT_OUTSIDE_CIDR = "except_outside_cidr"
    EXCEPT_EQUALS_CIDR = "except_equals_cidr"
    IPBLOCK_WITH_SELECTOR = "ipblock_with_selector"
    EMPTY_PEER = "empty_peer"
    BAD_PORT = "bad_port"
    ENDPORT_NEEDS_NUMBER = "endport_needs_number"
    BAD_ENDPORT = "bad_endport"
    BAD_POLICY_TYPE = "bad_policy_type"
    BAD_PORT_NAME = "bad_port_name"
    BAD_LABEL_KEY = "bad_label_key"
    BAD_LABEL_VALUE = "bad_label_value"
    # files
    YAML_SYNTAX = "yaml_syntax"
    JSON_SYNTAX = "json_syntax"
    YAML_ALIAS_BOMB = "yaml_alias_bomb"
    NO_SUCH_PATH = "no_such_path"
    EMPTY_DIR = "empty_dir"
    UNREADABLE = "unreadable"
    DUPLICATE_OBJECT = "duplicate_object"
    # the live cluster
    KUBE_FORBIDDEN = "kube_forbidden"
    # Cilium kinds
    CILIUM_NO_SPEC = "cilium_no_spec"
    CILIUM_SELECTOR_XOR = "cilium_selector_xor"
    CILIUM_NODE_SELECTOR_IN_CNP = "cilium_node_selector_in_cnp"
    CILIUM_MIXED_PEERS = "cilium_mixed_peers"
    CILIUM_BAD_ENTITY = "cilium_bad_entity"
    CILIUM_CIDRSET_ENTRY = "cilium_cidrset_entry"
    CILIUM_SERVICE_PEER = "cilium_service_peer"
    CILIUM_FQDN_ENTRY = "cilium_fqdn_entry"
    CILIUM_DENY_FQDNS = "cilium_deny_fqdns"
    CILIUM_DENY_L7 = "cilium_deny_l7"
    CILIUM_ICMPS_WITH_PORTS = "cilium_icmps_with_ports"
    CILIUM_BAD_PROTOCOL = "cilium_bad_protocol"
    CILIUM_BAD_PORT = "cilium_bad_port"
    CILIUM_BAD_ICMP_FAMILY = "cilium_bad_icmp_family"
    CILIUM_BAD_ICMP_TYPE = "cilium_bad_icmp_type"
    # Cilium notes: the object is kept
    CILIUM_HOST_RULE_SKIPPED = "cilium_host_rule_skipped"
    CILIUM_SELECTOR_SELECTS_NOTHING = "cilium_selector_selects_nothing"
    CILIUM_CONFIG_BAD_VALUE = "cilium_config_bad_value"
    CILIUM_REQUIRES_IGNORED = "cilium_requires_ignored"


class FilterMistake(StrEnum):
    """What is wrong with a filter word or flag the user typed (core.flowquery.FilterError carries it)."""

    UNKNOWN_KEY = "unknown_key"
    EMPTY_VALUE = "empty_value"
    BAD_VERDICT = "bad_verdict"
    BAD_PORT = "bad_port"
    BAD_IP = "bad_ip"
    BAD_PROTOCOL = "bad_protocol"
    BAD_LABEL = "bad_label"
    BAD_NAMESPACE = "bad_namespace"
    BAD_POD = "bad_pod"
    BAD_SINCE = "bad_since"
    BAD_DIRECTION = "bad_direction"
    CONFLICT_NAMESPACE = "conflict_namespace"


@dataclass(frozen=True, slots=True)
class Problem:
    """Base of every input problem: where it is. `skips_object`: the object named by `obj` was left out."""

    code: ClassVar[ProblemCode]
    skips_object: ClassVar[bool] = True
    origin: Origin = Origin()
    obj: str = ""
    field: str = ""


# --- a document or object that cannot be read -------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class NotAnObject(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.NOT_AN_OBJECT
    type_name: str  # what the document is instead ("list", "str", ...)


@dataclass(frozen=True, slots=True, kw_only=True)
class NoKind(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.NO_KIND


@dataclass(frozen=True, slots=True, kw_only=True)
class WrongType(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.WRONG_TYPE
    want: str  # "object", "list", "integer or name", ...
    got: str  # the Python type name of what was found


@dataclass(frozen=True, slots=True, kw_only=True)
class MissingField(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.MISSING_FIELD


# --- label selectors --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class BadOperator(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.BAD_OPERATOR
    operator: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ValuesRequired(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.VALUES_REQUIRED
    operator: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ValuesForbidden(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.VALUES_FORBIDDEN
    operator: str


# --- NetworkPolicy fields ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class BadProtocol(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.BAD_PROTOCOL
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BadCidr(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.BAD_CIDR
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BadIp(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.BAD_IP
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptOutsideCidr(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.EXCEPT_OUTSIDE_CIDR
    value: str  # the except entry
    cidr: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptEqualsCidr(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.EXCEPT_EQUALS_CIDR
    value: str
    cidr: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IpBlockWithSelector(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.IPBLOCK_WITH_SELECTOR


@dataclass(frozen=True, slots=True, kw_only=True)
class EmptyPeer(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.EMPTY_PEER


@dataclass(frozen=True, slots=True, kw_only=True)
class BadPort(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.BAD_PORT
    value: str  # as written


@dataclass(frozen=True, slots=True, kw_only=True)
class EndPortNeedsNumber(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.ENDPORT_NEEDS_NUMBER


@dataclass(frozen=True, slots=True, kw_only=True)
class BadEndPort(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.BAD_ENDPORT
    value: int  # the endPort
    port: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BadPolicyType(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.BAD_POLICY_TYPE
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BadPortName(Problem):
    """A port string the API server rejects (not a number, not a valid IANA service name)."""

    code: ClassVar[ProblemCode] = ProblemCode.BAD_PORT_NAME
    value: str
    fault: Fault


@dataclass(frozen=True, slots=True, kw_only=True)
class BadLabelKey(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.BAD_LABEL_KEY
    value: str
    fault: Fault


@dataclass(frozen=True, slots=True, kw_only=True)
class BadLabelValue(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.BAD_LABEL_VALUE
    value: str
    fault: Fault


# --- files ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class YamlSyntax(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.YAML_SYNTAX
    line: int
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class JsonSyntax(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.JSON_SYNTAX
    line: int
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class YamlAliasBomb(Problem):
    """A document whose YAML aliases would expand past `limit` extra values: refused whole."""

    code: ClassVar[ProblemCode] = ProblemCode.YAML_ALIAS_BOMB
    line: int
    limit: int


@dataclass(frozen=True, slots=True, kw_only=True)
class NoSuchPath(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.NO_SUCH_PATH


@dataclass(frozen=True, slots=True, kw_only=True)
class EmptyDir(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.EMPTY_DIR


@dataclass(frozen=True, slots=True, kw_only=True)
class Unreadable(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.UNREADABLE
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DuplicateObject(Problem):
    """`kind name` read twice; `first` and `later` are the places as text (the later one wins)."""

    code: ClassVar[ProblemCode] = ProblemCode.DUPLICATE_OBJECT
    kind: str
    name: str
    first: str
    later: str


# --- the live cluster -------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class KubeForbidden(Problem):
    """RBAC refused `verb` on `resource` (API group `group`, "" for core) in `namespace` ("" = cluster scope)."""

    code: ClassVar[ProblemCode] = ProblemCode.KUBE_FORBIDDEN
    verb: str
    resource: str
    group: str = ""
    namespace: str = ""


# --- Cilium kinds -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumNoSpec(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_NO_SPEC


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumSelectorXor(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_SELECTOR_XOR


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumNodeSelectorInCnp(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_NODE_SELECTOR_IN_CNP


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumMixedPeers(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_MIXED_PEERS
    keys: tuple[str, ...]  # the peer keys found together


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumBadEntity(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_BAD_ENTITY
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumCidrSetEntry(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_CIDRSET_ENTRY


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumServicePeer(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_SERVICE_PEER


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumFqdnEntry(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_FQDN_ENTRY


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumDenyFqdns(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_DENY_FQDNS


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumDenyL7(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_DENY_L7


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumIcmpsWithPorts(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_ICMPS_WITH_PORTS


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumBadProtocol(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_BAD_PROTOCOL
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumBadPort(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_BAD_PORT
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumBadIcmpFamily(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_BAD_ICMP_FAMILY
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumBadIcmpType(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_BAD_ICMP_TYPE
    value: str
    family: str  # "IPv4" or "IPv6"


# --- Cilium notes: reported, the object is kept ----------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumHostRuleSkipped(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_HOST_RULE_SKIPPED
    skips_object: ClassVar[bool] = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumSelectorSelectsNothing(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_SELECTOR_SELECTS_NOTHING
    skips_object: ClassVar[bool] = False
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumConfigBadValue(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_CONFIG_BAD_VALUE
    skips_object: ClassVar[bool] = False
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CiliumRequiresIgnored(Problem):
    code: ClassVar[ProblemCode] = ProblemCode.CILIUM_REQUIRES_IGNORED
    skips_object: ClassVar[bool] = False
