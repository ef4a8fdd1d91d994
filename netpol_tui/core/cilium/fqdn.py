"""toFQDNs name matching (reference §5): matchName exact, matchPattern with `*` inside one label, `*` alone for
every name, and the `**.` prefix for one or more labels (1.19+). Case-insensitive; a final dot is ignored on
both sides."""

from __future__ import annotations

import re
from functools import lru_cache

from netpol_tui.core.cilium.model import FQDNPeer

_LABEL_CHARS = "[-a-z0-9_]"


def normalize(name: str) -> str:
    return name.strip().lower().rstrip(".")


@lru_cache(maxsize=4096)
def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The regex a matchPattern stands for (anchored)."""
    p = normalize(pattern)
    if p == "*":
        return re.compile(r"^.+$")
    prefix = ""
    if p.startswith("**."):
        prefix = rf"(?:{_LABEL_CHARS}+\.)+"
        p = p[3:]
    body = "".join(f"{_LABEL_CHARS}*" if ch == "*" else re.escape(ch) for ch in p)
    return re.compile(rf"^{prefix}{body}$")


def matches(peer: FQDNPeer, name: str) -> bool:
    n = normalize(name)
    if not n:
        return False
    if peer.match_name:
        return normalize(peer.match_name) == n
    return pattern_regex(peer.match_pattern).match(n) is not None


def first_match(peer: FQDNPeer, names: tuple[str, ...]) -> str | None:
    for name in names:
        if matches(peer, name):
            return name
    return None
