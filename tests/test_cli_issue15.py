"""Issue 15's command-line points: `explain --exit-code` (12), hubble-observe flags (9), output to a pipe (11),
merged fixes and `--fixes-out` (1). Run through `netpol_tui.cli.main` over the demo's cluster and flows."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml

from netpol_tui.cli import main
from netpol_tui.demo import scenario as demo_scenario

T0 = 1_764_151_200_000_000_000  # 2025-11-26T10:00:00Z


def demo_objs() -> list[dict]:
    rng = random.Random(3)
    return [
        demo_scenario.make_flow(e, T0 + i * 1000, rng, i + 1) for i, e in enumerate(demo_scenario.TRAFFIC)
    ]


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(yaml.safe_dump_all(demo_scenario.cluster_objects()))
    flows = tmp_path / "flows.json"
    flows.write_text("".join(json.dumps(o) + "\n" for o in demo_objs()))
    return str(cluster), str(flows)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- 12. explain --exit-code -------------------------------------------------------------------------------------
@pytest.mark.parametrize("json_out", [False, True])
def test_exit_code_is_1_when_a_flow_is_denied(capsys, files, json_out: bool) -> None:
    cluster, flows = files
    extra = ["--json"] if json_out else []
    assert run(capsys, "explain", "--flows", flows, "--cluster", cluster, *extra)[0] == 0
    assert run(capsys, "explain", "--flows", flows, "--cluster", cluster, "--exit-code", *extra)[0] == 1
    # only the flows the policies allow: 0 even with --exit-code
    code, out, _ = run(
        capsys,
        "explain",
        "--flows",
        flows,
        "--cluster",
        cluster,
        "--exit-code",
        "--verdict",
        "FORWARDED",
        *extra,
    )
    assert code == 0 and out


def test_exit_code_stays_2_for_unusable_input(capsys, files, tmp_path: Path) -> None:
    cluster, _ = files
    bad = tmp_path / "bad.json"
    bad.write_text("not json\n")
    assert run(capsys, "explain", "--flows", str(bad), "--cluster", cluster, "--exit-code")[0] == 2


# ---- 9. hubble observe flags -------------------------------------------------------------------------------------
def _uuids(out: str) -> list[str]:
    return [json.loads(line)["flow"]["uuid"] for line in out.splitlines()]


def _expected(pred) -> list[str]:
    return [o["flow"]["uuid"] for o in demo_objs() if pred(o["flow"])]


def _ports(f: dict) -> tuple[int, int]:
    l4 = next(iter(f["l4"].values()))
    return l4.get("source_port", 0), l4.get("destination_port", 0)


def test_port_flags_either_side_and_one_side(capsys, files) -> None:
    cluster, flows = files
    dst_port = _ports(demo_objs()[0]["flow"])[1]
    # the source port of a flow to another port: --port matches it on the source side only
    src_port = next(_ports(o["flow"])[0] for o in demo_objs() if _ports(o["flow"])[1] != dst_port)
    base = ("explain", "--flows", flows, "--cluster", cluster, "-o", "json")
    _, out, _ = run(capsys, *base, "--to-port", str(dst_port))
    assert _uuids(out) == _expected(lambda f: _ports(f)[1] == dst_port) != []
    _, out, _ = run(capsys, *base, "--from-port", str(src_port))
    assert _uuids(out) == _expected(lambda f: _ports(f)[0] == src_port) != []
    _, out, _ = run(capsys, *base, "--port", str(src_port), "--port", str(dst_port))
    both = _expected(lambda f: bool({src_port, dst_port} & set(_ports(f))))
    assert _uuids(out) == both and len(both) > len(_expected(lambda f: _ports(f)[1] == dst_port))


def test_ip_flags(capsys, files) -> None:
    cluster, flows = files
    first = demo_objs()[0]["flow"]["IP"]
    base = ("explain", "--flows", flows, "--cluster", cluster, "--json")
    _, out, _ = run(capsys, *base, "--from-ip", first["source"])
    assert _uuids(out) == _expected(lambda f: f["IP"]["source"] == first["source"]) != []
    _, out, _ = run(capsys, *base, "--to-ip", first["source"])
    assert _uuids(out) == _expected(lambda f: f["IP"]["destination"] == first["source"])
    _, out, _ = run(capsys, *base, "--ip", first["source"] + "/32")
    assert _uuids(out) == _expected(lambda f: first["source"] in (f["IP"]["source"], f["IP"]["destination"]))
    code, out, err = run(capsys, *base, "--to-ip", "nope")
    assert code == 2 and "--to-ip nope" in err and out == ""


def test_o_json_is_json(capsys, files) -> None:
    cluster, flows = files
    _, out_o, _ = run(capsys, "explain", "--flows", flows, "--cluster", cluster, "-o", "json")
    _, out_j, _ = run(capsys, "explain", "--flows", flows, "--cluster", cluster, "--json")
    assert out_o == out_j and len(out_o.splitlines()) == len(demo_objs())


def test_bare_pod_is_in_the_context_namespace(capsys, files, tmp_path: Path, monkeypatch) -> None:
    cluster, flows = files
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c1\n"
        "contexts:\n- name: c1\n  context: {cluster: x, user: y, namespace: shop}\n"
        "- name: c2\n  context: {cluster: x, user: y}\n"
    )
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    from netpol_tui.cli.config import filter_words, flow_query
    from netpol_tui.cli.parser import build_parser
    from netpol_tui.core.flowquery import FlowQuery

    args = build_parser().parse_args(["explain", "--pod", "api", "--to-pod", "db"])
    assert flow_query(args) == FlowQuery.from_flags(pods=["shop/api"], to_pods=["shop/db"])
    assert filter_words(args) == "pod:shop/api to-pod:shop/db"
    args = build_parser().parse_args(["explain", "--context", "c2", "--pod", "api"])
    assert flow_query(args) == FlowQuery.from_flags(pods=["default/api"])
    # with --cluster files: default, and 0 flows comes with a hint naming how the pod was read
    code, out, err = run(capsys, "explain", "--flows", flows, "--cluster", cluster, "--pod", "api", "--json")
    assert code == 0 and out == ""
    assert (
        f"none of the {len(demo_objs())} flows read matched" in err
        and "default/api" in err
        and "NAMESPACE/api" in err
    )


def test_live_filters_are_sent_to_hubble(capsys, files) -> None:
    from support.hubble_server import HubbleServer

    cluster, _ = files
    with HubbleServer([], host="127.0.0.1", port=0) as srv:
        code, _, err = run(
            capsys,
            "explain",
            "--server",
            srv.address,
            "--cluster",
            cluster,
            "--port",
            "53",
            "--to-ip",
            "10.0.0.0/8",
            "--from-port",
            "4000",
            "--first",
            "5",
            "--until",
            "2026-01-01T00:00:00Z",
            "--idle-timeout",
            "2",
        )
        req = srv.wait_for_request()
    assert req is not None and req.first and req.number == 5 and req.until.seconds == 1767225600
    specs = [(list(f.source_port), list(f.destination_port), list(f.destination_ip)) for f in req.whitelist]
    assert specs == [(["53", "4000"], [], ["10.0.0.0/8"]), (["4000"], ["53"], ["10.0.0.0/8"])]
    assert "no flow from Hubble matched the filters" in err


# ---- 10. demo --export, --help, unknown flags --------------------------------------------------------------------
def test_demo_export_writes_files_our_readers_read(capsys, tmp_path: Path) -> None:
    target = tmp_path / "new" / "demo-files"
    code, out, _ = run(capsys, "demo", "--export", str(target))
    assert code == 0 and "flows.json" in out
    from netpol_tui.sources.cluster_loader import ClusterConfig, load_snapshot
    from netpol_tui.sources.replay import ReplaySource

    snap = load_snapshot(ClusterConfig(path=str(target / "cluster.yaml")))
    assert set(snap.pods) >= {"shop/frontend-6d4cf56db6-x7k2p", "shop/api-7f9b8c6d5-4jz8w"}
    src = ReplaySource(str(target / "flows.json"))
    flows = list(src.items())
    assert len(flows) == 500 and not src.problems
    code, out, _ = run(
        capsys, "explain", "--flows", str(target / "flows.json"), "--cluster", str(target / "cluster.yaml")
    )
    assert code == 0 and out.startswith("500 flows read")


@pytest.mark.parametrize("command", ["demo", "replay", "trace", "explain", "snapshot", "propose", "diff"])
def test_each_command_help_has_a_description_examples_and_exit_statuses(capsys, command: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    head, _, rest = out.partition("\n\n")
    assert head.startswith(f"usage: netpol-tui {command}")
    assert rest.split("\n\n")[0].strip()[0].isupper()  # the description paragraph
    examples = out.split("examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert examples and all(e.startswith(f"  netpol-tui {command}") or "|" in e for e in examples)
    statuses = out.split("exit status:\n", 1)[1].splitlines()
    assert [s.split()[0] for s in statuses if s.strip()][0] == "0"
    assert any(s.strip().startswith("2 ") for s in statuses)


def test_an_unknown_flag_shows_that_commands_usage(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["trace", "--from", "a/b", "--to", "c/d", "--port", "80", "--bogus"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert (
        err.startswith("usage: netpol-tui trace")
        and "netpol-tui trace: error: unrecognized arguments: --bogus" in err
    )


# ---- 11. output to a pipe or a file ------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["explain", "trace"])
def test_output_to_a_file_is_not_wrapped_and_has_no_trailing_spaces(
    files, tmp_path: Path, command: str
) -> None:
    import os
    import subprocess
    import sys

    cluster, flows = files
    if command == "explain":
        argv = ["explain", "--flows", flows, "--cluster", cluster]
    else:
        argv = ["trace", "--cluster", cluster, "--from", "shop/frontend-6d4cf56db6-x7k2p"]
        argv += ["--to", "shop/api-7f9b8c6d5-4jz8w", "--port", "8080"]
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    out_file = tmp_path / "report.txt"
    with out_file.open("w") as out:
        done = subprocess.run([sys.executable, "-m", "netpol_tui", *argv], stdout=out, env=env, timeout=120)
    assert done.returncode == (0 if command == "explain" else 1)
    lines = out_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 10
    assert max(map(len, lines)) > 120  # a sentence stays on one line
    assert [line for line in lines if line != line.rstrip()] == []
    assert "\x1b[" not in out_file.read_text(encoding="utf-8")  # no colour codes in a file
