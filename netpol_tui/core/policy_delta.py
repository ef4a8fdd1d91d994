"""What a policy change did to the policy, as data: rules, ports and peers added or removed, other spec fields
changed; and a unified diff of the spec as YAML (data from policy objects: core). Used by the changes timeline
(ui/screens/changes_dialog.py); the sentences are in ui/strings.py (`spec_delta_text`).

It reads the objects' plain source (`raw`), so every kind reads the same way: NetworkPolicy (`ingress`/`egress`
rules with `from`/`to` peers and `ports`) and Cilium's (`ingress`, `egress`, `ingressDeny`, `egressDeny` rules with
`fromEndpoints`, `toEntities`, `toCIDR`... peers and `toPorts`), one `spec` or several `specs`. Items are shown in a
compact notation: `8080/TCP`, `podSelector app=web`, `toEntities world`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from netpol_tui.core import yamlout

__all__ = ["Action", "Part", "SpecDelta", "spec_deltas", "spec_of", "unified_spec_diff"]

RULE_SECTIONS = ("ingress", "egress", "ingressDeny", "egressDeny")
PORT_KEYS = frozenset({"ports", "toPorts", "icmps"})
_NOT_SPEC = ("apiVersion", "kind", "metadata", "status")


class Part(StrEnum):
    RULE = "rule"
    PORT = "port"
    PEER = "peer"
    FIELD = "field"


class Action(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class SpecDelta:
    action: Action
    part: Part
    section: str  # "ingress", "egressDeny", or a field ("podSelector"); with several specs "specs[2].ingress"
    rule: int  # 1-based number of the rule in its section (0: not about one rule)
    item: str  # the port, peer, rule or (changed field) new value, in compact notation
    old: str = ""  # a changed field's former value


def spec_of(raw: object) -> dict[str, Any]:
    """The object without what is not its spec (apiVersion, kind, metadata, status)."""
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): v for k, v in raw.items() if k not in _NOT_SPEC}


def unified_spec_diff(before: object, after: object, context: int = 2) -> list[str]:
    """`diff -u` of the two objects' specs as YAML (no file header lines); empty when they are the same."""
    b = yamlout.dump(spec_of(before)).splitlines() if before is not None else []
    a = yamlout.dump(spec_of(after)).splitlines() if after is not None else []
    lines = list(difflib.unified_diff(b, a, n=context, lineterm=""))
    return [ln for ln in lines if not ln.startswith(("---", "+++"))]


def spec_deltas(before: object, after: object) -> list[SpecDelta]:
    """What changed from `before` to `after` (raw objects; None for a policy that did not exist). A created or
    deleted policy names its rules only (its other fields are in the YAML diff)."""
    out: list[SpecDelta] = []
    b_specs = _specs(before)
    a_specs = _specs(after)
    several = len(b_specs) > 1 or len(a_specs) > 1
    for i in range(max(len(b_specs), len(a_specs))):
        prefix = f"specs[{i + 1}]." if several else ""
        b = b_specs[i] if i < len(b_specs) else {}
        a = a_specs[i] if i < len(a_specs) else {}
        if before is not None and after is not None:
            out.extend(_fields(b, a, prefix))
        for section in RULE_SECTIONS:
            out.extend(_rules(_list(b.get(section)), _list(a.get(section)), prefix + section))
    return out


# ---------------------------------------------------------------------------------------------------------------
def _specs(raw: object) -> list[Mapping[str, Any]]:
    if not isinstance(raw, Mapping):
        return []
    spec = raw.get("spec")
    specs = raw.get("specs")
    out: list[Mapping[str, Any]] = []
    if isinstance(spec, Mapping):
        out.append(spec)
    if isinstance(specs, list):
        out.extend(s for s in specs if isinstance(s, Mapping))
    return out


