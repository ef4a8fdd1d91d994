"""`netpol-tui diff` end to end through the real entry point (`netpol_tui.cli.main`, and once as a process):
stdout lines validated against `$defs/diff_line`, the summary on stderr, the report, exit statuses, bad input."""

from __future__ import annotations

import copy
import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from netpol_tui.cli import main

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "docs" / "result.schema.json"
if not SCHEMA_PATH.exists():  # the shared design copy
    SCHEMA_PATH = Path("/work/shared/design/result.schema.json")
SCHEMA = json.loads(SCHEMA_PATH.read_text())
DIFF_LINE = jsonschema.Draft202012Validator(
    {k: v for k, v in SCHEMA.items() if k != "oneOf"} | {"$ref": "#/$defs/diff_line"}
)

Doc = dict[str, Any]
NAMESPACES = ("x", "y")
PODS = ("a", "b", "c")


def _ip(ns: str, pod: str) -> str:
    return f"10.0.{NAMESPACES.index(ns) + 1}.{PODS.index(pod) + 1}"


def cluster_docs(*policies: Doc) -> list[Doc]:
    docs: list[Doc] = []
    for ns in NAMESPACES:
        docs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"ns": ns}}})
        for pod in PODS:
            docs.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": pod, "namespace": ns, "labels": {"pod": pod}},
                    "spec": {"containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 80}]}]},
                    "status": {"phase": "Running", "podIP": _ip(ns, pod)},
                }
            )
    return [*docs, *copy.deepcopy(list(policies))]


def netpol(ns: str, name: str, spec: Doc, **meta: Any) -> Doc:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns, **meta},
        "spec": spec,
    }


ALLOW_A_80_FROM_B = netpol(
    "x",
    "a-ingress",
    {
        "podSelector": {"matchLabels": {"pod": "a"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}], "ports": [{"port": 80}]}],
    },
    resourceVersion="10",
)


def endpoint(key: str) -> Doc:
    if "/" not in key:
        return {"identity": 2, "labels": ["reserved:world"]}
    ns, pod = key.split("/")
    return {
        "identity": 1000 + PODS.index(pod),
        "namespace": ns,
        "pod_name": pod,
        "labels": [f"k8s:pod={pod}", f"k8s:io.kubernetes.pod.namespace={ns}"],
    }


def flow_line(
    src: str,
    dst: str,
    port: int = 80,
    *,
    verdict: str = "FORWARDED",
    reply: bool | None = False,
    legacy_reply: bool = False,
) -> str:
    def ip(key: str) -> str:
        return _ip(*key.split("/")) if "/" in key else key

    s, d, sport, dport = src, dst, 40000, port
    if reply:
        s, d, sport, dport = dst, src, port, 40000
    flow: Doc = {
        "time": "2026-11-29T10:00:00.000Z",
        "verdict": verdict,
        "IP": {"source": ip(s), "destination": ip(d), "ipVersion": "IPv4"},
        "l4": {"TCP": {"source_port": sport, "destination_port": dport}},
        "source": endpoint(s),
        "destination": endpoint(d),
        "traffic_direction": "INGRESS",
    }
    if reply is not None:
        flow["reply" if legacy_reply else "is_reply"] = reply
    if verdict == "DROPPED":
        flow["drop_reason_desc"] = "POLICY_DENIED"
    return json.dumps({"flow": flow})


def write_yaml(path: Path, docs: list[Doc]) -> str:
    path.write_text(yaml.safe_dump_all(docs))
    return str(path)


def write_flows(path: Path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n")
    return str(path)


FLOWS = [
    flow_line("x/b", "x/a", 80),  # allowed before; denied after (the port moves to 81)
    flow_line("x/b", "x/a", 80),  # duplicate: the same connection, 2 flows
    flow_line("x/b", "x/a", 80, reply=True),  # a reply: not a connection
    flow_line("x/b", "x/a", 80, reply=True, legacy_reply=True),  # the older `reply` field: not a connection
    flow_line("x/b", "x/a", 81, verdict="DROPPED"),  # denied before; allowed after
    flow_line("y/c", "x/b", 80),  # untouched by the change: not listed
    flow_line("x/c", "x/a", 80, verdict="DROPPED"),  # denied before and after: not listed
]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    moved = copy.deepcopy(ALLOW_A_80_FROM_B)
    moved["spec"]["ingress"][0]["ports"] = [{"port": 81}]
    moved["metadata"]["resourceVersion"] = "11"
    staged = copy.deepcopy(moved)
    del staged["spec"]["policyTypes"]  # defaulted like a new object: the same effective policyTypes
    (tmp_path / "after").mkdir()
    return {
        "before": write_yaml(tmp_path / "before.yaml", cluster_docs(ALLOW_A_80_FROM_B)),
        "after": write_yaml(tmp_path / "after" / "cluster.yaml", cluster_docs(moved)),
        "staged": write_yaml(tmp_path / "staged.yaml", [staged]),
        "same": write_yaml(
            tmp_path / "same.yaml",
            [
                dict(
                    ALLOW_A_80_FROM_B,
                    metadata={"name": "a-ingress", "namespace": "x", "resourceVersion": "12"},
                )
            ],
        ),
        "flows": write_flows(tmp_path / "flows.json", FLOWS),
    }


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["diff", *argv])
    out, err = capsys.readouterr()
    return code, out, err


