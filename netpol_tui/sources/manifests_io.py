"""Read Kubernetes objects from a file, a directory (recursively) or stdin: YAML (multi-document) or JSON.

Whatever kubectl reads loads here: `kubectl get namespaces,pods,networkpolicies -A -o yaml` (or `-o json`), one
JSON object, a JSON array or `List`, concatenated JSON objects (`{...}{...}`, `{...}\\n{...}`), JSON followed by
`---` YAML documents; UTF-8 with or without a byte-order mark, UTF-16 (LE/BE) and UTF-32 with one (what a
PowerShell `>` writes). Decoding problems (a YAML or JSON syntax error, an object nested deeper than MAX_DEPTH, a
file that cannot be read) become `Problem`s naming the file, the document and the line; the documents before and
after still load. The decoded dicts go to the core's one parser.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import yaml

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.manifests import ParseResult, parse_documents
from netpol_tui.core.model import Origin
from netpol_tui.core.problems import (
    EmptyDir,
    JsonSyntax,
    NoSuchPath,
    Problem,
    Unreadable,
    YamlAliasBomb,
    YamlSyntax,
)

SUFFIXES = (".yaml", ".yml", ".json")
# Deeper objects are refused before anything recurses into them (json, the core's parser, copies of raw
# objects). Kubernetes objects are a few levels deep; a CRD's OpenAPI schema a few dozen.
MAX_DEPTH = 128

try:  # the C loader is ~10x faster on big dumps; fall back when libyaml is missing
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader

_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


# YAML aliases share one object: a few lines of anchors can stand for billions of nodes ("billion laughs"), which
# every later walk (copies, comparisons, YAML and JSON writers) would expand. A document whose aliases add more
# than this many nodes beyond those written out is refused; real manifests use a few aliases, if any.
MAX_ALIAS_EXPANSION = 100_000


def _too_deep_message() -> str:
    return f"nested deeper than {MAX_DEPTH} levels"


def decode_text(data: bytes) -> str:
    """File bytes -> text: the encoding its byte-order mark names (the mark removed), else UTF-8.

    Raises UnicodeDecodeError when the bytes are not valid in that encoding.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding)
    return data.decode("utf-8")


def _documents(text: str, source: str, problems: list[Problem]) -> Iterator[tuple[Any, Origin]]:
    if text.startswith("\ufeff"):
        text = text[1:]
    if text.lstrip().startswith(("{", "[")):
        # JSON: one value, a concatenation of them, and perhaps `---` YAML documents after them
        head, tail_line = _json_head(text)
        if not tail_line:
            whole = _whole_json(text)
            if whole is not None:  # the common case: one object or one List, decoded at C speed
                items = whole if isinstance(whole, list) else [whole]
                for number, item in enumerate(items, 1):
                    yield item, Origin(source, number)
                return
        number = 0
        for number, value, origin in _json_documents(text[:head], source, problems):  # noqa: B007
            yield value, origin
        if tail_line:
            yield from _yaml_documents(text[head:], source, problems, number, tail_line - 1)
        return
    yield from _yaml_documents(text, source, problems, 0, 0)


def _whole_json(text: str) -> Any:
    """The text as one JSON value when it is exactly that and nested at most MAX_DEPTH deep, else None (then the
    span-by-span reader below finds every value and names every problem)."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict | list) or _nesting_exceeds(value):
        return None
    return value


_YAML_SEPARATOR = re.compile(r"^---[ \t]*(?:#.*)?\r?$", re.M)


def _json_head(text: str) -> tuple[int, int]:
    """(end of the JSON part, 1-based line where the YAML part starts or 0). A `---` line cannot sit inside a JSON
    value (JSON strings hold no raw newline), so the first one ends the JSON part."""
    m = _YAML_SEPARATOR.search(text)
    if m is None:
        return len(text), 0
    return m.start(), text.count("\n", 0, m.start()) + 1


# A JSON string (no raw newline in it: an unclosed quote then spoils only its own line) or a bracket
_JSON_TOKEN = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"|[\[\]{}]')


def _json_spans(text: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, too deep) of every top-level JSON value that is an object or an array, in order.

    Found by matching brackets outside strings, so nothing recurses however deep the text nests; the JSON
    decoder then sees only values known to be at most MAX_DEPTH deep.
    """
    depth = 0
    start = 0
    deep = False
    for m in _JSON_TOKEN.finditer(text):
        c = text[m.start()]
        if c == '"':
            continue
        if c == "{" or c == "[":
            if depth == 0:
                start, deep = m.start(), False
            depth += 1
            if depth > MAX_DEPTH:
                deep = True
        elif depth > 0:
            depth -= 1
            if depth == 0:
                yield start, m.end(), deep
    if depth > 0:  # unterminated: the decoder says where
        yield start, len(text), deep


