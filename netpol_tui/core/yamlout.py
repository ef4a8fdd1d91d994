"""A small YAML writer for the objects we propose (dicts, lists, strings, numbers, booleans, None).

The core must not import PyYAML, yet a fix is shown and copied as YAML that `kubectl apply -f -` accepts. Output is
block style, keys in insertion order, strings quoted whenever a YAML reader could take them for something else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./-]*$")
_RESERVED = {
    "y",
    "n",
    "yes",
    "no",
    "on",
    "off",
    "true",
    "false",
    "null",
    "~",
    "none",
}


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


def _key(key: object) -> str:
    return _scalar(str(key))


def _emit(value: object, indent: int, out: list[str]) -> None:
    pad = "  " * indent
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, dict) and v:
                out.append(f"{pad}{_key(k)}:")
                _emit(v, indent + 1, out)
            elif isinstance(v, list) and v:
                out.append(f"{pad}{_key(k)}:")
                _emit(v, indent, out)  # kubectl style: list items at the key's indentation
            else:
                out.append(f"{pad}{_key(k)}: {_inline(v)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                sub: list[str] = []
                _emit(item, indent + 1, sub)
                first = sub[0].lstrip()
                out.append(f"{pad}- {first}")
                out.extend(sub[1:])
            elif isinstance(item, list) and item:
                sub = []
                _emit(item, indent + 1, sub)
                out.append(f"{pad}-")
                out.extend(sub)
            else:
                out.append(f"{pad}- {_inline(item)}")
    else:
        out.append(f"{pad}{_inline(value)}")


def _inline(value: object) -> str:
    if isinstance(value, dict):
        return "{}" if not value else json.dumps(value)
    if isinstance(value, list):
        return "[]" if not value else json.dumps(value)
    return _scalar(value)


def dump(value: object) -> str:
    """YAML text for one document (ends with a newline)."""
    out: list[str] = []
    _emit(value, 0, out)
    return "\n".join(out) + "\n"


def dump_all(values: Iterable[object]) -> str:
    return "---\n".join(dump(v) for v in values)