EXPECTED = [
    {
        "source": "x/b",
        "destination": "x/a",
        "port": 80,
        "protocol": "TCP",
        "flows": 2,
        "before": True,
        "after": False,
        "side": "ingress",
        "changed_by": [
            {"namespace": "x", "name": "a-ingress", "kind": "NetworkPolicy", "change": "modified"}
        ],
    },
    {
        "source": "x/b",
        "destination": "x/a",
        "port": 81,
        "protocol": "TCP",
        "flows": 1,
        "before": False,
        "after": True,
        "side": "ingress",
        "changed_by": [
            {"namespace": "x", "name": "a-ingress", "kind": "NetworkPolicy", "change": "modified"}
        ],
    },
]


@pytest.mark.parametrize("mode", ["against", "with"])
def test_json_lines_summary_and_exit_1(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], mode: str
) -> None:
    after = ["--against", files["after"]] if mode == "against" else ["--with", files["staged"]]
    code, out, err = run(capsys, "--flows", files["flows"], "--cluster", files["before"], *after, "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    for obj in lines:
        DIFF_LINE.validate(obj)
    assert lines == EXPECTED
    assert code == 1  # an observed allowed connection becomes denied
    assert "4 observed connections (5 flows; 2 replies left out)" in err
    assert "1 policy changed: 1 lose access, 1 gain access" in err


def test_against_a_directory(capsys: pytest.CaptureFixture[str], files: dict[str, str]) -> None:
    code, out, _ = run(
        capsys,
        "--flows",
        files["flows"],
        "--cluster",
        files["before"],
        "--against",
        str(Path(files["after"]).parent),
        "--json",
    )
    assert [json.loads(line) for line in out.splitlines()] == EXPECTED and code == 1


def test_only_gains_exit_0(capsys: pytest.CaptureFixture[str], files: dict[str, str], tmp_path: Path) -> None:
    opened = netpol("x", "a-ingress", {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{}]})
    staged = write_yaml(tmp_path / "open.yaml", [opened])
    code, out, err = run(
        capsys, "--flows", files["flows"], "--cluster", files["before"], "--with", staged, "--json"
    )
    got = [json.loads(line) for line in out.splitlines()]
    assert [(g["port"], g["source"], g["before"], g["after"]) for g in got] == [
        (81, "x/b", False, True),
        (80, "x/c", False, True),
    ]
    assert code == 0
    assert "0 lose access, 2 gain access" in err


def test_metadata_only_change_lists_nothing(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    code, out, err = run(
        capsys, "--flows", files["flows"], "--cluster", files["before"], "--with", files["same"], "--json"
    )
    assert out == "" and code == 0
    assert "0 policies changed: 0 lose access, 0 gain access" in err


def test_report_lists_losses_first(capsys: pytest.CaptureFixture[str], files: dict[str, str]) -> None:
    code, out, err = run(
        capsys, "--flows", files["flows"], "--cluster", files["before"], "--against", files["after"]
    )
    assert code == 1 and err == ""
    lose = out.index("lose access (allowed before, denied after):")
    gain = out.index("gain access (denied before, allowed after):")
    assert lose < gain
    assert (
        out.index(
            "x/b -> x/a 80/TCP  (2 flows)  ingress at the destination: modified NetworkPolicy x/a-ingress"
        )
        > lose
    )
    assert (
        out.index(
            "x/b -> x/a 81/TCP  (1 flow)  ingress at the destination: modified NetworkPolicy x/a-ingress"
        )
        > gain
    )
    assert "y/c" not in out and "x/c" not in out
    assert out.startswith(
        "diff: 4 observed connections (5 flows; 2 replies left out), 1 policy changed: 1 lose access, 1 gain access"
    )


def test_gzip_capture_and_control_characters(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], tmp_path: Path
) -> None:
    gz = tmp_path / "flows.json.gz"
    gz.write_bytes(gzip.compress(Path(files["flows"]).read_bytes()))
    code, out, _ = run(
        capsys, "--flows", str(gz), "--cluster", files["before"], "--against", files["after"], "--json"
    )
    assert len(out.splitlines()) == 2 and code == 1
    bad = write_flows(tmp_path / "evil.json", [flow_line("x/b", "x/c", 80)])
    evil = cluster_docs(netpol("x", "deny\x1b[31m", {"podSelector": {}, "policyTypes": ["Ingress"]}))
    after = write_yaml(tmp_path / "evil.yaml", evil)
    code, out, _ = run(capsys, "--flows", bad, "--cluster", files["before"], "--against", after)
    assert code == 1
    assert "\x1b" not in out and "deny\\x1b[31m" in out


