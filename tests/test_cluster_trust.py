"""Issue 11, cluster state that never lies: an unusable --cluster (8), partial state under a 403 (9), objects
read twice (10, duplicates)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
import yaml
from support import fake_apiserver as fa

from netpol_tui.cli import main
from netpol_tui.core.duplicates import find_duplicates
from netpol_tui.sources.cluster_loader import ClusterUnusable, load_files
from netpol_tui.sources.manifests_io import load_manifests

CLUSTER = str(Path(__file__).parent / "core" / "fixtures" / "trace-cluster.yaml")
CAPTURE_LINE = json.dumps(
    {
        "flow": {
            "time": "2026-11-26T10:00:00Z",
            "verdict": "DROPPED",
            "drop_reason_desc": "POLICY_DENIED",
            "IP": {"source": "10.244.2.10", "destination": "10.244.2.9"},
            "l4": {"TCP": {"destination_port": 5432}},
            "source": {"namespace": "prod", "pod_name": "worker"},
            "destination": {"namespace": "prod", "pod_name": "db-0"},
            "traffic_direction": "INGRESS",
        }
    }
)
TRACE_IPS = ["trace", "--from", "10.0.0.1", "--to", "10.0.0.2", "--port", "5432"]


@pytest.fixture
def capture(tmp_path: Path) -> str:
    path = tmp_path / "flows.json"
    path.write_text(CAPTURE_LINE + "\n")
    return str(path)


def _unusable(tmp_path: Path) -> list[tuple[str, str]]:
    """(path, what the message says) for each kind of unusable --cluster."""
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("key: [unclosed\n")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\xfa not utf-16 either \xff")
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just a sentence\n")
    nofiles = tmp_path / "nofiles"
    nofiles.mkdir()
    (nofiles / "README.txt").write_text("x")
    return [
        ("/no/such", "no such file or directory"),
        (str(garbage), "YAML syntax error"),
        (str(binary), "cannot read"),
        (str(scalar), "not an object"),
        (str(nofiles), "no .yaml, .yml or .json files"),
    ]


# --- 8. unusable: exit 2 naming the path, for every command ----------------------------------------------------
def test_unusable_cluster_is_exit_2_for_trace_explain_snapshot(
    tmp_path: Path, capture: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for path, why in _unusable(tmp_path):
        for argv in (
            [*TRACE_IPS, "--cluster", path],
            ["explain", "--flows", capture, "--cluster", path],
            ["explain", "--flows", capture, "--json", "--cluster", path],
            ["snapshot", str(tmp_path / "out"), "--cluster", path],
        ):
            assert main(argv) == 2, (argv, path)
            out, err = capsys.readouterr()
            assert out == "", argv
            assert err == err.splitlines()[0] + "\n", argv  # one line
            assert err.startswith(f"netpol-tui: --cluster {path}: ") and why in err, (argv, err)
        assert not (tmp_path / "out").exists()  # snapshot wrote nothing


def test_unusable_cluster_stops_the_tui_before_it_starts(
    tmp_path: Path, capture: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from netpol_tui.cli.commands import live, replay

    def no_tui(built: object) -> int:
        raise AssertionError("the TUI started")

    monkeypatch.setattr(replay, "run_app", no_tui)
    monkeypatch.setattr(live, "run_app", no_tui)
    for argv in (["replay", capture, "--cluster", "/no/such"], ["--cluster", "/no/such"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err == "netpol-tui: --cluster /no/such: no such file or directory\n"


def test_unusable_stdin_cluster(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("[1, 2, 3]\n"))
    assert main([*TRACE_IPS, "--cluster", "-"]) == 2
    assert capsys.readouterr().err.startswith("netpol-tui: --cluster -: ")


def test_readable_but_empty_cluster_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n---\n")
    assert main([*TRACE_IPS, "--cluster", str(empty)]) == 0
    err = capsys.readouterr().err
    assert f"netpol-tui: warning: --cluster {empty}: no objects found" in err
    assert main(["snapshot", str(tmp_path / "snap"), "--cluster", str(empty)]) == 0
    assert "no objects found" in capsys.readouterr().err


def test_one_bad_file_in_a_directory_does_not_stop_the_rest(tmp_path: Path) -> None:
    d = tmp_path / "c"
    d.mkdir()
    (d / "a.yaml").write_text(Path(CLUSTER).read_text())
    (d / "b.yaml").write_text("{ broken: [\n")
    snap = load_files(str(d))
    assert "prod/db-0" in snap.pods and any(p.code == "json_syntax" for p in snap.problems)
    with pytest.raises(ClusterUnusable):
        load_files(str(d / "b.yaml"))


# --- 10. duplicates: warned, both places named, the later wins ------------------------------------------------
POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: db-ingress, namespace: prod}}
spec:
  podSelector: {{matchLabels: {{app: db}}}}
  policyTypes: [Ingress]
  ingress: [{ingress}]
"""


