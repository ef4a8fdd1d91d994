"""Times as Hubble writes them: RFC 3339 with up to nine fraction digits <-> Unix nanoseconds; Go-style durations.

Standard library only; fast on the hot path of reading captures (the seconds part of a time is cached).
"""

from __future__ import annotations

import calendar
import re
import time as _time

_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9})\d*)?(?:([Zz])|([+-])(\d\d):?(\d\d))?\Z"
)
_sec_cache: dict[str, int] = {}


def parse_time_ns(text: str) -> int:
    """RFC 3339 (`2021-11-10T10:40:56.465597700Z`, up to 9 fraction digits, `Z` or `+hh:mm`) -> Unix ns.

    Raises ValueError on anything else. Fast: the seconds part is cached (flows of one capture share it).
    A time without a zone is taken as UTC.
    """
    head = text[:19]
    secs = _sec_cache.get(head)
    if secs is not None and text[-1:] == "Z":  # fast path: a second already seen, UTC
        n = len(text)
        if n == 20:
            return secs * 1_000_000_000
        frac = text[20:-1]
        if text[19] == "." and 0 < len(frac) <= 9 and frac.isdigit() and frac.isascii():
            return secs * 1_000_000_000 + int(frac.ljust(9, "0"))
    m = _RFC3339.match(text)
    if m is None:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    secs = _sec_cache.get(head)
    if secs is None:
        y, mo, d, h, mi, s = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
        if not (1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s < 61):
            raise ValueError(f"not an RFC 3339 time: {text!r}")
        secs = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))
        if len(_sec_cache) > 4096:
            _sec_cache.clear()
        _sec_cache[head] = secs
    frac = m.group(7)
    nanos = int(frac.ljust(9, "0")) if frac else 0
    if m.group(9):
        offset = (int(m.group(10)) * 60 + int(m.group(11))) * 60
        secs = secs - offset if m.group(9) == "+" else secs + offset
    return secs * 1_000_000_000 + nanos


_fmt_cache: dict[int, str] = {}


def format_time_ns(time_ns: int) -> str:
    """Unix ns -> RFC 3339 UTC with 0, 3, 6 or 9 fraction digits, exactly as Hubble's JSON prints it."""
    secs, nanos = divmod(time_ns, 1_000_000_000)
    head = _fmt_cache.get(secs)
    if head is None:
        head = _time.strftime("%Y-%m-%dT%H:%M:%S", _time.gmtime(secs))
        if len(_fmt_cache) > 4096:
            _fmt_cache.clear()
        _fmt_cache[secs] = head
    if nanos == 0:
        return head + "Z"
    if nanos % 1_000_000 == 0:
        return f"{head}.{nanos // 1_000_000:03d}Z"
    if nanos % 1000 == 0:
        return f"{head}.{nanos // 1000:06d}Z"
    return f"{head}.{nanos:09d}Z"


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)")
_UNIT_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
    "d": 86400 * 10**9,
}


def parse_duration_ns(text: str) -> int:
    """Go-style duration (`90s`, `5m`, `1h30m`, `1.5h`, plus `d` for days) -> ns. ValueError otherwise."""
    pos, total = 0, 0.0
    text = text.strip()
    if not text:
        raise ValueError("empty duration")
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if m is None:
            raise ValueError(f"not a duration: {text!r}")
        total += float(m.group(1)) * _UNIT_NS[m.group(2)]
        pos = m.end()
    return int(total)
