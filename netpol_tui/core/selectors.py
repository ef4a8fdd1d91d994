"""The one label-selector engine: requirements (key, operator, values), matched, and explained when they fail.

Two small front ends build the same `LabelSelector`:

* the Kubernetes dict form (`matchLabels` + `matchExpressions`), read by the one parser (`manifests.parse_selector`,
  which reports bad input with the field's path);
* the string form `k=v,k2 in (a,b),!k3,k4!=x` (`parse_selector_string` here), as Hubble's label filters and the
  TUI's `label:` word take it; a key may carry a Cilium label source (`k8s:app=x`, `reserved:world`).

`matches()` is the fast path; `why_not()` lists every requirement the labels fail, as data (`SelectorMiss`), for
the explanation. `matches_lookup()` matches against anything that can answer "value of (source, key)?" (Hubble
endpoints, whose labels come from several sources).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Operator(StrEnum):
    EQUALS = "="  # a matchLabels entry (and `k=v` in the string form)
    IN = "In"
    NOT_IN = "NotIn"  # also `k!=v` and `k notin (...)`
    EXISTS = "Exists"  # `k`
    DOES_NOT_EXIST = "DoesNotExist"  # `!k`


OPERATORS = (Operator.IN, Operator.NOT_IN, Operator.EXISTS, Operator.DOES_NOT_EXIST)  # matchExpressions
EQUALS = Operator.EQUALS
# module-level names for the hot path (reading an Enum member off its class is slow in Python 3.11)
_EQUALS, _IN, _NOT_IN, _EXISTS = Operator.EQUALS, Operator.IN, Operator.NOT_IN, Operator.EXISTS

# Cilium label sources a key of the string form may name (`any:` means every source)
LABEL_SOURCES = ("k8s", "reserved", "cidr", "fqdn", "cidrgroup", "node", "container", "any", "unspec")


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: Operator
    values: tuple[str, ...] = ()
    source: str = ""  # string form only: the label source named before the key ("" = any source)

    def __post_init__(self) -> None:
        if type(self.operator) is not Operator:  # a plain string ("In", ...) is accepted and checked
            object.__setattr__(self, "operator", Operator(self.operator))

    def admits(self, value: str | None) -> bool:
        """The operator applied to the object's value for `key` (None: the label is absent)."""
        op = self.operator
        if op is _EQUALS or op is _IN:
            return value is not None and value in self.values
        if op is _NOT_IN:
            return value is None or value not in self.values
        if op is _EXISTS:
            return value is not None
        return value is None  # DoesNotExist

    def matches(self, labels: Mapping[str, str]) -> bool:
        return self.admits(labels.get(self.key))


@dataclass(frozen=True, slots=True)
class SelectorMiss:
    """One failed requirement: the key, the operator, the values asked for, and what the object has (None: absent)."""

    key: str
    operator: Operator
    values: tuple[str, ...]
    actual: str | None


@dataclass(frozen=True, slots=True)
class LabelSelector:
    requirements: tuple[Requirement, ...] = ()

    @property
    def is_empty(self) -> bool:
        """`{}`: matches everything."""
        return not self.requirements

    def matches(self, labels: Mapping[str, str]) -> bool:
        for req in self.requirements:
            if not req.admits(labels.get(req.key)):
                return False
        return True

    def matches_lookup(self, value_of: Callable[[str, str], str | None]) -> bool:
        """Match against labels looked up by (source, key)."""
        for req in self.requirements:
            if not req.admits(value_of(req.source, req.key)):
                return False
        return True

    def why_not(self, labels: Mapping[str, str]) -> tuple[SelectorMiss, ...]:
        """Every requirement the labels fail (empty when `matches`)."""
        misses: list[SelectorMiss] = []
        for req in self.requirements:
            value = labels.get(req.key)
            if not req.admits(value):
                misses.append(SelectorMiss(req.key, req.operator, req.values, value))
        return tuple(misses)

    def equality_labels(self) -> dict[str, str]:
        """The `key=value` pairs this selector pins (matchLabels, and In with a single value)."""
        out: dict[str, str] = {}
        for req in self.requirements:
            if req.operator in (Operator.EQUALS, Operator.IN) and len(req.values) == 1:
                out[req.key] = req.values[0]
        return out


# ---------------------------------------------------------------------------------------------------------------
# The string front end
# ---------------------------------------------------------------------------------------------------------------
class SelectorSyntaxError(ValueError):
    """A string selector that does not parse (the caller names the word or flag it came from)."""


_REQ_SET = re.compile(r"^\s*(!?)\s*([^\s=!(),]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_SET_OPERATORS = {"in": Operator.IN, "notin": Operator.NOT_IN}
_string_cache: dict[str, LabelSelector] = {}


def split_source(key: str) -> tuple[str, str]:
    """`k8s:app` -> ("k8s", "app"); `any:app` and `app` -> ("", "app"); an unknown prefix stays in the key."""
    src, sep, rest = key.partition(":")
    if sep and src in LABEL_SOURCES:
        return ("" if src == "any" else src), rest
    return "", key


def split_terms(selector: str) -> list[str]:
    """The comma-separated terms of a string selector (commas inside `( )` do not split)."""
    terms: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    terms.append("".join(cur))
    return [t.strip() for t in terms]


def parse_selector_string(selector: str) -> LabelSelector:
    """`k8s:app=db,tier!=web,!legacy,env in (a,b)` -> a LabelSelector (AND). Raises SelectorSyntaxError."""
    cached = _string_cache.get(selector)
    if cached is not None:
        return cached
    reqs: list[Requirement] = []
    for term in split_terms(selector):
        if not term:
            raise SelectorSyntaxError(selector)
        m = _REQ_SET.match(term)
        if m:
            src, key = split_source(m.group(2))
            values = tuple(v.strip() for v in m.group(4).split(",") if v.strip())
            reqs.append(Requirement(key, _SET_OPERATORS[m.group(3)], values, src))
            continue
        op: Operator
        values = ()
        if term.startswith("!"):
            src, key = split_source(term[1:].strip())
            op = Operator.DOES_NOT_EXIST
        elif "!=" in term:
            k, _, v = term.partition("!=")
            src, key = split_source(k.strip())
            op, values = Operator.NOT_IN, (v.strip(),)
        elif "=" in term:
            k, _, v = term.partition("=")
            v = v[1:] if v.startswith("=") else v
            src, key = split_source(k.strip())
            op, values = Operator.EQUALS, (v.strip(),)
        else:
            src, key = split_source(term)
            op = Operator.EXISTS
        if not key or any(c.isspace() for c in key):
            raise SelectorSyntaxError(selector)
        reqs.append(Requirement(key, op, values, src))
    result = LabelSelector(tuple(reqs))
    if len(_string_cache) > 1024:
        _string_cache.clear()
    _string_cache[selector] = result
    return result
