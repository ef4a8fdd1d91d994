"""`explain --json` lines of flows with odd times and uuids (control characters, lone surrogates, quotes) are byte
for byte what json.dumps(..., ensure_ascii=False) writes, also when the explanation's text comes from the cache."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from netpol_tui.cli import jsonout
from netpol_tui.core.aggregate import ExplanationCache
from netpol_tui.core.contract import explanation_json, flow_block
from netpol_tui.demo import demo_flows, demo_snapshot

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "result.schema.json"
VALIDATOR = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
_SNAP = demo_snapshot()
_FLOWS = demo_flows(60)
_CACHE = ExplanationCache()


def _old_line(flow, expl) -> str:  # noqa: ANN001 - test helper
    obj = explanation_json(expl)
    obj["flow"] = flow_block(flow, expl)
    return json.dumps(obj, ensure_ascii=False)


HOSTILE = st.sampled_from(["", "2025-11-26T10:00:00Z", "\x00\x01", "a\u2028b", "\ud800", 'é"\\'])


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_lines_with_odd_times_and_uuids_are_json_dumps(data: st.DataObject) -> None:
    lines = jsonout.ExplanationLines(maxsize=4)
    for _ in range(4):  # the same ExplanationLines: later explanations come from its cache
        flow = data.draw(st.sampled_from(_FLOWS))
        flow = dataclasses.replace(
            flow,
            time=data.draw(HOSTILE | st.text(max_size=12)),
            uuid=data.draw(HOSTILE | st.text(max_size=12)),
            is_reply=data.draw(st.sampled_from([None, True, False])),
        )
        expl = _CACHE.explain(flow, _SNAP)
        line = lines.line(flow, expl)
        assert line == _old_line(flow, expl)
        obj = json.loads(line)
        VALIDATOR.validate(obj)  # `is_reply` among them: a required key, null when the flow does not say
        assert obj["flow"]["is_reply"] is flow.is_reply
