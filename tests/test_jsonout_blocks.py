"""`explain --json` flow blocks: the cached text of a block with the flow's time and uuid spliced in is byte for
byte what json.dumps(..., ensure_ascii=False) writes, hostile values included."""

from __future__ import annotations

import dataclasses
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from netpol_tui.cli import jsonout
from netpol_tui.core.aggregate import ExplanationCache
from netpol_tui.core.contract import explanation_json, flow_block
from netpol_tui.demo import demo_flows, demo_snapshot

_SNAP = demo_snapshot()
_FLOWS = demo_flows(60)
_CACHE = ExplanationCache()


def _old_line(flow, expl) -> str:  # noqa: ANN001 - test helper
    obj = explanation_json(expl)
    obj["flow"] = flow_block(flow, expl)
    return json.dumps(obj, ensure_ascii=False)


HOSTILE = st.sampled_from(["", "2025-11-26T10:00:00Z", jsonout._MARK, "a" + jsonout._MARK, "\ud800", 'é"\\'])


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_spliced_blocks_are_json_dumps(data: st.DataObject) -> None:
    lines = jsonout.ExplanationLines(maxsize=4)
    for _ in range(4):  # the same ExplanationLines: later blocks come from its cache
        flow = data.draw(st.sampled_from(_FLOWS))
        flow = dataclasses.replace(
            flow,
            time=data.draw(HOSTILE | st.text(max_size=12)),
            uuid=data.draw(HOSTILE | st.text(max_size=12)),
            is_reply=data.draw(st.sampled_from([None, True, False])),
        )
        expl = _CACHE.explain(flow, _SNAP)
        assert lines.line(flow, expl) == _old_line(flow, expl)


def test_blocks_are_reused_and_bounded(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(jsonout, "_MAX_BLOCKS", 5)
    lines = jsonout.ExplanationLines()
    for i, flow in enumerate(_FLOWS):
        flow = dataclasses.replace(flow, time=f"2025-11-26T10:00:{i % 60:02d}.5Z", uuid=f"u-{i}")
        expl = _CACHE.explain(flow, _SNAP)
        assert lines.line(flow, expl) == _old_line(flow, expl)
        assert 0 < len(lines._blocks) <= 5
    first = dataclasses.replace(_FLOWS[0], time="2025-11-26T11:00:00Z", uuid="x")
    lines.line(first, _CACHE.explain(first, _SNAP))
    size = len(lines._blocks)
    again = dataclasses.replace(first, time="2025-11-26T12:00:00Z", uuid="y")  # same block but time and uuid
    assert lines.line(again, _CACHE.explain(again, _SNAP)) == _old_line(again, _CACHE.explain(again, _SNAP))
    assert len(lines._blocks) == size
