"""`netpol-tui propose --dialect cilium` end to end through `netpol_tui.cli.main`, against files: the demo's exported
files (`netpol-tui demo --export DIR`), and a small capture whose destinations Hubble saw by name and whose
kube-apiserver is known from its `default/kubernetes` Endpoints (both dialects)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent / "core"))
from propose_support import with_cilium_docs  # noqa: E402

from netpol_tui.cli import main  # noqa: E402
from netpol_tui.core.cluster import ClusterSnapshot  # noqa: E402
from netpol_tui.core.manifests import parse_objects  # noqa: E402
from netpol_tui.core.propose.workloads import is_stable_for_cilium  # noqa: E402


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["propose", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def load(path: Path) -> ClusterSnapshot:
    return ClusterSnapshot.from_parse(parse_objects([d for d in yaml.safe_load_all(path.read_text()) if d]))


def forwarded(path: Path) -> set[tuple[str, str, int, str, tuple[str, ...]]]:
    """The capture's FORWARDED, non-reply TCP/UDP connections, with the DNS names of the destination."""
    out = set()
    for line in path.read_text().splitlines():
        f = json.loads(line)["flow"]
        if f.get("verdict") != "FORWARDED" or f.get("is_reply"):
            continue
        l4 = f.get("l4") or {}
        for proto in ("TCP", "UDP"):
            if proto in l4:
                src, dst = f["source"], f["destination"]
                s = f"{src['namespace']}/{src['pod_name']}" if src.get("pod_name") else f["IP"]["source"]
                d = f"{dst['namespace']}/{dst['pod_name']}" if dst.get("pod_name") else f["IP"]["destination"]
                names = tuple(f.get("destination_names") or ())
                out.add((s, d, int(l4[proto]["destination_port"]), proto, names))
    return out


def check_cilium_stream(text: str, cluster: Path, capture: Path) -> list[dict[str, Any]]:
    """Valid CiliumNetworkPolicies on stable identity labels, and every observed connection of their namespaces
    allowed by the Cilium evaluator with them among the cluster's objects."""
    from dataclasses import replace

    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    assert docs
    for d in docs:
        assert d["apiVersion"] == "cilium.io/v2" and d["kind"] == "CiliumNetworkPolicy"
        assert d["metadata"]["namespace"] and d["metadata"]["name"]
        keys = [k for k in d["spec"]["endpointSelector"].get("matchLabels", {})]
        assert all(k.startswith("k8s:") and is_stable_for_cilium(k[4:]) for k in keys), keys
    after = with_cilium_docs(load(cluster), docs)
    ev = after.evaluator
    proposed = {d["metadata"]["namespace"] for d in docs}
    checked = 0
    for s, d, port, proto, names in forwarded(capture):
        sp, dp = after.pod(s), after.pod(d)
        if not ({p.namespace for p in (sp, dp) if p is not None} & proposed):
            continue
        ss = ev.subject_for_pod(sp) if sp else ev.subject_for_ip(s)
        ds = ev.subject_for_pod(dp) if dp else replace(ev.subject_for_ip(d), names=names)
        assert ev.evaluate(ss, ds, port, proto).allowed, (s, d, port, proto)
        checked += 1
    assert checked
    return docs


@pytest.fixture
def exported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    assert main(["demo", "--export", str(tmp_path / "demo")]) == 0
    capsys.readouterr()
    return tmp_path / "demo" / "cluster.yaml", tmp_path / "demo" / "flows.json"


