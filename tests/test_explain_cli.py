"""`netpol-tui explain` end to end through `netpol_tui.cli.main`: captures, JSON contract, errors in place, the
report, local filters, .gz, and one live run against the in-process Hubble-compatible server."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest
import yaml

from netpol_tui.cli import main
from netpol_tui.demo import scenario as demo_scenario

T0 = 1_764_151_200_000_000_000  # 2025-11-26T10:00:00Z
WORKER = "shop/worker-5c7d9f8b4-h3k9l"  # the demo's pod without DNS egress

CONTRACT_TOP = {"flow", "allowed", "egress", "ingress", "summary", "fixes", "case", "findings"}
FLOW_KEYS = {
    "source",
    "destination",
    "port",
    "protocol",
    "observed_verdict",
    "drop_reason",
    "traffic_direction",
    "time",
}
SIDE_KEYS = {"enforced", "isolated", "allowed", "policies"}
FIX_KEYS = {"side", "kind", "action", "target", "yaml", "opens_other_pairs"}


def demo_lines(count: int | None = None) -> list[str]:
    """One jsonpb line per demo TRAFFIC entry (in order), or `count` flows of the demo generator."""
    if count is None:
        rng = random.Random(3)
        objs = [
            demo_scenario.make_flow(e, T0 + i * 1000, rng, i + 1) for i, e in enumerate(demo_scenario.TRAFFIC)
        ]
    else:
        objs = [obj for _, obj in demo_scenario.flows(T0, count=count)]
    return [json.dumps(o) for o in objs]


@pytest.fixture
def cluster(tmp_path) -> str:
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump_all(demo_scenario.cluster_objects()))
    return str(path)


@pytest.fixture
def capture(tmp_path) -> str:
    path = tmp_path / "flows.jsonl"
    path.write_text("\n".join(demo_lines()) + "\n")
    return str(path)


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # rich: no wrapping in the report


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["explain", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv: str) -> tuple[int, list[dict]]:
    code, out, err = run(capsys, *argv, "--json")
    return code, [json.loads(line) for line in out.splitlines()]


def endpoint_of(key: str) -> str:
    return key if "/" in key else key


KINDS = ("NetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy")


def check_contract(obj: dict) -> None:
    assert CONTRACT_TOP <= set(obj), set(obj)
    assert FLOW_KEYS <= set(obj["flow"])
    for side in ("egress", "ingress"):
        assert SIDE_KEYS <= set(obj[side])
    for fix in obj["fixes"]:
        assert set(fix) == FIX_KEYS
        # in the dialect of what isolates that side: a CiliumNetworkPolicy where a Cilium policy does (issue 12)
        assert yaml.safe_load(fix["yaml"])["kind"] in KINDS
    assert isinstance(obj["summary"], str) and obj["summary"]


# ---------------------------------------------------------------------------------------------------------------
# --json
# ---------------------------------------------------------------------------------------------------------------
def test_json_one_object_per_flow_in_input_order(capsys, capture, cluster) -> None:
    code, objs = run_json(capsys, "--flows", capture, "--cluster", cluster)
    assert code == 0
    assert len(objs) == len(demo_scenario.TRAFFIC)
    for obj, entry in zip(objs, demo_scenario.TRAFFIC, strict=True):
        check_contract(obj)
        src, dst, port, proto, verdict, reason, direction, _ = entry
        f = obj["flow"]
        assert (f["source"], f["destination"], f["port"], f["protocol"]) == (src, dst, port, proto)
        assert (f["observed_verdict"], f["drop_reason"] or "", f["traffic_direction"]) == (
            verdict,
            reason,
            direction,
        )
        assert f["time"].startswith("2025-11-26T10:00:00")
    cases = [o["case"] for o in objs]
    assert cases[:6] == ["allowed"] * 6
    assert cases[6:] == ["policy_drop"] * 7 + ["not_a_policy_drop"]
    dns = objs[6]
    assert dns["allowed"] is False and dns["egress"]["allowed"] is False
    assert [x["code"] for x in dns["findings"]] == ["dns_egress"]
    assert "kube-dns" in dns["findings"][0]["yaml"]
    assert [(x["side"], x["action"], x["target"]) for x in dns["fixes"]] == [
        ("egress", "patch", "shop/worker-egress")
    ]
    assert objs[-1]["fixes"] == [] and objs[0]["fixes"] == []


def test_json_drops_only(capsys, capture, cluster) -> None:
    code, objs = run_json(capsys, "--flows", capture, "--cluster", cluster, "--drops-only")
    assert code == 0
    drops = [e for e in demo_scenario.TRAFFIC if e[4] == "DROPPED"]
    assert [(o["flow"]["source"], o["flow"]["destination"]) for o in objs] == [(e[0], e[1]) for e in drops]
    assert all(o["flow"]["observed_verdict"] == "DROPPED" for o in objs)


def test_json_malformed_lines_in_place(capsys, tmp_path, cluster) -> None:
    lines = demo_lines()
    lines.insert(2, "{not json")  # line 3
    lines.insert(5, json.dumps({"flow": {"verdict": "DROPPED", "l4": "tcp"}}))  # line 6: wrong type
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    code, objs = run_json(capsys, "--flows", str(path), "--cluster", cluster)
    assert code == 0
    assert len(objs) == len(lines)
    errors = [(i + 1, o) for i, o in enumerate(objs) if "error" in o]
    assert [(n, o["line"]) for n, o in errors] == [(3, 3), (6, 6)]
    assert all(isinstance(o["error"], str) and o["error"] and set(o) == {"error", "line"} for _, o in errors)
    good = [o for o in objs if "error" not in o]
    assert len(good) == len(demo_scenario.TRAFFIC)


def test_exit_2_only_when_nothing_could_be_read(capsys, tmp_path, cluster) -> None:
    path = tmp_path / "garbage.jsonl"
    path.write_text("nope\n[1, 2]\n")
    code, out, _ = run(capsys, "--flows", str(path), "--cluster", cluster, "--json")
    assert code == 2
    assert [json.loads(line)["line"] for line in out.splitlines()] == [1, 2]
    code, out, err = run(capsys, "--flows", str(tmp_path / "missing.jsonl"), "--cluster", cluster, "--json")
    assert code == 2 and out == "" and err.startswith("netpol-tui: ") and "Traceback" not in err
    # one good line among bad ones: exit 0
    path.write_text("nope\n" + demo_lines()[0] + "\n")
    assert run(capsys, "--flows", str(path), "--cluster", cluster, "--json")[0] == 0


def test_gz_capture_same_as_plain(capsys, tmp_path, capture, cluster) -> None:
    gz = tmp_path / "flows.jsonl.gz"
    gz.write_bytes(gzip.compress(Path(capture).read_bytes()))
    _, plain, _ = run(capsys, "--flows", capture, "--cluster", cluster, "--json")
    code, packed, _ = run(capsys, "--flows", str(gz), "--cluster", cluster, "--json")
    assert code == 0 and packed == plain and plain.count("\n") == len(demo_scenario.TRAFFIC)


# ---------------------------------------------------------------------------------------------------------------
# Filters (applied locally)
# ---------------------------------------------------------------------------------------------------------------
def test_filters_apply_locally(capsys, capture, cluster) -> None:
    _, objs = run_json(capsys, "--flows", capture, "--cluster", cluster, "--pod", WORKER)
    expected = [e for e in demo_scenario.TRAFFIC if WORKER in (e[0], e[1])]
    assert len(objs) == len(expected) == 3
    assert all(WORKER in (o["flow"]["source"], o["flow"]["destination"]) for o in objs)
    _, objs = run_json(capsys, "--flows", capture, "--cluster", cluster, "--verdict", "DROPPED")
    assert len(objs) == 8 and {o["flow"]["observed_verdict"] for o in objs} == {"DROPPED"}
    _, objs = run_json(
        capsys, "--flows", capture, "--cluster", cluster, "--verdict", "FORWARDED", "--pod", WORKER
    )
    assert [o["flow"]["destination"] for o in objs] == ["payments/payments-84d6b7c9f-t5r2e"]


# ---------------------------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------------------------
def test_report_lists_groups_by_count_with_explanation_and_fix(capsys, tmp_path, cluster) -> None:
    path = tmp_path / "many.jsonl"
    lines = demo_lines(count=400)
    path.write_text("\n".join(lines) + "\n")
    drops = [json.loads(x)["flow"] for x in lines if json.loads(x)["flow"]["verdict"] == "DROPPED"]
    code, out, err = run(capsys, "--flows", str(path), "--cluster", cluster)
    assert code == 0, err
    # 7 shop groups + the 5 Cilium mistakes of the orders namespace and the CCNP (issue 12)
    assert out.startswith(f"400 flows read, {len(drops)} dropped in 12 groups")
    counts = [int(line.split("×")[0]) for line in out.splitlines() if "×" in line]
    # both frontend → api entries are one group (same workloads, port, direction, reason)
    assert len(counts) == 12 and counts == sorted(counts, reverse=True) and sum(counts) == len(drops)
    # the DNS storm is the biggest group; its explanation, finding and verified fix follow its line
    top = out.split("\n\n")[1]
    assert "shop/worker → kube-system/coredns 53/UDP" in top
    assert "dropped — denied at egress of" in top
    assert "DNS is blocked" in top
    assert "Fix (egress): add a rule to NetworkPolicy shop/worker-egress — verified" in top
    assert "SERVICE_BACKEND_NOT_FOUND" in out and "No policy change will fix it" in out


def test_plain_report_is_what_rich_prints_to_a_pipe(capsys, monkeypatch, tmp_path, cluster) -> None:
    """To a pipe the report's lines are written directly (no rich rendering, no YAML lexing): the same bytes
    rich itself prints there, findings, fixes, merged patches and all; on a terminal rich still styles them."""
    from netpol_tui.cli import console

    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(demo_lines(count=400)) + "\n")
    code, plain, _ = run(capsys, "--flows", str(path), "--cluster", cluster)
    assert code == 0 and "Fix (egress)" in plain and "    kind: NetworkPolicy" in plain
    made: list[console.ReportLines] = []
    original = console.ReportLines.__init__

    def through_rich(self, file=None) -> None:  # type: ignore[no-untyped-def]
        original(self, file)
        assert self.plain  # capsys is not a terminal
        self.plain = False
        made.append(self)

    monkeypatch.setattr(console.ReportLines, "__init__", through_rich)
    code, rendered, _ = run(capsys, "--flows", str(path), "--cluster", cluster)
    assert made and code == 0
    assert rendered == plain


# ---------------------------------------------------------------------------------------------------------------
# Live: the in-process Hubble-compatible server
# ---------------------------------------------------------------------------------------------------------------
def test_live_server_last_50(capsys, cluster) -> None:
    from support.hubble_server import HubbleServer

    objs_in = [obj for _, obj in demo_scenario.flows(T0, count=80)]
    with HubbleServer(objs_in, host="127.0.0.1", port=0) as srv:
        code, objs = run_json(capsys, "--server", srv.address, "--last", "50", "--cluster", cluster)
    assert code == 0
    assert len(objs) == 50
    expected = [o["flow"] for o in objs_in[-50:]]
    assert [o["flow"]["uuid"] for o in objs] == [f["uuid"] for f in expected]
    for obj, f in zip(objs, expected, strict=True):
        check_contract(obj)
        assert obj["flow"]["observed_verdict"] == f["verdict"]
        if f["verdict"] == "DROPPED" and f["drop_reason_desc"] == "POLICY_DENIED":
            assert obj["case"] == "policy_drop" and obj["fixes"]
