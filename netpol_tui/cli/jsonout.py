"""`explain --json` lines, fast and in bounded memory.

`dumps(obj)` is `json.dumps(obj, ensure_ascii=False)` to the byte (same key order, separators and escaping)
through msgspec's encoder, ~5x faster, for what the contract holds (str, int, bool, None, lists, str-keyed dicts:
no floats); what msgspec refuses (a lone surrogate, an int beyond 64 bits) falls back to json.dumps.

`ExplanationLines(maxsize)` turns (flow, explanation) into one line: identical flows share an explanation
(core ExplanationCache), so the text of everything but the `flow` block is encoded once per explanation and
kept in an LRU of at most `maxsize` explanations — never one entry per distinct drop for the whole run.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import msgspec

from netpol_tui.core.contract import explanation_json, flow_block
from netpol_tui.core.explain import Explanation
from netpol_tui.core.model import Flow

_encode = msgspec.json.Encoder().encode
_format = msgspec.json.format

DEFAULT_MAXSIZE = 4096  # explanations whose JSON text is kept (a few KB each)
_FLOW_HEAD = '{"flow": '


def dumps(obj: Any) -> str:
    """`json.dumps(obj, ensure_ascii=False)`, byte for byte, through msgspec."""
    try:
        return _format(_encode(obj), indent=0).decode()
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError):
        return json.dumps(obj, ensure_ascii=False)


class ExplanationLines:
    """(flow, explanation) -> its JSON line (without the newline); the explanation part from a bounded LRU."""

    def __init__(self, maxsize: int | None = None) -> None:
        self.maxsize = DEFAULT_MAXSIZE if maxsize is None else maxsize
        # id(explanation) -> (the explanation, kept so that its id is not reused; the text after the flow block)
        self._parts: OrderedDict[int, tuple[Explanation, str]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._parts)

    def _rest(self, expl: Explanation) -> str | None:
        """`, "allowed": ...}`: the object's text after its leading flow block (None: flow is not first)."""
        key = id(expl)
        found = self._parts.get(key)
        if found is not None and found[0] is expl:
            self._parts.move_to_end(key)
            return found[1]
        base = explanation_json(expl)
        if next(iter(base), None) != "flow":
            return None
        del base["flow"]
        text = dumps(base)
        rest = "}" if text == "{}" else ", " + text[1:]
        self._parts[key] = (expl, rest)
        if len(self._parts) > self.maxsize:
            self._parts.popitem(last=False)
        return rest

    def line(self, flow: Flow, expl: Explanation) -> str:
        rest = self._rest(expl)
        if rest is None:  # a contract change put another key first: the plain way
            obj = explanation_json(expl)
            obj["flow"] = flow_block(flow, expl)
            return dumps(obj)
        return _FLOW_HEAD + dumps(flow_block(flow, expl)) + rest


__all__ = ["DEFAULT_MAXSIZE", "ExplanationLines", "dumps"]
