"""Where cluster state comes from: `ClusterConfig` (files, or the kube API and how to reach it).

`load_snapshot(config)` is what `trace`, `explain`, `snapshot` and the TUI (with `--cluster`) call; the TUI
watches the kube API instead when there are no files (the kube source).

Files (`--cluster PATH`), as design/cli.md says: a path that is missing, unreadable, or in which nothing at all
could be parsed raises `ClusterUnusable` (the CLI: one line naming the path, exit 2); a readable path without
objects loads as an empty snapshot (`is_empty`, the CLI warns). Objects read twice (same kind/namespace/name) are
kept as problems (`duplicate_object`, both places named; the later wins). A snapshot directory written under RBAC
refusals carries them (snapshot_io's coverage file): they come back as the live source reports them
(`coverage.forbidden` and `kube_forbidden` problems), so what could not be read stays unknown.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import TextIO

from netpol_tui.core.cluster import ClusterSnapshot, Coverage
from netpol_tui.core.duplicates import duplicate_problems, find_duplicates
from netpol_tui.core.manifests import ParseResult
from netpol_tui.core.problems import EmptyDir, NoSuchPath, Problem, Unreadable
from netpol_tui.core.wording import problem_text
from netpol_tui.core.wording.inert import inert
from netpol_tui.sources.errors import SourceError
from netpol_tui.sources.manifests_io import load_manifests
from netpol_tui.sources.snapshot_io import read_coverage

# problems that make a path unusable whatever else was read
FATAL = (NoSuchPath, EmptyDir)


class ClusterUnusable(SourceError):
    """`--cluster PATH` cannot be used: missing, unreadable, or nothing in it could be parsed."""


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """`path`: a file, a directory or "-" (no kube API call then). Otherwise the kube API, resolved as kubectl
    does from `kubeconfig`/`context`; `namespace` limits the watch to one namespace."""

    path: str | None = None
    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None

    @property
    def from_files(self) -> bool:
        return bool(self.path)


def load_snapshot(config: ClusterConfig) -> ClusterSnapshot:
    """Files when `path` is given (see `load_files`); otherwise one full list from the kube API.
    Raises ClusterUnusable or KubeError (one line)."""
    if config.path:
        return load_files(config.path)
    from netpol_tui.sources import kube  # the live source (official kubernetes client)

    return kube.list_snapshot(
        kubeconfig=config.kubeconfig, context=config.context, namespace=config.namespace
    )


def _object_count(parsed: ParseResult) -> int:
    return (
        len(parsed.namespaces)
        + len(parsed.pods)
        + len(parsed.policies)
        + sum(parsed.skipped_kinds.values())
        + sum(parsed.not_evaluated.values())
        + _cilium_count(parsed)
    )


def _cilium_count(parsed: ParseResult) -> int:
    c = parsed.cilium
    return (
        len(c.policies)
        + len(c.groups)
        + len(c.nodes)
        + len(c.services)
        + len(c.endpoints)
        + (c.config is not None)
    )


def unusable_reason(path: str, parsed: ParseResult) -> Problem | None:
    """The problem that makes `path` unusable, or None: missing, a directory without manifest files, the path
    itself unreadable, or problems and not one object read."""
    for problem in parsed.problems:
        if isinstance(problem, FATAL):
            return problem
        if isinstance(problem, Unreadable) and problem.origin.source in (path, "-"):
            return problem
    if parsed.problems and _object_count(parsed) == 0:
        return parsed.problems[0]
    return None


def unusable_text(path: str, problem: Problem, flag: str = "--cluster") -> str:
    """`--cluster PATH: <why>` (one line); `flag` names another input of cluster objects (diff's --against)."""
    if isinstance(problem, NoSuchPath):
        why = "no such file or directory"
    else:
        why = problem_text(problem)
    return inert(f"{flag} {path}: {why}")


def empty_text(path: str) -> str:
    return inert(f"--cluster {path}: no objects found (an empty cluster: no pods, no policies)")


def is_empty(snapshot: ClusterSnapshot) -> bool:
    """No object at all was read (the CLI warns: every verdict would be judged against nothing)."""
    return (
        not (snapshot.namespaces or snapshot.pods or snapshot.policies or snapshot.skipped_kinds)
        and not snapshot.coverage.not_evaluated
        and snapshot.cilium is None
    )


def load_files(path: str, stdin: TextIO | None = None, *, flag: str = "--cluster") -> ClusterSnapshot:
    """A snapshot from a file, a directory (recursively) or "-" (stdin). Raises ClusterUnusable (naming `flag`)."""
    parsed = load_manifests(path, stdin)
    reason = unusable_reason(path, parsed)
    if reason is not None:
        raise ClusterUnusable(unusable_text(path, reason, flag))
    parsed.problems += duplicate_problems(find_duplicates(parsed.namespaces, parsed.pods, parsed.policies))
    not_evaluated = tuple(sorted(parsed.not_evaluated.items()))
    coverage = Coverage(not_evaluated=not_evaluated)
    if path != "-" and os.path.isdir(path):
        recorded = read_coverage(path)
        if recorded is not None:
            parsed.problems += recorded.problems
            coverage = Coverage(
                forbidden=recorded.forbidden,
                not_evaluated=not_evaluated,
                namespace_scope=recorded.namespace_scope,
            )
    source = "stdin" if path == "-" else os.path.abspath(path)
    return ClusterSnapshot.from_parse(parsed, source=source, taken_at=time.time(), coverage=coverage)


__all__ = [
    "ClusterConfig",
    "ClusterUnusable",
    "empty_text",
    "is_empty",
    "load_files",
    "load_snapshot",
    "unusable_reason",
    "unusable_text",
]