def test_the_demo_files_in_cilium_dialect(capsys: Any, exported: tuple[Path, Path]) -> None:
    cluster, flows = exported
    code, out, err = run(capsys, "--flows", str(flows), "--cluster", str(cluster), "--dialect", "cilium")
    assert code == 0, err
    docs = check_cilium_stream(out, cluster, flows)
    names = {(d["metadata"]["namespace"], d["metadata"]["name"]) for d in docs}
    assert ("shop", "default-deny-all") in names and ("shop", "allow-dns-egress") in names
    deny = next(d for d in docs if d["metadata"]["name"] == "default-deny-all")
    assert deny["spec"] == {"endpointSelector": {}, "ingress": [{}], "egress": [{}]}
    assert "CiliumNetworkPolicies" in err and "all verified allowed" in err
    # the same namespaces and policy names as the NetworkPolicy dialect, another kind
    code, np_out, _ = run(capsys, "--flows", str(flows), "--cluster", str(cluster))
    np_docs = [d for d in yaml.safe_load_all(np_out) if d]
    assert code == 0 and {(d["metadata"]["namespace"], d["metadata"]["name"]) for d in np_docs} == names


def test_out_dir_names_the_files_after_the_kind(
    capsys: Any, exported: tuple[Path, Path], tmp_path: Path
) -> None:
    cluster, flows = exported
    out_dir = tmp_path / "proposed"
    argv = ["--flows", str(flows), "--cluster", str(cluster), "-n", "shop", "--dialect", "cilium"]
    code, out, err = run(capsys, *argv, "--out", str(out_dir))
    assert code == 0 and out == "", err
    files = sorted(out_dir.iterdir())
    assert files
    for f in files:
        doc = yaml.safe_load(f.read_text())
        assert f.name == f"CiliumNetworkPolicy-shop-{doc['metadata']['name']}.yaml"
        assert doc["kind"] == "CiliumNetworkPolicy"


def test_an_unknown_dialect_is_a_usage_error(capsys: Any, exported: tuple[Path, Path]) -> None:
    cluster, flows = exported
    with pytest.raises(SystemExit) as exc:
        run(capsys, "--flows", str(flows), "--cluster", str(cluster), "--dialect", "calico")
    assert exc.value.code == 2 and "--dialect" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------------
# Names Hubble saw, and the kube-apiserver
# ---------------------------------------------------------------------------------------------------------------
CLUSTER = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "client-6b7c8d9f5-abcde",
            "namespace": "a",
            "labels": {"app": "client", "pod-template-hash": "6b7c8d9f5"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "client-6b7c8d9f5", "controller": True}],
        },
        "status": {"phase": "Running", "podIP": "10.0.0.1"},
    },
    {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "kubernetes", "namespace": "default"},
        "subsets": [{"addresses": [{"ip": "172.18.0.10"}, {"ip": "172.18.0.11"}], "ports": [{"port": 6443}]}],
    },
]


def _out(dst_ip: str, port: int, names: list[str], labels: list[str]) -> str:
    return json.dumps(
        {
            "flow": {
                "time": "2026-11-26T10:00:00Z",
                "verdict": "FORWARDED",
                "IP": {"source": "10.0.0.1", "destination": dst_ip, "ipVersion": "IPv4"},
                "l4": {"TCP": {"source_port": 40000, "destination_port": port}},
                "source": {
                    "namespace": "a",
                    "pod_name": "client-6b7c8d9f5-abcde",
                    "labels": ["k8s:app=client", "k8s:io.kubernetes.pod.namespace=a"],
                },
                "destination": {"labels": labels},
                "destination_names": names,
                "is_reply": False,
                "Type": "L3_L4",
            }
        }
    )


@pytest.fixture
def named(tmp_path: Path) -> tuple[Path, Path]:
    cluster = tmp_path / "c.yaml"
    cluster.write_text(yaml.safe_dump_all(CLUSTER))
    flows = tmp_path / "f.jsonl"
    flows.write_text(
        _out("93.184.216.34", 443, ["example.com"], ["reserved:world"])
        + "\n"
        + _out("172.18.0.11", 6443, [], ["reserved:kube-apiserver"])
        + "\n"
        + _out("203.0.113.5", 443, [], ["reserved:world"])
        + "\n"
    )
    return cluster, flows


