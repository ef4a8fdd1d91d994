"""Text from outside (the cluster, the flows, a server's error details) made safe to print on a terminal.

`inert(text)` escapes every character that is not printable — C0/C1 control characters (ESC, BEL, CR, ...),
DEL, line and paragraph separators, bidi controls and other format characters — visibly, the way Python writes
them in a string literal (`\\x1b`, `\\n`, `\\u202e`), so an escape sequence hidden in a pod name or an error
detail shows as text instead of acting on the terminal. A backslash is kept as it is. JSON output does not need
this (JSON escapes control characters itself).
"""

from __future__ import annotations


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


__all__ = ["inert"]
