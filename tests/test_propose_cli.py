"""`netpol-tui propose` end to end through `netpol_tui.cli.main`: the YAML stream on stdout, --out DIR, the summary
on stderr, exit statuses 0/1/2, stdin and .gz captures, and one live run against the in-process Hubble server."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from netpol_tui.cli import main
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.manifests import parse_objects
from netpol_tui.core.propose import UNSTABLE_LABELS
from netpol_tui.demo import scenario as demo_scenario

T0 = 1_790_000_000_000_000_000


def demo_objs(count: int = 2000) -> list[dict[str, Any]]:
    return [obj for _, obj in demo_scenario.flows(T0, count=count)]


@pytest.fixture
def cluster(tmp_path: Path) -> str:
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump_all(demo_scenario.cluster_objects()))
    return str(path)


@pytest.fixture
def capture(tmp_path: Path) -> str:
    path = tmp_path / "flows.jsonl"
    path.write_text("".join(json.dumps(o) + "\n" for o in demo_objs()))
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["propose", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def forwarded_connections(objs: list[dict[str, Any]]) -> set[tuple[str, str, int, str]]:
    out = set()
    for o in objs:
        f = o["flow"]
        if f.get("verdict") != "FORWARDED" or f.get("is_reply"):
            continue
        l4 = f.get("l4") or {}
        for proto in ("TCP", "UDP", "SCTP"):
            if proto in l4:
                src = f["source"]
                dst = f["destination"]
                s = f"{src['namespace']}/{src['pod_name']}" if src.get("pod_name") else f["IP"]["source"]
                d = f"{dst['namespace']}/{dst['pod_name']}" if dst.get("pod_name") else f["IP"]["destination"]
                out.add((s, d, int(l4[proto]["destination_port"]), proto))
    return out


def check_stream(
    text: str, cluster: str, objs: list[dict[str, Any]], namespaces: set[str] | None = None
) -> list[Any]:
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    assert docs
    for d in docs:
        assert d["apiVersion"] == "networking.k8s.io/v1" and d["kind"] == "NetworkPolicy"
        assert d["metadata"]["namespace"]
        assert not set(d["spec"]["podSelector"].get("matchLabels", {})) & UNSTABLE_LABELS
    parsed = parse_objects(docs)
    assert not parsed.problems
    base = ClusterSnapshot.from_parse(parse_objects(list(yaml.safe_load_all(Path(cluster).read_text()))))
    after = base.with_changes(policies=parsed.policies)
    ev = after.evaluator
    checked = 0
    for s, d, port, proto in forwarded_connections(objs):
        sp, dp = after.pod(s), after.pod(d)
        if namespaces is not None and not ({p.namespace for p in (sp, dp) if p is not None} & namespaces):
            continue
        ss = ev.subject_for_pod(sp) if sp else ev.subject_for_ip(s)
        ds = ev.subject_for_pod(dp) if dp else ev.subject_for_ip(d)
        assert ev.evaluate(ss, ds, port, proto).allowed, (s, d, port, proto)
        checked += 1
    assert checked
    return docs


def test_yaml_stream_on_stdout_keeps_every_observed_connection(
    capsys: Any, cluster: str, capture: str
) -> None:
    code, out, err = run(capsys, "--flows", capture, "--cluster", cluster)
    assert code == 0, err
    docs = check_stream(out, cluster, demo_objs())
    names = {(d["metadata"]["namespace"], d["metadata"]["name"]) for d in docs}
    assert ("shop", "default-deny-all") in names and ("shop", "allow-dns-egress") in names
    assert "observed connections covered" in err and "all verified allowed" in err
    assert "ordered pairs of distinct pods" in err
    assert out.count("\n---\n") == len(docs) - 1


def test_namespace_flag_limits_the_proposal(capsys: Any, cluster: str, capture: str) -> None:
    code, out, err = run(capsys, "--flows", capture, "--cluster", cluster, "-n", "shop")
    assert code == 0, err
    docs = check_stream(out, cluster, demo_objs(), {"shop"})
    assert {d["metadata"]["namespace"] for d in docs} == {"shop"}
    assert "1 namespace (shop)" in err


def test_out_dir_one_file_per_policy_never_overwritten_silently(
    capsys: Any, cluster: str, capture: str, tmp_path: Path
) -> None:
    out_dir = tmp_path / "new" / "policies"
    code, out, err = run(capsys, "--flows", capture, "--cluster", cluster, "--out", str(out_dir))
    assert code == 0 and out == ""
    files = sorted(out_dir.iterdir())
    assert files and all(f.name.startswith("NetworkPolicy-") for f in files)
    for f in files:
        doc = yaml.safe_load(f.read_text())
        assert f.name == f"NetworkPolicy-{doc['metadata']['namespace']}-{doc['metadata']['name']}.yaml"
    files[0].write_text("# mine\n")
    code, out, err = run(capsys, "--flows", capture, "--cluster", cluster, "--out", str(out_dir))
    assert code == 2 and "exist" in err and "--force" in err
    assert files[0].read_text() == "# mine\n"
    code, out, err = run(capsys, "--flows", capture, "--cluster", cluster, "--out", str(out_dir), "--force")
    assert code == 0 and yaml.safe_load(files[0].read_text())["kind"] == "NetworkPolicy"


def test_missing_cluster_path_is_exit_2_naming_it(capsys: Any, capture: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    code, out, err = run(capsys, "--flows", capture, "--cluster", str(missing))
    assert code == 2 and out == "" and str(missing) in err and "Traceback" not in err


def test_bad_input_is_exit_2(capsys: Any, cluster: str, tmp_path: Path) -> None:
    code, out, err = run(capsys, "--flows", str(tmp_path / "none.jsonl"), "--cluster", cluster)
    assert code == 2 and out == "" and "none.jsonl" in err
    junk = tmp_path / "junk.jsonl"
    junk.write_text('not json\n{"also": \n')
    code, out, err = run(capsys, "--flows", str(junk), "--cluster", cluster)
    assert code == 2 and out == "" and "line 1" in err and "no flow could be read" in err
    with pytest.raises(SystemExit) as exc:  # a usage error of the parser (issue 11 point 6)
        run(capsys, "--flows", str(junk), "--cluster", cluster, "--cidr-prefix", "40")
    assert exc.value.code == 2 and "--cidr-prefix" in capsys.readouterr().err


def test_unknown_namespace_is_exit_2(capsys: Any, cluster: str, capture: str) -> None:
    code, out, err = run(capsys, "--flows", capture, "--cluster", cluster, "-n", "nope")
    assert code == 2 and out == "" and "nope" in err


def _flow(src: tuple[str, str, str, str], dst: tuple[str, str, str, str], port: int) -> str:
    def ep(e: tuple[str, str, str, str]) -> dict[str, Any]:
        return {"namespace": e[0], "pod_name": e[1], "labels": [f"k8s:{e[3]}"] if e[3] else []}

    return json.dumps(
        {
            "flow": {
                "time": "2026-11-26T10:00:00Z",
                "verdict": "FORWARDED",
                "IP": {"source": src[2], "destination": dst[2], "ipVersion": "IPv4"},
                "l4": {"TCP": {"source_port": 40000, "destination_port": port}},
                "source": ep(src),
                "destination": ep(dst),
                "is_reply": False,
                "Type": "L3_L4",
            }
        }
    )


def test_no_proposal_is_exit_1_and_nothing_written(capsys: Any, tmp_path: Path) -> None:
    objs = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "x", "namespace": "a"},  # a bare pod without any label
            "status": {"podIP": "10.0.0.1"},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "y", "namespace": "a", "labels": {"app": "y"}},
            "status": {"podIP": "10.0.0.2"},
        },
    ]
    cluster = tmp_path / "c.yaml"
    cluster.write_text(yaml.safe_dump_all(objs))
    flows = tmp_path / "f.jsonl"
    flows.write_text(_flow(("a", "x", "10.0.0.1", ""), ("a", "y", "10.0.0.2", "app=y"), 80) + "\n")
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "--flows", str(flows), "--cluster", str(cluster), "--out", str(out_dir))
    assert code == 1 and out == "" and not out_dir.exists()
    assert "no proposal keeps every observed connection allowed" in err
    assert "a/x -> a/y 80/TCP" in err and "a/x (Pod)" in err


def test_stdin_and_gz_captures(
    capsys: Any, cluster: str, capture: str, tmp_path: Path, monkeypatch: Any
) -> None:
    code, plain, _ = run(capsys, "--flows", capture, "--cluster", cluster)
    gz = tmp_path / "flows.jsonl.gz"
    gz.write_bytes(gzip.compress(Path(capture).read_bytes()))
    code_gz, from_gz, _ = run(capsys, "--flows", str(gz), "--cluster", cluster)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(Path(capture).read_bytes())))
    code_in, from_stdin, _ = run(capsys, "--flows", "-", "--cluster", cluster)
    assert code == code_gz == code_in == 0
    assert plain == from_gz == from_stdin and plain


def test_control_characters_from_the_flows_are_escaped_in_the_summary(capsys: Any, tmp_path: Path) -> None:
    cluster = tmp_path / "c.yaml"
    cluster.write_text(
        yaml.safe_dump_all([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}])
    )
    flows = tmp_path / "f.jsonl"
    flows.write_text(_flow(("a", "x\x1b[31m", "10.0.0.1", ""), ("a", "y", "10.0.0.2", "app=y"), 80) + "\n")
    code, out, err = run(capsys, "--flows", str(flows), "--cluster", str(cluster))
    assert code == 1 and "\x1b" not in err and "\\x1b[31m" in err


def test_live_server_last_n(capsys: Any, cluster: str) -> None:
    from support.hubble_server import HubbleServer

    objs = demo_objs(400)
    with HubbleServer(objs, host="127.0.0.1", port=0) as srv:
        code, out, err = run(capsys, "--server", srv.address, "--last", "300", "--cluster", cluster)
    assert code == 0, err
    check_stream(out, cluster, objs[-300:])


def test_since_filters_a_capture_locally(capsys: Any, cluster: str, capture: str) -> None:
    code, out, err = run(capsys, "--flows", capture, "--cluster", cluster, "--since", "2999-01-01T00:00:00Z")
    assert code == 2 and out == "" and "no flow since 2999-01-01T00:00:00Z (--since)" in err
    code, out, err = run(capsys, "--flows", capture, "--cluster", cluster, "--since", "yesterday-ish")
    assert code == 2 and "--since" in err


def test_policies_the_verification_cannot_see_are_said(capsys: Any, capture: str, tmp_path: Path) -> None:
    cnp = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "l7", "namespace": "shop"},
        "spec": {"endpointSelector": {}},
    }
    cluster = tmp_path / "c.yaml"
    cluster.write_text(yaml.safe_dump_all([*demo_scenario.cluster_objects(), cnp]))
    code, out, err = run(capsys, "--flows", capture, "--cluster", str(cluster), "-n", "shop")
    assert code == 0 and out
    first = err.splitlines()[0]
    # either the core does not evaluate Cilium kinds (then the verification says it cannot see them), or it does
    # (then the evaluator that verified the proposal judged the CNP together with the NetworkPolicies)
    evaluated = ClusterSnapshot.from_parse(
        parse_objects(list(yaml.safe_load_all(cluster.read_text())))
    ).coverage
    if evaluated.not_evaluated:
        assert first.startswith("netpol-tui: warning: 1 CiliumNetworkPolicy ")
    else:
        assert "all verified allowed" in first
