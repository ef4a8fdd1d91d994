"""Typed readers of manifest fields, shared by the NetworkPolicy parser (core/manifests.py) and the Cilium parser
(core/cilium/parse*.py): each returns the value with its type or raises `FieldError` carrying the problem, named
by its field path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netpol_tui.core.problems import MissingField, Problem, WrongType


class FieldError(ValueError):
    """A field problem inside one object: the problem with its `field`; the object and origin are filled in
    where the object is known."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


def map_field(value: Any, path: str, *, required: bool = False) -> Mapping[str, Any]:
    if value is None:
        if required:
            raise FieldError(MissingField(field=path))
        return {}
    if not isinstance(value, Mapping):
        raise FieldError(WrongType(field=path, want="object", got=type(value).__name__))
    return value


def list_field(value: Any, path: str) -> list[Any] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise FieldError(WrongType(field=path, want="list", got=type(value).__name__))
    return value


def str_field(value: Any, path: str, *, required: bool = False) -> str:
    if value is None:
        if required:
            raise FieldError(MissingField(field=path))
        return ""
    if not isinstance(value, str):
        raise FieldError(WrongType(field=path, want="string", got=type(value).__name__))
    return value
