"""argparse `type=` functions for numeric flags: a bad value is a usage error naming the flag (exit status 2).

`int_range(low, high)` for whole numbers, `positive_float(high)` for durations and rates (finite, above 0).
Only ASCII is a number here: Python's int() and float() also take other scripts' digits ('٨٠' is 80 to them),
'1_000' and padding of any Unicode space; a flag takes ASCII digits, an optional sign and ASCII spaces around.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable

from netpol_tui.cli import wording as words

# bounds of the numeric flags (the meaningful range of each, not a guess of what users need)
MAX_BUFFER = 10_000_000  # flows kept in the TUI's memory
MAX_LAST = 2**63 - 1  # Hubble's `number` is a uint64; int64 keeps every gRPC/JSON layer exact
MAX_SECONDS = 86_400.0  # a connect timeout of a day is already "no timeout"
MAX_RATE = 1_000_000.0  # demo flows per second

_WHOLE = re.compile(r"[+-]?[0-9]{1,40}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_ASCII_SPACE = " \t"


def _ascii_text(text: str) -> str | None:
    """The flag's text without ASCII spaces around it; None when anything in it is not ASCII."""
    return text.strip(_ASCII_SPACE) if text.isascii() else None


def int_range(low: int, high: int) -> Callable[[str], int]:
    """A whole number from `low` to `high` (ASCII digits, an optional sign)."""

    def parse(text: str) -> int:
        body = _ascii_text(text)
        if body is None or not _WHOLE.fullmatch(body):
            raise argparse.ArgumentTypeError(words.not_a_whole_number(text))
        value = int(body)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(words.number_out_of_range(text, low, high))
        return value

    parse.__name__ = "whole number"
    return parse


def positive_float(high: float, zero: bool = False) -> Callable[[str], float]:
    """A finite number above 0 (or 0 itself with `zero`) and at most `high`."""

    def parse(text: str) -> float:
        body = _ascii_text(text)
        if body is None or not _DECIMAL.fullmatch(body):  # not '1_0', 'inf', 'nan', '0x1p3'
            raise argparse.ArgumentTypeError(words.not_a_number(text))
        value = float(body)
        if not math.isfinite(value) or not (0 < value or zero and value == 0) or value > high:
            if zero:
                raise argparse.ArgumentTypeError(words.number_out_of_range(text, 0, f"{high:g}"))
            raise argparse.ArgumentTypeError(words.number_not_positive(text, f"{high:g}"))
        return value

    parse.__name__ = "number"
    return parse


buffer_size = int_range(1, MAX_BUFFER)
flow_count = int_range(1, MAX_LAST)
local_port = int_range(0, 65535)
seconds = positive_float(MAX_SECONDS)
seconds_or_zero = positive_float(MAX_SECONDS, zero=True)
rate = positive_float(MAX_RATE)
ipv4_prefix = int_range(0, 32)

__all__ = [
    "buffer_size",
    "flow_count",
    "int_range",
    "ipv4_prefix",
    "local_port",
    "positive_float",
    "rate",
    "seconds",
    "seconds_or_zero",
]
