"""Field readers shared by the Cilium parsers (core/cilium/parse.py, parse_peers.py, parse_objects.py): typed
accessors that raise `CiliumBad` with the dotted field path, and Cilium endpoint selectors."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from netpol_tui.core.cilium.model import (
    CLUSTER_KEY,
    NAMESPACE_KEY,
    NAMESPACE_LABELS_PREFIX,
    CiliumSelector,
    IPNetwork,
)
from netpol_tui.core.fields import FieldError, list_field, map_field, str_field
from netpol_tui.core.problems import (
    BadCidr,
    BadIp,
    BadLabelKey,
    BadLabelValue,
    MissingField,
    Problem,
    WrongType,
)
from netpol_tui.core.selectors import EQUALS, OPERATORS, LabelSelector, Operator, Requirement
from netpol_tui.core.validation import label_key_fault, label_value_fault

SOURCES = ("any", "k8s", "reserved", "cidr", "fqdn", "cidrgroup", "node", "container", "unspec")

Notes = list[Problem]  # notes with their `field`; the object and origin are filled in by parse_cilium_object


_map = map_field
_list = list_field
_str = str_field
CiliumBad = FieldError  # the Cilium parser's name for the shared field error


# ---------------------------------------------------------------------------------------------------------------
# typed accessors
# ---------------------------------------------------------------------------------------------------------------


def _opt_bool(value: Any, path: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise CiliumBad(WrongType(field=path, want="boolean", got=type(value).__name__))
    return value


def _labels(value: Any, path: str, *, keys: str = "plain") -> dict[str, str]:
    """A label map whose keys and values the API server accepts (as a NetworkPolicy's, core/validation.py).
    `keys`: "plain" (metadata.labels, a Service selector), "source" (an endpoint selector: `k8s:app` is checked
    as `app`; keys of the other sources are left as Cilium writes them), "none" (a list of values)."""
    out: dict[str, str] = {}
    for k, v in _map(value, path).items():
        if not isinstance(k, str):
            raise CiliumBad(WrongType(field=path, want="string keys", got=type(k).__name__))
        if isinstance(v, bool) or v is None or not isinstance(v, str | int | float):
            raise CiliumBad(WrongType(field=f"{path}.{k}", want="string", got=type(v).__name__))
        text = v if isinstance(v, str) else str(v)
        _check_key(k, path, keys)
        fault = label_value_fault(text)
        if fault is not None:
            where = f"{path}[{k}]" if keys == "none" else f"{path}.{k}"
            raise CiliumBad(BadLabelValue(field=where, value=text, fault=fault))
        out[k] = text
    return out


def _check_key(key: str, path: str, keys: str) -> None:
    if keys == "none":
        return
    if keys == "source":
        source, bare = split_key(key)
        if source not in ("any", "k8s"):
            return  # reserved:host, cidr:..., fqdn:...: Cilium's own label forms
        key = bare
    fault = label_key_fault(key)
    if fault is not None:
        raise CiliumBad(BadLabelKey(field=path, value=key, fault=fault))


def _network(text: str, path: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise CiliumBad(BadCidr(field=path, value=text)) from None


def _ip_text(value: Any, path: str) -> str:
    text = _str(value, path)
    if not text:
        return ""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise CiliumBad(BadIp(field=path, value=text)) from None


def _meta(doc: Mapping[str, Any], *, namespaced: bool) -> tuple[str, str, dict[str, str]]:
    meta = _map(doc.get("metadata"), "metadata", required=True)
    name = _str(meta.get("name"), "metadata.name", required=True)
    if not name:
        raise CiliumBad(MissingField(field="metadata.name"))
    ns = (_str(meta.get("namespace"), "metadata.namespace") or "default") if namespaced else ""
    return ns, name, _labels(meta.get("labels"), "metadata.labels")


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------------------------
# selectors
# ---------------------------------------------------------------------------------------------------------------
def split_key(key: str) -> tuple[str, str]:
    """`k8s:app` → ("k8s", "app"); `app` → ("any", "app") (pkg/labels GetExtendedKeyFrom)."""
    source, sep, rest = key.partition(":")
    if sep and source in SOURCES:
        return source, rest
    return "any", key


def extended_key(key: str) -> str:
    source, rest = split_key(key)
    return f"{source}:{rest}"


def parse_endpoint_selector(value: Any, path: str, *, extended: bool = True) -> CiliumSelector:
    """A Cilium endpoint selector. `extended`: keys become `source:key` (identity labels); False for selectors
    over plain object labels (cidrGroupSelector, k8sServiceSelector)."""
    m = _map(value, path)
    reqs: list[Requirement] = []
    invalid = ""
    keys = "source" if extended else "plain"
    for k, v in _labels(m.get("matchLabels"), f"{path}.matchLabels", keys=keys).items():
        reqs.append(Requirement(extended_key(k) if extended else k, EQUALS, (v,)))
    for i, expr in enumerate(_list(m.get("matchExpressions"), f"{path}.matchExpressions") or []):
        epath = f"{path}.matchExpressions[{i}]"
        expr = _map(expr, epath)
        key = _str(expr.get("key"), f"{epath}.key", required=True)
        _check_key(key, f"{epath}.key", keys)
        op = _str(expr.get("operator"), f"{epath}.operator", required=True)
        values = _list(expr.get("values"), f"{epath}.values") or []
        texts = tuple(
            _labels({str(j): v for j, v in enumerate(values)}, f"{epath}.values", keys="none").values()
        )
        if op not in OPERATORS:
            invalid = invalid or "bad_operator"
            continue  # the selector selects nothing anyway
        if op in ("In", "NotIn") and not texts:
            invalid = invalid or "values_required"
        elif op in ("Exists", "DoesNotExist") and texts:
            invalid = invalid or "values_forbidden"
        reqs.append(Requirement(extended_key(key) if extended else key, Operator(op), texts))
    bare = [split_key(r.key) for r in reqs] if extended else []
    return CiliumSelector(
        selector=LabelSelector(tuple(reqs)),
        raw=_plain(m),
        names_namespace=any(k == NAMESPACE_KEY for _, k in bare),
        names_cluster=any(k == CLUSTER_KEY for _, k in bare),
        has_reserved=any(s == "reserved" for s, _ in bare),
        names_namespace_labels=any(k.startswith(NAMESPACE_LABELS_PREFIX) for _, k in bare),
        invalid=invalid,
    )
