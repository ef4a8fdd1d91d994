"""Objects read twice: the same kind/namespace/name in one file or across the files of a `--cluster` directory.

The later object replaces the earlier one (as `kubectl apply` of both would, and as ClusterSnapshot keeps them);
`find_duplicates` says where both were read so that the replacement is never silent. `duplicate_problems` turns
them into `DuplicateObject` problems for the sources to keep with the snapshot's other problems.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from netpol_tui.core.model import Namespace, Origin, Pod
from netpol_tui.core.policy import NetworkPolicy
from netpol_tui.core.problems import DuplicateObject


@dataclass(frozen=True, slots=True)
class Duplicate:
    """`kind` `name` ("namespace/name", or the name of a cluster-scoped object) read at `first`, then at
    `later`, which wins."""

    kind: str
    name: str
    first: Origin
    later: Origin


def find_duplicates(
    namespaces: Iterable[Namespace] = (), pods: Iterable[Pod] = (), policies: Iterable[NetworkPolicy] = ()
) -> list[Duplicate]:
    """Each object whose kind/namespace/name was already read, with the place of the one it replaces, in the
    order read (three copies give two duplicates: the 1st replaced by the 2nd, the 2nd by the 3rd)."""
    seen: dict[tuple[str, str], Origin] = {}
    found: list[Duplicate] = []
    objects: list[tuple[str, str, Origin]] = [("Namespace", ns.name, ns.origin) for ns in namespaces]
    objects += [("Pod", pod.key, pod.origin) for pod in pods]
    objects += [(pol.kind, pol.key if pol.namespace else pol.name, pol.origin) for pol in policies]
    for kind, name, origin in objects:
        before = seen.get((kind, name))
        if before is not None:
            found.append(Duplicate(kind, name, before, origin))
        seen[(kind, name)] = origin
    return found


def origin_place(origin: Origin) -> str:
    """`file, document N` (or the file alone)."""
    source = origin.source or "?"
    return source if origin.document is None else f"{source}, document {origin.document}"


def duplicate_problems(duplicates: Iterable[Duplicate]) -> list[DuplicateObject]:
    """One `DuplicateObject` problem each (the places as text); the problem's own origin is the later (winning)
    object's."""
    return [
        DuplicateObject(
            d.later, kind=d.kind, name=d.name, first=origin_place(d.first), later=origin_place(d.later)
        )
        for d in duplicates
    ]


__all__ = ["Duplicate", "duplicate_problems", "find_duplicates", "origin_place"]