def test_names_and_the_kube_apiserver_in_cilium_dialect(capsys: Any, named: tuple[Path, Path]) -> None:
    cluster, flows = named
    code, out, err = run(capsys, "--flows", str(flows), "--cluster", str(cluster), "--dialect", "cilium")
    assert code == 0, err
    docs = check_cilium_stream(out, cluster, flows)
    egress = next(d for d in docs if d["metadata"]["name"] == "client-egress")["spec"]["egress"]
    port = [{"ports": [{"port": "443", "protocol": "TCP"}]}]
    assert egress == [
        {"toEntities": ["kube-apiserver"], "toPorts": [{"ports": [{"port": "6443", "protocol": "TCP"}]}]},
        {"toFQDNs": [{"matchName": "example.com"}], "toPorts": port},
        {"toCIDR": ["203.0.113.5/32"], "toPorts": port},
    ]
    assert "the kube-apiserver is allowed as the kube-apiserver entity" in err


def test_the_kube_apiserver_by_its_endpoints_in_networkpolicy_dialect(
    capsys: Any, named: tuple[Path, Path]
) -> None:
    cluster, flows = named
    code, out, err = run(capsys, "--flows", str(flows), "--cluster", str(cluster))
    assert code == 0, err
    docs = [d for d in yaml.safe_load_all(out) if d]
    egress = next(d for d in docs if d["metadata"]["name"] == "client-egress")["spec"]["egress"]
    assert egress[0] == {
        "to": [{"ipBlock": {"cidr": "172.18.0.10/32"}}, {"ipBlock": {"cidr": "172.18.0.11/32"}}],
        "ports": [{"protocol": "TCP", "port": 6443}],
    }
    assert "default/kubernetes Endpoints: 172.18.0.10, 172.18.0.11" in err


def _ping(dst_ip: str, icmp: dict[str, int], *, reply: bool | None = False) -> str:
    flow: dict[str, Any] = {
        "time": "2026-11-26T10:00:01Z",
        "verdict": "FORWARDED",
        "IP": {"source": "10.0.0.1", "destination": dst_ip, "ipVersion": "IPv4"},
        "l4": {"ICMPv4": icmp},
        "source": {
            "namespace": "a",
            "pod_name": "client-6b7c8d9f5-abcde",
            "labels": ["k8s:app=client", "k8s:io.kubernetes.pod.namespace=a"],
        },
        "destination": {"labels": ["reserved:world"]},
        "Type": "L3_L4",
    }
    if reply is not None:
        flow["is_reply"] = reply
    return json.dumps({"flow": flow})


def test_pings_in_both_dialects(capsys: Any, tmp_path: Path) -> None:
    cluster = tmp_path / "c.yaml"
    cluster.write_text(yaml.safe_dump_all(CLUSTER))
    flows = tmp_path / "f.jsonl"
    flows.write_text(
        "\n".join(
            [
                _out("203.0.113.5", 443, [], ["reserved:world"]),
                _ping("203.0.113.5", {"type": 8}),  # ping out
                _ping("203.0.113.5", {}, reply=None),  # an echo reply (type 0, left out by jsonpb), unmarked
            ]
        )
        + "\n"
    )
    code, out, err = run(capsys, "--flows", str(flows), "--cluster", str(cluster), "--dialect", "cilium")
    assert code == 0, err
    docs = [d for d in yaml.safe_load_all(out) if d]
    egress = next(d for d in docs if d["metadata"]["name"] == "client-egress")["spec"]["egress"]
    assert egress == [
        {"toCIDR": ["203.0.113.5/32"], "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]},
        {"toCIDR": ["203.0.113.5/32"], "icmps": [{"fields": [{"family": "IPv4", "type": 8}]}]},
    ]
    assert "2 observed connections covered" in err
    assert "(ICMPv4 type 8, 443/TCP)" in err
    assert "1 ICMP replies and error messages (let through with what they answer)" in err
    # NetworkPolicy cannot say ICMP: both ICMP flows are skipped as such, and said so
    code, out, err = run(capsys, "--flows", str(flows), "--cluster", str(cluster))
    assert code == 0, err
    assert "1 observed connection covered" in err
    assert "2 not TCP/UDP/SCTP (not proposed)" in err
