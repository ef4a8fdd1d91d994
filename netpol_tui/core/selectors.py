"""Kubernetes label selectors: matchLabels + matchExpressions, with the reason a selector does not match.

A `LabelSelector` is built once by the parser (core/manifests.py) and then only matched. `matches()` is the fast
path; `why_not()` lists every requirement the labels fail, as data (`SelectorMiss`), for the explanation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
EQUALS = "="  # the operator a matchLabels entry stands for


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: str  # "=", In, NotIn, Exists, DoesNotExist
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op == EQUALS or op == "In":
            value = labels.get(self.key)
            return value is not None and value in self.values
        if op == "NotIn":
            value = labels.get(self.key)
            return value is None or value not in self.values
        if op == "Exists":
            return self.key in labels
        if op == "DoesNotExist":
            return self.key not in labels
        return False  # unreachable: the parser rejects unknown operators


@dataclass(frozen=True, slots=True)
class SelectorMiss:
    """One failed requirement: the key, the operator, the values asked for, and what the object has (None: absent)."""

    key: str
    operator: str
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
            if not req.matches(labels):
                return False
        return True

    def why_not(self, labels: Mapping[str, str]) -> tuple[SelectorMiss, ...]:
        return tuple(
            SelectorMiss(req.key, req.operator, req.values, labels.get(req.key))
            for req in self.requirements
            if not req.matches(labels)
        )

    def equality_labels(self) -> dict[str, str]:
        """The `key=value` pairs this selector pins (matchLabels, and In with a single value)."""
        out: dict[str, str] = {}
        for req in self.requirements:
            if req.operator in (EQUALS, "In") and len(req.values) == 1:
                out[req.key] = req.values[0]
        return out

    def to_dict(self) -> dict:
        """Back to the Kubernetes shape (matchLabels for '=' requirements, matchExpressions for the rest)."""
        match_labels = {r.key: r.values[0] for r in self.requirements if r.operator == EQUALS}
        exprs = []
        for r in self.requirements:
            if r.operator == EQUALS:
                continue
            e: dict = {"key": r.key, "operator": r.operator}
            if r.operator in ("In", "NotIn"):
                e["values"] = list(r.values)
            exprs.append(e)
        out: dict = {}
        if match_labels:
            out["matchLabels"] = match_labels
        if exprs:
            out["matchExpressions"] = exprs
        return out


EVERYTHING = LabelSelector()


def from_labels(labels: Mapping[str, str]) -> LabelSelector:
    """A selector pinning exactly these labels (matchLabels)."""
    return LabelSelector(tuple(Requirement(k, EQUALS, (v,)) for k, v in sorted(labels.items())))
