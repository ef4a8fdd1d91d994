"""Read Kubernetes objects from a file, a directory (recursively) or stdin: YAML (multi-document) or JSON.

Whatever `kubectl get namespaces,pods,networkpolicies -A -o yaml` (or `-o json`) prints loads here. Decoding
problems (a YAML syntax error, a file that cannot be read) become `Problem`s naming the file and the document;
the documents before and after still load. The decoded dicts go to the core's one parser.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import yaml

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.manifests import ParseResult, parse_documents
from netpol_tui.core.model import Origin, Problem

SUFFIXES = (".yaml", ".yml", ".json")

try:  # the C loader is ~10x faster on big dumps; fall back when libyaml is missing
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


def _documents(text: str, source: str, problems: list[Problem]) -> Iterator[tuple[Any, Origin]]:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(
                Problem("json_syntax", Origin(source, 1), params=(("line", exc.lineno), ("message", exc.msg)))
            )
            return
        if isinstance(data, list):
            for i, item in enumerate(data, start=1):
                yield item, Origin(source, i)
        else:
            yield data, Origin(source, 1)
        return
    # YAML: the whole stream at once (fast); on a syntax error, one document at a time so that the error costs
    # only its own document
    try:
        docs = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError:
        pass
    else:
        for number, doc in enumerate(docs, start=1):
            yield doc, Origin(source, number)
        return
    for number, chunk in enumerate(_split_yaml(text), start=1):
        start_line, body = chunk
        if not body.strip():
            continue
        try:
            for doc in yaml.load_all(body, Loader=_Loader):
                yield doc, Origin(source, number)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = start_line + mark.line if mark is not None else start_line
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            problems.append(
                Problem("yaml_syntax", Origin(source, number), params=(("line", line), ("message", problem)))
            )


def _split_yaml(text: str) -> Iterator[tuple[int, str]]:
    """Split on `---` document markers, keeping the 1-based line where each document starts."""
    lines = text.splitlines(keepends=True)
    start = 1
    buf: list[str] = []
    for i, line in enumerate(lines, start=1):
        if line.startswith("---") and line[3:].strip() in ("", "|", ">") or line.rstrip() == "---":
            # text before the first `---` that is only comments/blank lines is not a document (YAML agrees):
            # counting it would shift every document number by one
            if buf and not (start == 1 and all(not b.strip() or b.lstrip().startswith("#") for b in buf)):
                yield start, "".join(buf)
            buf = []
            start = i + 1
            continue
        if line.startswith("...") and line.strip() == "...":
            continue
        buf.append(line)
    if buf:
        yield start, "".join(buf)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        found = [p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in SUFFIXES]
        return found
    return [path]


def load_manifests(path: str, stdin: TextIO | None = None) -> ParseResult:
    """Parse every object under `path` (a file, a directory read recursively, or "-" for stdin)."""
    problems: list[Problem] = []
    result = ParseResult()
    if path == "-":
        text = (stdin or sys.stdin).read()
        result.extend(parse_documents(_documents(text, "-", problems)))
    else:
        root = Path(path)
        if not root.exists():
            problems.append(Problem("no_such_path", Origin(path)))
        else:
            files = _files(root)
            if root.is_dir() and not files:
                problems.append(Problem("empty_dir", Origin(path)))
            for file in files:
                try:
                    text = file.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    problems.append(Problem("unreadable", Origin(str(file)), params=(("message", str(exc)),)))
                    continue
                result.extend(parse_documents(_documents(text, str(file), problems)))
    result.problems[:0] = problems
    return result


def load_cluster(path: str, stdin: TextIO | None = None) -> ClusterSnapshot:
    """A snapshot from files (see `load_manifests`); problems are kept on the snapshot for the caller to show."""
    parsed = load_manifests(path, stdin)
    source = "stdin" if path == "-" else os.path.abspath(path)
    return ClusterSnapshot.from_parse(parsed, source=source, taken_at=time.time())