def _list(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _canon(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _fields(b: Mapping[str, Any], a: Mapping[str, Any], prefix: str) -> Iterator[SpecDelta]:
    keys = [k for k in dict.fromkeys([*b, *a]) if k not in RULE_SECTIONS]
    for k in keys:
        vb, va = b.get(k), a.get(k)
        if _canon(vb) == _canon(va):
            continue
        yield SpecDelta(Action.CHANGED, Part.FIELD, prefix + str(k), 0, _value_text(va), old=_value_text(vb))


def _rules(before: list[Any], after: list[Any], section: str) -> Iterator[SpecDelta]:
    """Rules kept as they were say nothing; a changed rule is paired with the old rule it shares most items
    with and says which items came and went; the others were added or removed whole."""
    b_left = list(range(len(before)))
    a_left: list[int] = []
    canon_b = [_canon(r) for r in before]
    for j, rule in enumerate(after):
        c = _canon(rule)
        same = next((i for i in b_left if canon_b[i] == c), None)
        if same is None:
            a_left.append(j)
        else:
            b_left.remove(same)
    items_b = {i: _rule_items(before[i]) for i in b_left}
    for j in a_left:
        items_a = _rule_items(after[j])
        keys_a = {k for k, _p, _t in items_a}
        best, shared = None, 0
        for i in b_left:
            n = len(keys_a & {k for k, _p, _t in items_b[i]})
            if n > shared:
                best, shared = i, n
        if best is None:
            yield SpecDelta(Action.ADDED, Part.RULE, section, j + 1, _rule_text(items_a))
            continue
        b_left.remove(best)
        old_keys = {k for k, _p, _t in items_b[best]}
        for k, part, text in items_b[best]:
            if k not in keys_a:
                yield SpecDelta(Action.REMOVED, part, section, j + 1, text)
        for k, part, text in items_a:
            if k not in old_keys:
                yield SpecDelta(Action.ADDED, part, section, j + 1, text)
    for i in b_left:
        yield SpecDelta(Action.REMOVED, Part.RULE, section, i + 1, _rule_text(items_b[i]))


def _rule_items(rule: object) -> list[tuple[str, Part, str]]:
    """(canonical key, port or peer, compact text) of every item of a rule, in its order."""
    out: list[tuple[str, Part, str]] = []
    if not isinstance(rule, Mapping):
        return [(_canon(rule), Part.PEER, _value_text(rule))]
    for key, value in rule.items():
        key = str(key)
        if key == "toPorts":
            for entry in _list(value):
                for text in _to_ports_texts(entry):
                    out.append((f"toPorts:{text}", Part.PORT, text))
        elif key in PORT_KEYS:
            for item in _list(value):
                text = _port_text(item) if key == "ports" else f"{key} {_value_text(item)}"
                out.append((f"{key}:{_canon(item)}", Part.PORT, text))
        else:
            for item in _list(value):
                out.append((f"{key}:{_canon(item)}", Part.PEER, _peer_text(key, item)))
    return out


def _rule_text(items: list[tuple[str, Part, str]]) -> str:
    return " · ".join(t for _k, _p, t in items) or "{}"


def _port_text(port: object) -> str:
    if not isinstance(port, Mapping):
        return _value_text(port)
    number = port.get("port")
    text = "*" if number is None else str(number)
    end = port.get("endPort")
    if end is not None:
        text += f"-{end}"
    return f"{text}/{port.get('protocol') or 'TCP'}"


def _to_ports_texts(entry: object) -> list[str]:
    if not isinstance(entry, Mapping):
        return [_value_text(entry)]
    ports = [_port_text(p) for p in _list(entry.get("ports"))] or ["*"]
    rules = entry.get("rules")
    l7 = f" L7 {_value_text(rules)}" if rules else ""
    return [p + l7 for p in ports]


def _peer_text(key: str, item: object) -> str:
    if key in ("from", "to") and isinstance(item, Mapping):
        parts = [f"{k} {_value_text(v)}" for k, v in item.items()]
        return " ".join(parts) or "{}"
    return f"{key} {_value_text(item)}"


def _selector_text(sel: Mapping[str, Any]) -> str | None:
    """`app=web,tier In (a, b)` for a label selector; None when it is not one."""
    if not set(sel) <= {"matchLabels", "matchExpressions"}:
        return None
    parts: list[str] = []
    labels = sel.get("matchLabels")
    if isinstance(labels, Mapping):
        parts.extend(f"{k}={v}" for k, v in labels.items())
    for expr in _list(sel.get("matchExpressions")):
        if not isinstance(expr, Mapping):
            return None
        values = expr.get("values")
        vals = f" ({', '.join(str(v) for v in values)})" if isinstance(values, list) and values else ""
        parts.append(f"{expr.get('key')} {expr.get('operator')}{vals}")
    return ",".join(parts) if parts else "{}"


def _value_text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, str | int | float | bool):
        return str(value)
    if isinstance(value, Mapping):
        sel = _selector_text(value)
        if sel is not None:
            return sel
        if set(value) <= {"cidr", "except"} and "cidr" in value:  # an ipBlock
            exc = _list(value.get("except"))
            return str(value["cidr"]) + (f" except {', '.join(str(e) for e in exc)}" if exc else "")
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value) or "[]"
    return _canon(value)