# ---------------------------------------------------------------------------------------------------------------
# Bad input: exit 2, the path named, never an empty cluster
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("flag", ["--cluster", "--against", "--with"])
def test_missing_path_is_named(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], tmp_path: Path, flag: str
) -> None:
    missing = str(tmp_path / "nope.yaml")
    args = {"--cluster": files["before"], "--against": files["after"]}
    if flag == "--with":
        args = {"--cluster": files["before"], "--with": missing}
    else:
        args[flag] = missing
    argv = [x for kv in args.items() for x in kv]
    code, out, err = run(capsys, "--flows", files["flows"], *argv)
    assert code == 2 and out == ""
    assert err.strip() == f"netpol-tui: {flag} {missing}: no such file or directory"


@pytest.mark.parametrize("flag", ["--cluster", "--against", "--with"])
def test_unparsable_path_is_named(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], tmp_path: Path, flag: str
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: [unclosed\n  - : :\n")
    args = {"--cluster": files["before"], "--against": files["after"]}
    if flag == "--with":
        args = {"--cluster": files["before"], "--with": str(broken)}
    else:
        args[flag] = str(broken)
    argv = [x for kv in args.items() for x in kv]
    code, out, err = run(capsys, "--flows", files["flows"], *argv)
    assert code == 2 and out == ""
    assert err.startswith(f"netpol-tui: {flag} {broken}: ") and "YAML syntax error" in err
    assert "Traceback" not in err


def test_empty_directory_is_an_error(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(
        capsys, "--flows", files["flows"], "--cluster", files["before"], "--against", str(empty)
    )
    assert code == 2 and f"--against {empty}" in err


def test_readable_file_without_objects_is_a_warning(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], tmp_path: Path
) -> None:
    blank = tmp_path / "blank.yaml"
    blank.write_text("# nothing staged yet\n")
    code, out, err = run(
        capsys, "--flows", files["flows"], "--cluster", files["before"], "--with", str(blank), "--json"
    )
    assert code == 0 and out == ""
    assert f"--with {blank}: no objects found" in err


def test_missing_or_unreadable_capture(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys,
        "--flows",
        str(tmp_path / "none.json"),
        "--cluster",
        files["before"],
        "--against",
        files["after"],
    )
    assert code == 2 and out == "" and "none.json" in err
    junk = write_flows(tmp_path / "junk.json", ["not json", "{also not"])
    code, out, err = run(capsys, "--flows", junk, "--cluster", files["before"], "--against", files["after"])
    assert code == 2 and out == ""
    assert "line 1" in err and "no flow could be read" in err


def test_bad_lines_are_named_and_the_rest_goes_on(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], tmp_path: Path
) -> None:
    mixed = write_flows(tmp_path / "mixed.json", ["garbage", *FLOWS])
    code, out, err = run(
        capsys, "--flows", mixed, "--cluster", files["before"], "--against", files["after"], "--json"
    )
    assert [json.loads(line) for line in out.splitlines()] == EXPECTED and code == 1
    assert "line 1" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], files: dict[str, str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(
            ["diff", "--flows", files["flows"], "--cluster", files["before"]]
        )  # neither --against nor --with
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["diff", "--flows", files["flows"], "--against", files["after"], "--with", files["staged"]])
    assert exc.value.code == 2
    capsys.readouterr()
    code, _, err = run(capsys, "--flows", "-", "--cluster", "-", "--against", files["after"])
    assert code == 2 and "stdin" in err


def test_installed_program_reads_flows_from_stdin(files: dict[str, str]) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "netpol_tui",
            "diff",
            "--flows",
            "-",
            "--cluster",
            files["before"],
            "--with",
            files["staged"],
            "--json",
        ],
        input=Path(files["flows"]).read_text(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert [json.loads(line) for line in proc.stdout.splitlines()] == EXPECTED
    assert "1 lose access, 1 gain access" in proc.stderr


def test_staged_cilium_policy(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], tmp_path: Path
) -> None:
    from netpol_tui.core.manifests import ParseResult

    if not hasattr(ParseResult(), "cilium"):
        pytest.skip("the parser does not carry Cilium objects yet")
    deny_b = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "a-ingress", "namespace": "x"},  # the NetworkPolicy's name: another policy
        "spec": {
            "endpointSelector": {"matchLabels": {"pod": "a"}},
            "ingressDeny": [{"fromEndpoints": [{"matchLabels": {"pod": "b"}}]}],
        },
    }
    staged = write_yaml(tmp_path / "cnp.yaml", [deny_b])
    code, out, err = run(
        capsys, "--flows", files["flows"], "--cluster", files["before"], "--with", staged, "--json"
    )
    lines = [json.loads(line) for line in out.splitlines()]
    for obj in lines:
        DIFF_LINE.validate(obj)
    assert lines == [
        {
            "source": "x/b",
            "destination": "x/a",
            "port": 80,
            "protocol": "TCP",
            "flows": 2,
            "before": True,
            "after": False,
            "side": "ingress",
            "changed_by": [
                {"namespace": "x", "name": "a-ingress", "kind": "CiliumNetworkPolicy", "change": "created"}
            ],
        }
    ]
    assert code == 1 and "1 policy changed: 1 lose access, 0 gain access" in err
