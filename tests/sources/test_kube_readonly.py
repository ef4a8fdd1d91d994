"""Nothing in the program writes to the cluster: every request the kube tests sent was a GET.

Every server started by `kube_support.fake_server()` already fails its test on any other method; this test runs
the whole workflow itself (list, watch, relist, Cilium discovery, `snapshot`, port-forward) against one server
and checks what that server recorded, so it holds in any order and alone. The port-forward is a GET with a
websocket upgrade.
"""

from __future__ import annotations

import socket
import threading

from kube_support import Runner, base_objects, fake_server, source_for
from support import fake_apiserver as fa

from netpol_tui.cli import main
from netpol_tui.sources.kube import portforward


def test_only_get_requests_reach_the_api_server(tmp_path, capsys):
    echo = socket.socket()
    echo.bind(("127.0.0.1", 0))
    echo.listen()

    def serve():
        conn, _ = echo.accept()
        with conn:
            while data := conn.recv(1024):
                conn.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    with fake_server(cilium=True) as srv:
        srv.put(*base_objects(), fa.cilium_policy("prod", "c"))
        srv.put(
            fa.service(
                "kube-system", "hubble-relay", {"k8s-app": "hubble-relay"}, [{"port": 80, "targetPort": 4245}]
            ),
            fa.pod(
                "kube-system",
                "hubble-relay-1",
                {"k8s-app": "hubble-relay"},
                "10.0.5.5",
                ports=[(4245, "grpc")],
            ),
        )
        srv.portforward_targets[("kube-system", "hubble-relay-1", 4245)] = echo.getsockname()
        with Runner(source_for(srv, tmp_path)) as run:
            run.snapshot()
            assert srv.wait_watches(5)
            srv.expire_watches()
            srv.put(fa.pod("prod", "x", {"app": "x"}, "10.0.1.99"))
            run.snapshot(lambda s: "prod/x" in s.pods)
        kc = srv.write_kubeconfig(str(tmp_path / "kc"))
        assert main(["snapshot", str(tmp_path / "snap"), "--kubeconfig", kc]) == 0
        fwd = portforward.start_port_forward(kc)
        try:
            host, port = fwd.address.rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=5) as s:
                s.sendall(b"ping")
                assert s.recv(4) == b"ping"
        finally:
            fwd.stop()
    capsys.readouterr()
    requests = list(srv.requests)
    paths = [p for _, p in requests]
    assert any("watch=true" in p for p in paths)
    assert any("/portforward" in p for p in paths)
    assert any("cilium.io" in p for p in paths)
    assert any(p.startswith("/api/v1/pods") or "/pods?" in p for p in paths)
    assert {m for m, _ in requests} == {"GET"}


def test_rbac_file_grants_what_the_source_reads_and_nothing_that_writes():
    from pathlib import Path

    import yaml

    from netpol_tui.sources import kube

    text = (Path(__file__).resolve().parents[2] / "deploy" / "rbac.yaml").read_text()
    grants: dict[tuple[str, str], set[str]] = {}
    for doc in yaml.safe_load_all(text):
        if not doc:
            continue
        assert doc["kind"] in ("ClusterRole", "Role")
        for rule in doc["rules"]:
            for group in rule["apiGroups"]:
                for res in rule["resources"]:
                    grants.setdefault((group, res), set()).update(rule["verbs"])
    for res in kube.CORE_RESOURCES + kube.CILIUM_RESOURCES:
        assert {"get", "list", "watch"} <= grants[(res.group, res.plural)], res.plural
    assert {"get", "list"} <= grants[("apiextensions.k8s.io", "customresourcedefinitions")]
    assert {"get"} <= grants[("", "services")]
    writes = {
        (g, r, v) for (g, r), verbs in grants.items() for v in verbs if v not in ("get", "list", "watch")
    }
    assert writes == {("", "pods/portforward", "create")}
    # ConfigMaps: kube-system/cilium-config only (a Role with resourceNames), never every ConfigMap
    cm_rules = [
        (doc, rule)
        for doc in yaml.safe_load_all(text)
        if doc
        for rule in doc["rules"]
        if "configmaps" in rule["resources"]
    ]
    assert [(d["kind"], d["metadata"]["namespace"], r["resourceNames"]) for d, r in cm_rules] == [
        ("Role", "kube-system", ["cilium-config"])
    ]
    assert (kube.CILIUM_CONFIG.fixed_namespace, kube.CILIUM_CONFIG.field_selector) == (
        "kube-system",
        "metadata.name=cilium-config",
    )
