"""Values the API server would reject, checked as it checks them: port names, numbers, label keys and values.

Each check returns None when the value is valid, else a `Fault` (a StrEnum the wording turns into words). Parsers
(core/manifests.py, core/cilium/parse.py) raise their own problem with it, naming the file, object and field.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

__all__ = [
    "Fault",
    "ascii_number",
    "label_key_fault",
    "label_value_fault",
    "port_name_fault",
]

_ASCII_DIGITS = re.compile(r"[0-9]+")
_PORT_NAME_CHARS = re.compile(r"[a-z0-9-]+")
_NAME_PART = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?")
_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN = re.compile(rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*")

PORT_NAME_MAX = 15  # IANA service names
LABEL_NAME_MAX = 63  # a label key's name part, and a label value
LABEL_PREFIX_MAX = 253  # a DNS-1123 subdomain


class Fault(StrEnum):
    """Why a value is refused."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    NON_ASCII_DIGITS = "non_ascii_digits"
    # port names (IANA_SVC_NAME)
    PORT_NAME_CHARS = "port_name_chars"  # only a-z, 0-9 and '-'
    PORT_NAME_NO_LETTER = "port_name_no_letter"
    PORT_NAME_EDGE_HYPHEN = "port_name_edge_hyphen"
    PORT_NAME_DOUBLE_HYPHEN = "port_name_double_hyphen"
    # label keys and values
    LABEL_CHARS = "label_chars"  # alphanumerics, '-', '_', '.', starting and ending with an alphanumeric
    LABEL_PREFIX = "label_prefix"  # the part before '/' is not a DNS-1123 subdomain
    LABEL_PREFIX_TOO_LONG = "label_prefix_too_long"


def _non_ascii_digits(text: str) -> bool:
    return any(c.isdigit() and not c.isascii() for c in text)


def ascii_number(text: str) -> int | None:
    """The number a string of ASCII digits writes, else None (`'٨٠'`, `'+80'`, `' 80'` and `'8_0'` are not
    numbers, although Python's int() takes them)."""
    return int(text) if _ASCII_DIGITS.fullmatch(text) else None


@lru_cache(maxsize=65536)
def port_name_fault(text: str) -> Fault | None:
    """A named port as the API server accepts it (IANA_SVC_NAME): 1-15 characters of a-z, 0-9 and '-', at least
    one letter, no '-' at either end nor two in a row."""
    if not text:
        return Fault.EMPTY
    if _non_ascii_digits(text):
        return Fault.NON_ASCII_DIGITS
    if not _PORT_NAME_CHARS.fullmatch(text):
        return Fault.PORT_NAME_CHARS
    if len(text) > PORT_NAME_MAX:
        return Fault.TOO_LONG
    if not any("a" <= c <= "z" for c in text):
        return Fault.PORT_NAME_NO_LETTER
    if text.startswith("-") or text.endswith("-"):
        return Fault.PORT_NAME_EDGE_HYPHEN
    if "--" in text:
        return Fault.PORT_NAME_DOUBLE_HYPHEN
    return None


@lru_cache(maxsize=65536)
def label_key_fault(key: str) -> Fault | None:
    """A label key: an optional DNS-1123 subdomain prefix (at most 253 characters) and '/', then a name of 1-63
    alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric."""
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix:
            return Fault.LABEL_PREFIX
        if len(prefix) > LABEL_PREFIX_MAX:
            return Fault.LABEL_PREFIX_TOO_LONG
        if not _DNS_SUBDOMAIN.fullmatch(prefix):
            return Fault.LABEL_PREFIX
    if not name:
        return Fault.EMPTY
    return _name_fault(name)


@lru_cache(maxsize=65536)
def label_value_fault(value: str) -> Fault | None:
    """A label value: empty, or 1-63 alphanumerics, '-', '_' and '.', starting and ending with an alphanumeric."""
    if not value:
        return None
    return _name_fault(value)


def _name_fault(text: str) -> Fault | None:
    if len(text) > LABEL_NAME_MAX:
        return Fault.TOO_LONG
    if not _NAME_PART.fullmatch(text) or not text.isascii():
        return Fault.LABEL_CHARS
    return None
