"""`explain` on a capture holding a pod of another cluster of the mesh (Hubble names its cluster; cilium-config
names ours): the JSON contract (validated) says its own side is not enforced here and why, the fix names its
cluster, and the report says which cluster it is in. A pod gone from the snapshot keeps Hubble's service account."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from support.explain_files import EAST_SHOP, cnp_yaml, pod_yaml

from netpol_tui.cli import main

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "result.schema.json"

CLUSTER = (
    EAST_SHOP
    + pod_yaml("db-0", "db", "10.1.0.5")
    + cnp_yaml(
        "db-in",
        "db",
        """\
  ingress:
  - {fromEndpoints: [{matchLabels: {app: api}}], toPorts: [{ports: [{port: "5432", protocol: TCP}]}]}
  - {fromEndpoints: [{matchLabels: {io.cilium.k8s.policy.serviceaccount: reports}}], toPorts: [{ports: [{port: "5432", protocol: TCP}]}]}
""",
    )
)


def line(name: str, ip: str, labels: list[str], *, cluster: str, verdict: str) -> str:
    flow: dict[str, Any] = {
        "time": "2026-11-30T06:00:00.000000001Z",
        "verdict": verdict,
        "IP": {"source": ip, "destination": "10.1.0.5", "ipVersion": "IPv4"},
        "l4": {"TCP": {"source_port": 41000, "destination_port": 5432}},
        "source": {
            "identity": 81234,
            "namespace": "shop",
            "pod_name": name,
            "labels": [
                *labels,
                "k8s:io.kubernetes.pod.namespace=shop",
                f"k8s:io.cilium.k8s.policy.cluster={cluster}",
            ],
            "cluster_name": cluster,
        },
        "destination": {"identity": 4321, "namespace": "shop", "pod_name": "db-0", "labels": ["k8s:app=db"]},
        "traffic_direction": "INGRESS",
        "event_type": {"type": 5},
        "Type": "L3_L4",
    }
    if verdict == "DROPPED":
        flow["drop_reason_desc"] = "POLICY_DENIED"
    return json.dumps({"flow": flow})


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "cluster.yaml").write_text(CLUSTER)
    lines = [
        # api in the west cluster: the CNP's peer has no cluster key, so it selects only east's api pods
        line("api-west-1", "10.2.0.9", ["k8s:app=api"], cluster="west", verdict="DROPPED"),
        # a reports job gone from the snapshot, in this cluster: allowed by its service account
        line(
            "reports-29-abc",
            "10.1.0.77",
            ["k8s:app=reports", "k8s:io.cilium.k8s.policy.serviceaccount=reports"],
            cluster="east",
            verdict="FORWARDED",
        ),
    ]
    (tmp_path / "flows.json").write_text("\n".join(lines) + "\n")
    return str(tmp_path / "flows.json"), str(tmp_path / "cluster.yaml")


def test_explain_json_of_a_pod_of_another_cluster(
    capsys: pytest.CaptureFixture[str], files: tuple[str, str]
) -> None:
    flows, cluster = files
    code = main(["explain", "--flows", flows, "--cluster", cluster, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    remote, reports = (json.loads(x) for x in out.splitlines())
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    validator.validate(remote)
    validator.validate(reports)
    assert remote["allowed"] is False
    assert remote["egress"]["enforced"] is False and remote["egress"]["allowed"] is True
    assert "shop/api-west-1 is a pod of cluster west of the mesh" in remote["egress"]["reason"]
    assert remote["ingress"]["allowed"] is False
    (fix,) = remote["fixes"]
    assert '"k8s:io.cilium.k8s.policy.cluster": west' in fix["yaml"]
    codes = [f["code"] for f in remote["findings"]]
    assert "remote_cluster_pod" in codes and "pod_not_in_snapshot" not in codes
    # the gone pod of this cluster: Hubble's service account, allowed by the second rule
    assert reports["allowed"] is True and reports["fixes"] == []
    assert "pod_not_in_snapshot" in [f["code"] for f in reports["findings"]]


def test_explain_report_names_the_cluster(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, files: tuple[str, str]
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    flows, cluster = files
    code = main(["explain", "--flows", flows, "--cluster", cluster])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "shop/api-west-1 is in cluster west of the mesh, not in this snapshot's cluster east" in out
    assert "io.cilium.k8s.policy.cluster: west" in out


def test_propose_names_a_pod_of_another_cluster_with_its_cluster(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`propose`: the pod of west is a peer named with io.cilium.k8s.policy.cluster (both dialects), keyed apart
    from this cluster's pod of the same name, and no policy is proposed for it."""
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(CLUSTER.split("---\napiVersion: cilium.io/v2")[0])  # no CNP of the cluster
    flows = tmp_path / "flows.json"
    flows.write_text(
        line("api-west-1", "10.2.0.9", ["k8s:app=api"], cluster="west", verdict="FORWARDED") + "\n"
    )
    for dialect, peer in (
        ("cilium", ('"k8s:app": api', '"k8s:io.cilium.k8s.policy.cluster": west')),
        ("networkpolicy", ("app: api", "io.cilium.k8s.policy.cluster: west")),
    ):
        code = main(["propose", "--flows", str(flows), "--cluster", str(cluster), "--dialect", dialect])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert all(text in out for text in peer), out
        assert "api-west" not in out  # no policy for the pod of west
        assert (
            "pods of other clusters of the mesh, named by their labels and io.cilium.k8s.policy.cluster (no policy "
            "is proposed for them: their own cluster's policies apply): shop/api-west-1@west"
        ) in err


HOSTILE = "we st\x1b]52;c;aGk=\x07"  # no valid label value, with an OSC 52 clipboard write in it


def test_a_cluster_name_that_is_no_label_value_is_taken_as_unknown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Hubble's cluster name goes into selectors of fixes: one the API server would refuse is not trusted (the
    pod is judged as one of no known cluster, as without cilium-config), and nothing crashes or reaches the
    terminal raw."""
    (tmp_path / "cluster.yaml").write_text(CLUSTER)
    flows = tmp_path / "flows.json"
    flows.write_text(
        line("api-west-1", "10.2.0.9", ["k8s:app=api"], cluster=HOSTILE, verdict="DROPPED") + "\n"
    )
    code = main(["explain", "--flows", str(flows), "--cluster", str(tmp_path / "cluster.yaml")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "internal error" not in err and "\x1b" not in out + err and "\x07" not in out + err
    assert "shop/api-west-1 is not in the cluster snapshot" in out and "of the mesh" not in out


def test_propose_leaves_out_mesh_labels_the_api_server_would_refuse(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(CLUSTER.split("---\napiVersion: cilium.io/v2")[0])
    flows = tmp_path / "flows.json"
    labels = ["k8s:app=api", "k8s:tier=bad value!"]  # a value no selector may hold
    flows.write_text(line("api-west-1", "10.2.0.9", labels, cluster="west", verdict="FORWARDED") + "\n")
    code = main(["propose", "--flows", str(flows), "--cluster", str(cluster), "--dialect", "cilium"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert '"k8s:app": api' in out and '"k8s:io.cilium.k8s.policy.cluster": west' in out
    assert "bad value" not in out
