"""Text from outside (the cluster, the flows, a server's error details) made safe to print on a terminal.

`inert(text)` escapes every character that is not printable — C0/C1 control characters (ESC, BEL, CR, ...),
DEL, line and paragraph separators, bidi controls and other format characters — visibly, the way Python writes
them in a string literal (`\\x1b`, `\\n`, `\\u202e`), so an escape sequence hidden in a pod name or an error
detail shows as text instead of acting on the terminal. A backslash is kept as it is. JSON output does not need
this (JSON escapes control characters itself).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec

_P = ParamSpec("_P")


def inert(text: str) -> str:
    """`text` with every non-printable character escaped visibly (printable text is returned unchanged)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def inert_lines(text: str) -> str:
    """`inert` line by line: the line breaks of a multi-line sentence are kept, every other non-printable
    character is escaped."""
    if text.isprintable():
        return text
    return "\n".join(inert(line) for line in text.split("\n"))


def inert_result(fn: Callable[_P, str]) -> Callable[_P, str]:
    """A sentence function whose result is made inert (`inert_lines`): whatever name, label or reason from the
    cluster or the flows it interpolates, the sentence it returns is safe to print. Idempotent, so sentences
    built from other sentences are fine."""

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> str:
        return inert_lines(fn(*args, **kwargs))

    return wrapper


__all__ = ["inert", "inert_lines", "inert_result"]
