"""sources/watched_cluster.py against the in-process API server: a policy changed mid-watch is recorded with its
resourceVersion, and a flow denied since then is attributed to it (core.history)."""

from __future__ import annotations

import time

from kube_support import fake_server
from support import fake_apiserver as fa

from netpol_tui.core.diff import Change, PolicyId, Side
from netpol_tui.core.model import Endpoint, EndpointKind, Flow
from netpol_tui.sources.cluster_loader import ClusterConfig
from netpol_tui.sources.watched_cluster import WatchedCluster

API_INGRESS = {
    "podSelector": {"matchLabels": {"app": "api"}},
    "policyTypes": ["Ingress"],
    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 8080}]}],
}


def objects() -> list[dict]:
    return [
        fa.namespace("shop"),
        fa.pod("shop", "web-1", {"app": "web"}, "10.0.1.10"),
        fa.pod("shop", "api-1", {"app": "api"}, "10.0.1.5", ports=[(8080, "http")]),
        fa.network_policy("shop", "api-ingress", API_INGRESS),
    ]


def web_to_api(port: int = 8080) -> Flow:
    def ep(name: str, ip: str, app: str) -> Endpoint:
        return Endpoint(ip=ip, kind=EndpointKind.POD, namespace="shop", pod_name=name, labels={"app": app})

    return Flow(
        verdict="DROPPED",
        drop_reason="POLICY_DENIED",
        source=ep("web-1", "10.0.1.10", "web"),
        destination=ep("api-1", "10.0.1.5", "api"),
        source_port=41000,
        destination_port=port,
        protocol="TCP",
        is_reply=False,
    )


def _rv(cluster: WatchedCluster) -> str:
    snap = cluster.snapshot
    pol = snap.policy("shop", "api-ingress") if snap is not None else None
    return str(pol.raw.get("metadata", {}).get("resourceVersion", "")) if pol is not None else ""


def test_a_policy_modified_mid_watch_is_attributed(tmp_path) -> None:
    with fake_server() as srv:
        srv.put(*objects())
        config = ClusterConfig(kubeconfig=srv.write_kubeconfig(str(tmp_path / "kubeconfig")))
        with WatchedCluster.for_config(config) as cluster:
            assert cluster.wait(lambda c: c.snapshots >= 1), "no first snapshot"
            assert cluster.attribute(web_to_api()) is None  # nothing changed yet
            snap = cluster.snapshot
            assert snap is not None and snap.policy("shop", "api-ingress") is not None

            moved = dict(
                API_INGRESS, ingress=[{"from": API_INGRESS["ingress"][0]["from"], "ports": [{"port": 9090}]}]
            )
            put_at = time.monotonic()
            rv = srv.put(fa.network_policy("shop", "api-ingress", moved))
            assert cluster.wait(lambda c: len(c.history.events) == 1), "the change was not recorded"
            seen_after = cluster.last_change_seen - put_at

            (event,) = cluster.history.events
            assert event.policy == PolicyId("NetworkPolicy", "shop", "api-ingress")
            assert event.change.change is Change.MODIFIED
            assert event.resource_version == str(rv)
            a = cluster.attribute(web_to_api())
            assert a is not None
            assert (a.event, a.before, a.now, a.side) == (event, True, False, Side.INGRESS)
            assert cluster.attribute(web_to_api(9090)) is not None  # the port it opened
            assert cluster.attribute(web_to_api(5432)) is None  # denied before and after

            # a metadata-only update (same spec, new resourceVersion) is no change
            rv2 = str(srv.put(fa.network_policy("shop", "api-ingress", moved)))
            assert cluster.wait(lambda c: _rv(c) == rv2), "the update was not seen"
            assert len(cluster.history.events) == 1

            srv.delete("networkpolicies", "shop", "api-ingress")
            assert cluster.wait(lambda c: len(c.history.events) == 2)
            deleted = cluster.history.events[-1]
            assert deleted.change.change is Change.DELETED
            reopened = cluster.attribute(web_to_api())
            assert (
                reopened is not None
                and reopened.event == deleted
                and (reopened.before, reopened.now) == (False, True)
            )
    # the watch debounces (20 ms) and rebuilds at most every 100 ms: the change is known well within a second
    assert seen_after < 2.0