def _json_documents(text: str, source: str, problems: list[Problem]) -> Iterator[tuple[int, Any, Origin]]:
    """(document number, value, origin) for each JSON value of `text`; a top-level array's items are documents."""
    number = 0
    done = 0  # end of the last value read
    line = 1  # line of `done`
    decode = json.JSONDecoder().raw_decode

    def line_at(pos: int) -> int:
        nonlocal done, line
        line += text.count("\n", done, pos)
        done = pos
        return line

    for start, end, deep in _json_spans(text):
        junk = text[done:start]
        if junk.strip():
            skipped = len(junk) - len(junk.lstrip())
            at = line_at(done + skipped)
            problems.append(
                _json_problem(source, number + 1, at, "expected '{' or '[' (a JSON object or list)")
            )
        at = line_at(start)
        number += 1
        if deep:
            problems.append(_json_problem(source, number, at, _too_deep_message()))
            line_at(end)
            continue
        try:
            value, stop = decode(text[start:end])
        except json.JSONDecodeError as exc:
            problems.append(_json_problem(source, number, at + exc.lineno - 1, exc.msg))
            line_at(end)
            continue
        line_at(end)
        if stop != end - start:  # cannot happen with matched brackets; be safe
            problems.append(_json_problem(source, number, at, "extra data"))
            continue
        if isinstance(value, list):
            number -= 1
            for item in value:
                number += 1
                yield number, item, Origin(source, number)
        else:
            yield number, value, Origin(source, number)
    rest = text[done:]
    if rest.strip():
        skipped = len(rest) - len(rest.lstrip())
        problems.append(
            _json_problem(
                source, number + 1, line_at(done + skipped), "expected '{' or '[' (a JSON object or list)"
            )
        )


def _json_problem(source: str, document: int, line: int, message: str) -> Problem:
    return JsonSyntax(Origin(source, document), line=line, message=message)


def _yaml_problem(source: str, document: int, line: int, message: str) -> Problem:
    return YamlSyntax(Origin(source, document), line=line, message=message)


def _yaml_documents(
    text: str, source: str, problems: list[Problem], numbered: int, line_offset: int
) -> Iterator[tuple[Any, Origin]]:
    """YAML documents, numbered after the `numbered` before them; lines shifted by `line_offset`."""
    # the whole stream at once (fast); on a syntax error, one document at a time so that the error costs only
    # its own document
    try:
        docs = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError:
        pass
    else:
        starts: list[int] | None = None
        aliases = "*" in text
        for number, doc in enumerate(docs, start=numbered + 1):
            if isinstance(doc, dict | list) and (
                _nesting_exceeds(doc) or (aliases and _alias_expansion_exceeds(doc))
            ):
                if starts is None:
                    starts = [start for start, body in _split_yaml(text) if body.strip()]
                index = number - numbered - 1
                line = starts[index] if index < len(starts) else 1
                refused = _refusal(doc, source, number, line + line_offset, aliases)
                if refused is not None:
                    problems.append(refused)
                    continue
            yield doc, Origin(source, number)
        return
    number = numbered
    for start_line, body in _split_yaml(text):
        if not body.strip():
            continue
        number += 1
        try:
            for doc in yaml.load_all(body, Loader=_Loader):
                refused = _refusal(doc, source, number, start_line + line_offset, "*" in body)
                if refused is not None:
                    problems.append(refused)
                    continue
                yield doc, Origin(source, number)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = start_line + mark.line if mark is not None else start_line
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            problems.append(_yaml_problem(source, number, line + line_offset, problem))


