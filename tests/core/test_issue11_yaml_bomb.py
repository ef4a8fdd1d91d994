"""Issue 11 point 4: a YAML alias bomb ("billion laughs") in a policy's annotations.

The loader refuses a document whose aliases expand too far (an object error naming the file and document); the
fixes are built from what the parser read (name, namespace, labels, the spec's fields), so annotations, and
anything else the parser did not read, never reach a fix even when the object in memory is a bomb."""

from __future__ import annotations

import json
import textwrap
import tracemalloc
from pathlib import Path

import yaml
from test_explain_support import drop, np, ns, parse_fix_yaml, pod

from netpol_tui.cli import main
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.explain import explain_flow
from netpol_tui.core.manifests import parse_objects
from netpol_tui.core.problems import YamlAliasBomb
from netpol_tui.core.wording import problem_text
from netpol_tui.sources.manifests_io import load_manifests

LIMIT_BYTES = 100 * 1024 * 1024


def _laughs(levels: int = 9, width: int = 9) -> list:
    """Nested lists sharing one child per level: width**levels strings once expanded, a few objects in memory."""
    node: list = ["lol"] * width
    for _ in range(levels - 1):
        node = [node] * width
    return node


def _bomb_yaml(levels: int = 9) -> str:
    names = "abcdefghijklmnop"
    lines = [f'    {names[0]}: &{names[0]} ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        prev = names[i - 1]
        lines.append(f"    {names[i]}: &{names[i]} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines)


CLUSTER_HEAD = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Namespace
    metadata: {name: prod}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: api, namespace: prod, labels: {app: api}}
    status: {podIP: 10.0.0.1}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: db, namespace: prod, labels: {app: db}}
    status: {podIP: 10.0.0.2}
    """
)


def _policy(annotations: str, name: str = "db-in") -> str:
    return (
        "---\n"
        "apiVersion: networking.k8s.io/v1\n"
        "kind: NetworkPolicy\n"
        "metadata:\n"
        f"  name: {name}\n"
        "  namespace: prod\n"
        "  labels: {team: data}\n"
        "  annotations:\n"
        f"{annotations}\n"
        "spec:\n"
        "  podSelector: {matchLabels: {app: db}}\n"
        "  policyTypes: [Ingress]\n"
        "  ingress:\n"
        "  - from: [{podSelector: {matchLabels: {app: web}}}]\n"
        "    ports: [{port: 5432}]\n"
    )


FLOW = {
    "flow": {
        "time": "2026-11-26T10:00:00Z",
        "verdict": "DROPPED",
        "drop_reason_desc": "POLICY_DENIED",
        "IP": {"source": "10.0.0.1", "destination": "10.0.0.2", "ipVersion": "IPv4"},
        "l4": {"TCP": {"source_port": 40000, "destination_port": 5432}},
        "source": {"namespace": "prod", "pod_name": "api", "labels": ["k8s:app=api"]},
        "destination": {"namespace": "prod", "pod_name": "db", "labels": ["k8s:app=db"]},
        "traffic_direction": "INGRESS",
        "Type": "L3_L4",
    }
}


def test_loader_refuses_an_alias_bomb_naming_file_and_document(tmp_path: Path) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text(CLUSTER_HEAD + _policy(_bomb_yaml()))
    tracemalloc.start()
    try:
        parsed = load_manifests(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < LIMIT_BYTES, peak
    assert [p.name for p in parsed.pods] == ["api", "db"]  # the rest loads
    assert parsed.policies == []
    [problem] = parsed.problems
    assert isinstance(problem, YamlAliasBomb)
    assert problem.origin.document == 4
    text = problem_text(problem)
    assert str(path) in text and "document 4" in text and "alias" in text


def test_a_few_aliases_still_load(tmp_path: Path) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text(CLUSTER_HEAD + _policy(_bomb_yaml(levels=3)))  # 729 values: fine
    parsed = load_manifests(str(path))
    assert parsed.problems == []
    assert [p.name for p in parsed.policies] == ["db-in"]


def test_explain_cli_with_a_bomb_finishes_small_and_fixes_carry_no_annotations(
    tmp_path: Path, capsys
) -> None:
    cluster = tmp_path / "cluster.yaml"
    # one policy with the bomb (refused), one with a few aliases in its annotations (loaded, then patched)
    cluster.write_text(CLUSTER_HEAD + _policy(_bomb_yaml(), "bombed") + _policy(_bomb_yaml(levels=3)))
    flows = tmp_path / "flows.json"
    flows.write_text(json.dumps(FLOW) + "\n")
    tracemalloc.start()
    try:
        code = main(["explain", "--flows", str(flows), "--cluster", str(cluster), "--json"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    out, err = capsys.readouterr()
    assert code == 0, err
    assert peak < LIMIT_BYTES, peak
    assert "document 4" in err and "alias" in err
    [obj] = [json.loads(line) for line in out.splitlines()]
    [fix] = obj["fixes"]
    assert fix["action"] == "patch" and fix["target"] == "prod/db-in"
    doc = yaml.safe_load(fix["yaml"])
    assert set(doc) == {"apiVersion", "kind", "metadata", "spec"}
    assert doc["metadata"] == {"name": "db-in", "namespace": "prod", "labels": {"team": "data"}}
    assert "annotations" not in fix["yaml"] and "lol" not in fix["yaml"]


def test_patch_of_a_bombed_object_in_memory_is_built_from_the_parsed_fields() -> None:
    """Whatever hands the parser an object (a source we do not know yet), the fix never walks its annotations."""
    policy = np(
        "prod",
        "db-in",
        {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"], "ingress": []},
    )
    policy["metadata"]["annotations"] = {"bomb": _laughs()}  # 9**9 strings once expanded
    policy["metadata"]["managedFields"] = [{"manager": "kubectl", "fieldsV1": {"f:x": _laughs()}}]
    policy["status"] = {"anything": _laughs()}
    parsed = parse_objects(
        [
            ns("prod"),
            pod("prod", "api", "10.0.0.1", {"app": "api"}),
            pod("prod", "db", "10.0.0.2", {"app": "db"}),
            policy,
        ]
    )
    assert parsed.problems == []
    snap = ClusterSnapshot.from_parse(parsed)
    tracemalloc.start()
    try:
        expl = explain_flow(drop(snap, "prod/api", "prod/db", 5432), snap)
        texts = [f.yaml for f in expl.fixes]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < LIMIT_BYTES, peak
    [text] = texts
    assert "annotations" not in text and "managedFields" not in text and "status" not in text
    fixed = parse_fix_yaml(text)
    assert fixed.key == "prod/db-in" and len(fixed.ingress) == 1


def test_bomb_refused_also_when_another_document_has_a_syntax_error(tmp_path: Path) -> None:
    """The document-by-document path (taken after a syntax error) refuses the bomb the same way."""
    path = tmp_path / "cluster.yaml"
    path.write_text(CLUSTER_HEAD + _policy(_bomb_yaml()) + "---\nkind: [unclosed\n")
    parsed = load_manifests(str(path))
    assert [p.name for p in parsed.pods] == ["api", "db"]
    kinds = sorted(type(p).__name__ for p in parsed.problems)
    assert kinds == ["YamlAliasBomb", "YamlSyntax"]