def test_duplicates_across_files_warn_with_both_places(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path / "c"
    d.mkdir()
    (d / "a.yaml").write_text(Path(CLUSTER).read_text())  # db-ingress allows prod/app=api on 5432
    (d / "z.yaml").write_text("---\n" + POLICY.format(ingress=""))  # same name, denies everything
    code = main(
        ["trace", "--from", "prod/worker", "--to", "prod/db-0", "--port", "5432", "--cluster", str(d)]
    )
    err = capsys.readouterr().err
    assert code == 1  # the later one wins
    line = next(x for x in err.splitlines() if "read again" in x)
    first_doc = next(
        i + 1
        for i, doc in enumerate(yaml.safe_load_all(Path(CLUSTER).read_text()))
        if doc and doc.get("kind") == "NetworkPolicy" and doc["metadata"]["name"] == "db-ingress"
    )
    assert line == (
        f"netpol-tui: {d / 'z.yaml'}, document 1: NetworkPolicy prod/db-ingress is read again here "
        f"(first in {d / 'a.yaml'}, document {first_doc}): this later one replaces it"
    )


def test_duplicates_in_one_file_and_in_one_list(tmp_path: Path) -> None:
    f = tmp_path / "dup.yaml"
    f.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\n---\n"
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {v: '2'}}\n---\n"
        "apiVersion: v1\nkind: List\nitems:\n"
        "- {apiVersion: v1, kind: Namespace, metadata: {name: y}}\n"
        "- {apiVersion: v1, kind: Namespace, metadata: {name: y, labels: {v: '2'}}}\n"
    )
    parsed = load_manifests(str(f))
    dups = find_duplicates(parsed.namespaces, parsed.pods, parsed.policies)
    assert [(d.kind, d.name, d.first.document, d.later.document) for d in dups] == [
        ("Namespace", "y", 4, 4),
        ("Pod", "x/a", 1, 3),
    ]
    snap = load_files(str(f))
    assert snap.pods["x/a"].labels == {"v": "2"} and snap.namespaces["y"].labels.get("v") == "2"
    assert sum(p.code == "duplicate_object" for p in snap.problems) == 2


def test_same_name_different_kind_is_not_a_duplicate(tmp_path: Path) -> None:
    f = tmp_path / "k.yaml"
    f.write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: x}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: y}\n"
    )
    assert not any(p.code == "duplicate_object" for p in load_files(str(f)).problems)


# --- 9. partial state: a 403 makes the verdict unknown, live and from a snapshot --------------------------------
def _objects() -> list[dict]:
    return [
        fa.namespace("prod", {"team": "shop"}),
        fa.pod("prod", "api", {"app": "api"}, "10.0.1.5"),
        fa.pod("prod", "db-0", {"app": "db"}, "10.0.1.6", ports=[(5432, "pg")]),
        fa.network_policy("prod", "default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
    ]


TRACE_PODS = ["trace", "--from", "prod/api", "--to", "prod/db-0", "--port", "5432"]


def _assert_unknown(code: int, out: str, err: str, json_out: bool) -> None:
    assert code == 2
    assert "cannot list networkpolicies at cluster scope" in err
    assert "verdict unknown" in err and "networkpolicies" in err.splitlines()[-1]
    if json_out:
        assert json.loads(out)["flow"]["destination"] == "prod/db-0"


def test_trace_under_a_403_is_unknown_live_and_from_its_snapshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srv = fa.FakeApiServer().start()
    try:
        srv.put(*_objects())
        kc = srv.write_kubeconfig(str(tmp_path / "kubeconfig"))
        assert main([*TRACE_PODS, "--kubeconfig", kc]) == 1  # readable: the default deny denies
        capsys.readouterr()
        srv.forbid("list", "networkpolicies")
        code = main([*TRACE_PODS, "--kubeconfig", kc, "--json"])
        out, err = capsys.readouterr()
        _assert_unknown(code, out, err, json_out=True)
        code = main([*TRACE_PODS, "--kubeconfig", kc])
        _assert_unknown(code, *capsys.readouterr(), json_out=False)
        snapdir = tmp_path / "snap"
        assert main(["snapshot", str(snapdir), "--kubeconfig", kc]) == 0
        redo = tmp_path / "redo"
        assert main(["snapshot", str(redo), "--kubeconfig", kc]) == 0
        assert (redo / "coverage.yaml").exists()
        srv.allow("list", "networkpolicies")  # every right back: the record goes
        assert main(["snapshot", str(redo), "--kubeconfig", kc]) == 0
        assert not (redo / "coverage.yaml").exists() and load_files(str(redo)).coverage.forbidden == ()
        capsys.readouterr()
    finally:
        srv.stop()
    recorded = yaml.safe_load((snapdir / "coverage.yaml").read_text())
    assert json.loads(recorded["metadata"]["annotations"]["netpol-tui.io/forbidden"])[0]["resource"] == (
        "networkpolicies"
    )
    snap = load_files(str(snapdir))
    assert snap.coverage.forbidden == ("networkpolicies",)
    code = main([*TRACE_PODS, "--cluster", str(snapdir), "--json"])
    out, err = capsys.readouterr()
    _assert_unknown(code, out, err, json_out=True)
    # a snapshot of the snapshot keeps the record
    assert main(["snapshot", str(tmp_path / "again"), "--cluster", str(snapdir)]) == 0
    assert "cannot list networkpolicies" in capsys.readouterr().err
    assert load_files(str(tmp_path / "again")).coverage.forbidden == ("networkpolicies",)


def test_a_403_that_the_verdict_does_not_depend_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srv = fa.FakeApiServer().start()
    try:
        srv.put(*_objects())
        srv.forbid("list", "networkpolicies")
        kc = srv.write_kubeconfig(str(tmp_path / "kubeconfig"))
        # neither end is a pod: no policy can apply, whatever they say
        assert main([*TRACE_IPS, "--kubeconfig", kc]) == 0
        assert "verdict unknown" not in capsys.readouterr().err
    finally:
        srv.stop()