def _refusal(doc: Any, source: str, number: int, line: int, aliases: bool = True) -> Problem | None:
    """Why a decoded document is refused (too deep, or aliases expanding too far), or None. `aliases=False`:
    the text has no `*`, hence no alias (the expansion walk is skipped)."""
    if _nesting_exceeds(doc):
        return _yaml_problem(source, number, line, _too_deep_message())
    if aliases and _alias_expansion_exceeds(doc):
        return YamlAliasBomb(Origin(source, number), line=line, limit=MAX_ALIAS_EXPANSION)
    return None


def _alias_expansion_exceeds(doc: Any) -> bool:
    """Would expanding the document's shared containers (YAML aliases) add more than MAX_ALIAS_EXPANSION values?

    Counts, once per distinct container, the values it would hold expanded (memoized by identity, children
    before parents), and compares with the values written out once. Called after `_nesting_exceeds`, so the
    depth is bounded; a document without aliases has no shared container and costs one walk."""
    if not isinstance(doc, dict | list):
        return False
    expanded: dict[int, int] = {}
    distinct = 0
    stack: list[tuple[Any, bool]] = [(doc, False)]
    while stack:
        value, done = stack.pop()
        key = id(value)
        children = list(value.values()) if isinstance(value, dict) else value
        if done:
            total = 1
            for child in children:
                total += expanded[id(child)] if isinstance(child, dict | list) else 1
            expanded[key] = total
            continue
        if key in expanded:
            continue
        expanded[key] = 0  # visiting: aliases cannot form cycles in a constructed document we accept
        distinct += 1 + sum(1 for c in children if not isinstance(c, dict | list))
        stack.append((value, True))
        for child in children:
            if isinstance(child, dict | list) and id(child) not in expanded:
                stack.append((child, False))
    return expanded[id(doc)] - distinct > MAX_ALIAS_EXPANSION


def _nesting_exceeds(doc: Any) -> bool:
    """Is a decoded document nested deeper than MAX_DEPTH? Iterative, and each container is visited once (YAML
    aliases share them), so neither depth nor an alias bomb makes this costly."""
    if not isinstance(doc, dict | list):
        return False
    stack: list[tuple[Any, int]] = [(doc, 1)]
    seen: set[int] = set()
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if id(value) in seen:
            continue
        seen.add(id(value))
        for child in value.values() if isinstance(value, dict) else value:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


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
        try:
            text = _read_stdin(stdin or sys.stdin)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Unreadable(Origin("-"), message=str(exc)))
            text = ""
        result.extend(parse_documents(_documents(text, "-", problems)))
    else:
        root = Path(path)
        if not root.exists():
            problems.append(NoSuchPath(Origin(path)))
        else:
            files = _files(root)
            if root.is_dir() and not files:
                problems.append(EmptyDir(Origin(path)))
            for file in files:
                try:
                    text = decode_text(file.read_bytes())
                except (OSError, UnicodeDecodeError) as exc:
                    problems.append(Unreadable(Origin(str(file)), message=str(exc)))
                    continue
                result.extend(parse_documents(_documents(text, str(file), problems)))
    result.problems[:0] = problems
    return result


def load_cluster(path: str, stdin: TextIO | None = None) -> ClusterSnapshot:
    """A snapshot from files (see `load_manifests`); problems are kept on the snapshot for the caller to show."""
    parsed = load_manifests(path, stdin)
    source = "stdin" if path == "-" else os.path.abspath(path)
    return ClusterSnapshot.from_parse(parsed, source=source, taken_at=time.time())


def _read_stdin(stream: TextIO) -> str:
    """stdin as text; its bytes when there are any, so that a byte-order mark chooses the encoding."""
    raw = getattr(stream, "buffer", None)
    if raw is not None:
        return decode_text(raw.read())
    return stream.read()
