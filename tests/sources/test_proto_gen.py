"""The committed netpol_tui/_proto/ is exactly what scripts/gen_proto.py makes from proto/."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load_gen():
    spec = importlib.util.spec_from_file_location("gen_proto", REPO / "scripts" / "gen_proto.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


def test_generated_code_is_up_to_date(tmp_path: Path) -> None:
    pytest.importorskip("grpc_tools")
    gen = _load_gen()
    out = tmp_path / "_proto"
    written = gen.generate(out)
    committed = REPO / "netpol_tui" / "_proto"
    fresh = sorted(p.relative_to(out).as_posix() for p in written)
    existing = sorted(
        p.relative_to(committed).as_posix()
        for p in committed.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    assert fresh == existing
    for rel in fresh:
        assert (out / rel).read_bytes() == (committed / rel).read_bytes(), (
            f"{rel} differs: run scripts/gen_proto.py"
        )


def test_generated_imports_are_package_absolute() -> None:
    for path in (REPO / "netpol_tui" / "_proto").rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"^from (flow|relay|observer)[ .]", text, re.M), path
        assert not re.search(r"^import (flow|relay|observer)\b", text, re.M), path


def test_runtime_floors_match_the_generator() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    floors = {
        m.group(1): tuple(int(x) for x in m.group(2).split("."))
        for d in deps
        if (m := re.match(r"(grpcio|protobuf)>=([\d.]+)", d))
    }
    grpc_text = (REPO / "netpol_tui/_proto/observer/observer_pb2_grpc.py").read_text()
    generated_grpc = re.search(r"GRPC_GENERATED_VERSION = '([\d.]+)'", grpc_text).group(1)
    assert floors["grpcio"] == tuple(int(x) for x in generated_grpc.split("."))
    pb_text = (REPO / "netpol_tui/_proto/flow/flow_pb2.py").read_text()
    m = re.search(r"Domain\.PUBLIC,\s*(\d+),\s*(\d+),\s*(\d+),", pb_text)
    guard = tuple(int(x) for x in m.groups())
    # the runtime floor must satisfy the guard: same major, not older
    assert floors["protobuf"][0] == guard[0] and floors["protobuf"] >= guard


def test_method_paths_and_field_numbers() -> None:
    from netpol_tui._proto.flow import flow_pb2
    from netpol_tui._proto.observer import observer_pb2

    svc = observer_pb2.DESCRIPTOR.services_by_name["Observer"]
    assert {m.name for m in svc.methods} == {
        "GetFlows",
        "GetAgentEvents",
        "GetDebugEvents",
        "GetNodes",
        "GetNamespaces",
        "ServerStatus",
    }
    assert svc.methods_by_name["GetFlows"].full_name == "observer.Observer.GetFlows"
    assert svc.methods_by_name["GetFlows"].server_streaming is True
    assert svc.methods_by_name["ServerStatus"].server_streaming is False
    nums = {f.name: f.number for f in flow_pb2.Flow.DESCRIPTOR.fields}
    assert nums["uuid"] == 34 and nums["drop_reason_desc"] == 25 and nums["is_reply"] == 26
    assert nums["egress_denied_by"] == 21004 and nums["Summary"] == 100000 and nums["IP"] == 5
    ff = {f.name: f.number for f in flow_pb2.FlowFilter.DESCRIPTOR.fields}
    assert ff["source_pod"] == 2 and ff["destination_port"] == 14 and ff["drop_reason_desc"] == 33
    req = {f.name: f.number for f in observer_pb2.GetFlowsRequest.DESCRIPTOR.fields}
    assert req == {
        "number": 1,
        "follow": 3,
        "blacklist": 5,
        "whitelist": 6,
        "since": 7,
        "until": 8,
        "first": 9,
        "field_mask": 10,
        "experimental": 999,
        "extensions": 150000,
    }
    assert flow_pb2.DropReason.Value("POLICY_DENIED") == 133
    assert flow_pb2.DropReason.Value("DROP_PUNT_PROXY") == 205
    assert len(flow_pb2.DropReason.DESCRIPTOR.values) == 76  # 0 plus 130..205 without 159
    assert flow_pb2.TraceObservationPoint.Value("TO_ENDPOINT") == 101
