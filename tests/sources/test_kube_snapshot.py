"""`netpol-tui snapshot DIR`: what the live source sees, written as YAML, loads back unchanged with --cluster."""

from __future__ import annotations

import dataclasses

import yaml
from kube_support import base_objects, fake_server
from support import fake_apiserver as fa

from netpol_tui.cli import main
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.sources import kube
from netpol_tui.sources.kube.source import CILIUM_IN_SNAPSHOT
from netpol_tui.sources.manifests_io import load_cluster

POLICY_FIELDS = (
    "namespace",
    "name",
    "pod_selector",
    "policy_types",
    "ingress",
    "egress",
    "declared_policy_types",
    "raw",
)


def rich_objects() -> list[dict]:
    objs = base_objects()
    objs += [
        fa.namespace("edge", {"zone": "dmz", "version": "2"}),
        fa.pod("edge", "lb-0", {"app": "lb"}, "192.168.0.10", host_network=True, owner=("DaemonSet", "lb")),
        fa.pod("edge", "dual", {"app": "dual"}, "10.0.3.3", phase="Pending"),
        fa.network_policy(
            "edge",
            "complex",
            {
                "podSelector": {
                    "matchExpressions": [{"key": "app", "operator": "In", "values": ["lb", "dual"]}]
                },
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [
                    {
                        "from": [
                            {"namespaceSelector": {"matchLabels": {"team": "shop"}}, "podSelector": {}},
                            {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.9.0.0/16"]}},
                        ],
                        "ports": [{"port": "http", "protocol": "TCP"}, {"port": 8000, "endPort": 8100}],
                    }
                ],
                "egress": [
                    {
                        "to": [{"podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                        "ports": [{"port": 53, "protocol": "UDP"}],
                    }
                ],
            },
        ),
    ]
    dual = objs[-2]
    dual["status"]["podIPs"] = [{"ip": "10.0.3.3"}, {"ip": "fd00::3"}]
    return objs


def assert_same_cluster(a: ClusterSnapshot, b: ClusterSnapshot) -> None:
    assert sorted(a.namespaces) == sorted(b.namespaces)
    for name, ns in a.namespaces.items():
        assert dict(ns.labels) == dict(b.namespaces[name].labels), name
    assert sorted(a.pods) == sorted(b.pods)
    for key, pod in a.pods.items():
        other = b.pods[key]
        for f in dataclasses.fields(pod):
            if f.name == "origin":
                continue
            left, right = getattr(pod, f.name), getattr(other, f.name)
            if f.name == "labels":
                left, right = dict(left), dict(right)
            assert left == right, f"{key}.{f.name}: {left!r} != {right!r}"
    assert sorted(p.key for p in a.policies) == sorted(p.key for p in b.policies)
    by_key = {p.key: p for p in b.policies}
    for pol in a.policies:
        other = by_key[pol.key]
        for name in POLICY_FIELDS:
            assert getattr(pol, name) == getattr(other, name), f"{pol.key}.{name}"


def test_snapshot_round_trip(tmp_path, capsys):
    out = tmp_path / "snap"
    with fake_server(cilium=True) as srv:
        srv.put(*rich_objects())
        srv.put(fa.cilium_policy("prod", "cnp-1"))
        kc = srv.write_kubeconfig(str(tmp_path / "kubeconfig"))
        live = kube.list_snapshot(kubeconfig=kc)
        assert main(["snapshot", str(out), "--kubeconfig", kc]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == (
        f"wrote 3 namespaces, 5 pods, 2 NetworkPolicies, 1 Cilium policies to {out} (use it with --cluster {out})"
    )
    if CILIUM_IN_SNAPSHOT:  # the core's snapshot carries Cilium objects: evaluated, nothing to warn about
        assert "not evaluated" not in captured.err
    else:
        assert "1 CiliumNetworkPolicy not evaluated" in captured.err
    files = sorted(p.name for p in out.iterdir())
    assert files == ["ciliumnetworkpolicies.yaml", "namespaces.yaml", "networkpolicies.yaml", "pods.yaml"]
    pods_doc = yaml.safe_load((out / "pods.yaml").read_text())
    assert pods_doc["kind"] == "List" and len(pods_doc["items"]) == 5
    item = next(i for i in pods_doc["items"] if i["metadata"]["name"] == "db-0")
    assert item["kind"] == "Pod" and item["apiVersion"] == "v1"
    assert "managedFields" not in item["metadata"]
    assert "kubectl.kubernetes.io/last-applied-configuration" not in item["metadata"].get("annotations", {})
    assert item["status"] == {
        "phase": "Running",
        "podIP": "10.0.1.6",
        "podIPs": [{"ip": "10.0.1.6"}],
        "hostIP": "192.168.0.10",
    }
    assert item["metadata"]["ownerReferences"][0]["kind"] == "StatefulSet"
    assert item["spec"]["containers"] == [
        {
            "name": "main",
            "image": "registry.example/app:1.0",
            "ports": [{"containerPort": 5432, "name": "pg", "protocol": "TCP"}],
        }
    ]

    loaded = load_cluster(str(out))
    assert loaded.problems == ()
    assert_same_cluster(live, loaded)
    counted = () if CILIUM_IN_SNAPSHOT else (("CiliumNetworkPolicy", 1),)
    assert loaded.coverage.not_evaluated == live.coverage.not_evaluated == counted
    assert loaded.pods["edge/dual"].ips == ("10.0.3.3", "fd00::3")
    assert loaded.pods["edge/lb-0"].host_network is True


def test_snapshot_from_files_round_trips_too(tmp_path, capsys):
    with fake_server() as srv:
        srv.put(*rich_objects())
        kc = srv.write_kubeconfig(str(tmp_path / "kubeconfig"))
        assert main(["snapshot", str(tmp_path / "one"), "--kubeconfig", kc]) == 0
    first = load_cluster(str(tmp_path / "one"))
    assert main(["snapshot", str(tmp_path / "two"), "--cluster", str(tmp_path / "one")]) == 0
    second = load_cluster(str(tmp_path / "two"))
    assert_same_cluster(first, second)
    capsys.readouterr()


def test_snapshot_says_what_it_could_not_see(tmp_path, capsys):
    with fake_server() as srv:
        srv.put(*base_objects())
        srv.forbid("list", "networkpolicies")
        kc = srv.write_kubeconfig(str(tmp_path / "kubeconfig"))
        assert main(["snapshot", str(tmp_path / "s"), "--kubeconfig", kc]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "netpol-tui: warning: cannot list networkpolicies at cluster scope: grant list/watch on "
        "networking.k8s.io networkpolicies (see deploy/rbac.yaml)"
    ]
    assert yaml.safe_load((tmp_path / "s" / "networkpolicies.yaml").read_text())["items"] == []


def test_snapshot_errors_are_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with fake_server() as srv:
        kc = srv.write_kubeconfig(str(tmp_path / "kubeconfig"))
        assert main(["snapshot", str(blocker / "sub"), "--kubeconfig", kc]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"netpol-tui: cannot write the snapshot to {blocker / 'sub'}: ")
    assert err.count("\n") == 1
    assert main(["snapshot", str(tmp_path / "x"), "--kubeconfig", str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err == f"netpol-tui: kubeconfig file {tmp_path / 'missing'} does not exist\n"
