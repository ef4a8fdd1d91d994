"""Issue 11 point 17 (JSON part): `explain --json` keeps a bounded cache of explanation texts, and its lines are
byte for byte what json.dumps(..., ensure_ascii=False) wrote before msgspec encoded them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from netpol_tui.cli import jsonout, main
from netpol_tui.cli.commands import explain as explain_cmd
from netpol_tui.core.aggregate import ExplanationCache
from netpol_tui.core.contract import explanation_json, flow_block
from netpol_tui.demo import demo_flows, demo_snapshot
from netpol_tui.demo import scenario as demo_scenario

T0 = 1_764_151_200_000_000_000


def _drop_line() -> dict:
    for _, obj in demo_scenario.flows(T0, count=200):
        if obj["flow"].get("verdict") == "DROPPED":
            return obj
    raise AssertionError("the demo has drops")


def _distinct_drops(n: int) -> list[str]:
    """`n` drops that differ by destination port: `n` distinct explanations."""
    base = _drop_line()
    out = []
    for i in range(n):
        obj = copy.deepcopy(base)
        l4 = obj["flow"]["l4"]
        proto = next(iter(l4))
        l4[proto]["destination_port"] = 1000 + i
        out.append(json.dumps(obj))
    return out


@pytest.fixture
def cluster(tmp_path: Path) -> str:
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump_all(demo_scenario.cluster_objects()))
    return str(path)


def test_the_json_cache_stays_bounded_over_distinct_drops(
    tmp_path: Path, cluster: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "drops.jsonl"
    capture.write_text("\n".join(_distinct_drops(600)) + "\n")
    monkeypatch.setattr(jsonout, "DEFAULT_MAXSIZE", 50)
    made: list[jsonout.ExplanationLines] = []
    seen: set[int] = set()

    class Spy(jsonout.ExplanationLines):
        def __init__(self, maxsize: int | None = None) -> None:
            super().__init__(maxsize)
            made.append(self)

        def line(self, flow, expl):  # type: ignore[no-untyped-def]
            seen.add(id(expl))
            assert len(self) <= 50
            return super().line(flow, expl)

    monkeypatch.setattr(explain_cmd, "ExplanationLines", Spy)
    assert main(["explain", "--flows", str(capture), "--cluster", cluster, "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 600 and {json.loads(x)["flow"]["port"] for x in lines} == set(range(1000, 1600))
    assert len(made) == 1 and len(made[0]) == 50 and len(seen) > 500


def test_lines_are_what_json_dumps_wrote() -> None:
    snap = demo_snapshot()
    cache = ExplanationCache()
    lines = jsonout.ExplanationLines(maxsize=8)
    flows = demo_flows(400)
    assert any(f.verdict == "DROPPED" for f in flows)
    for flow in flows:
        expl = cache.explain(flow, snap)
        old = explanation_json(expl)  # what explain --json built and json.dumps wrote before
        old["flow"] = flow_block(flow, expl)
        assert lines.line(flow, expl) == json.dumps(old, ensure_ascii=False)


def test_the_command_output_is_json_dumps_of_itself(
    tmp_path: Path, cluster: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "flows.jsonl"
    capture.write_text("\n".join(json.dumps(o) for _, o in demo_scenario.flows(T0, count=300)) + "\n{bad\n")
    assert main(["explain", "--flows", str(capture), "--cluster", cluster, "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 301
    for line in out:
        assert line == json.dumps(json.loads(line), ensure_ascii=False)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_dumps_is_json_dumps_byte_for_byte(value: object) -> None:
    assert jsonout.dumps(value) == json.dumps(value, ensure_ascii=False)


def test_dumps_hostile_strings() -> None:
    for text in ("\x1b]52;c;AAAA\x07", "a\u2028b\u2029", "\ud800 lone", "\x00\x7f\x85", 'é"\\/', "🙂"):
        value = {"k" + text: [text, {"v": text}]}
        assert jsonout.dumps(value) == json.dumps(value, ensure_ascii=False)
