"""core/fixwatch.py: the confirm-fix loop's states, judged on real snapshots."""

from __future__ import annotations

from dataclasses import replace

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.diff import Change, PolicyId
from netpol_tui.core.fixwatch import FixTracker, TrackState
from netpol_tui.core.manifests import parse_objects
from netpol_tui.core.model import Endpoint, EndpointKind, Flow

WEB = Endpoint(
    ip="10.0.1.10", kind=EndpointKind.POD, namespace="prod", pod_name="web-1", labels={"app": "web"}
)
API = Endpoint(
    ip="10.0.1.5", kind=EndpointKind.POD, namespace="prod", pod_name="api-1", labels={"app": "api"}
)
DROP = Flow(
    time_ns=1_000,
    verdict="DROPPED",
    drop_reason="POLICY_DENIED",
    traffic_direction="INGRESS",
    protocol="TCP",
    source_port=40000,
    destination_port=8080,
    source=WEB,
    destination=API,
)
POLICY = PolicyId("NetworkPolicy", "prod", "api-ingress")


def snap(from_labels: dict[str, str], port: int = 8080, extra: tuple[dict, ...] = ()) -> ClusterSnapshot:
    objs = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}},
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "prod", "labels": {"app": "web"}},
            "status": {"podIP": "10.0.1.10"},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "api-1", "namespace": "prod", "labels": {"app": "api"}},
            "status": {"podIP": "10.0.1.5"},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "api-ingress", "namespace": "prod"},
            "spec": {
                "podSelector": {"matchLabels": {"app": "api"}},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {"from": [{"podSelector": {"matchLabels": from_labels}}], "ports": [{"port": port}]}
                ],
            },
        },
        *extra,
    ]
    return ClusterSnapshot.from_parse(parse_objects(objs))


def test_waiting_applied_allows_then_forwarded():
    t = FixTracker(DROP, POLICY, snap({"role": "frontend"}))
    assert t.status.state == TrackState.WAITING
    assert not t.on_flow(replace(DROP, verdict="FORWARDED"))  # before the change: flows do not decide
    assert t.on_snapshot(snap({"app": "web"}), 12.0)
    st = t.status
    assert (st.state, st.policy, st.change, st.applied_at) == (
        TrackState.APPLIED_ALLOWS,
        POLICY,
        Change.MODIFIED,
        12.0,
    )
    assert not t.on_flow(replace(DROP, destination_port=9090, verdict="FORWARDED"))  # another connection
    assert not t.on_flow(replace(DROP, verdict="FORWARDED", is_reply=True))  # a reply is not the connection
    assert t.on_flow(replace(DROP, verdict="FORWARDED", time_ns=5_000))
    assert (t.status.state, t.status.seen_ns) == (TrackState.FORWARDED, 5_000)


def test_applied_but_denies_then_still_dropped():
    t = FixTracker(DROP, POLICY, snap({"role": "frontend"}))
    assert t.on_snapshot(snap({"app": "web"}, port=9090), 3.0)
    assert t.status.state == TrackState.APPLIED_DENIES
    assert t.status.explanation is not None and not t.status.explanation.verdict.allowed
    assert t.on_flow(replace(DROP, time_ns=7_000))
    assert (t.status.state, t.status.drop_reason) == (TrackState.STILL_DROPPED, "POLICY_DENIED")


def test_unrelated_change_keeps_waiting_and_another_policy_that_allows_counts():
    base = snap({"role": "frontend"})
    t = FixTracker(DROP, POLICY, base)
    assert not t.on_snapshot(base, 1.0)  # the same state
    other = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "other", "namespace": "prod"},
        "spec": {"podSelector": {}, "policyTypes": ["Egress"]},
    }
    assert not t.on_snapshot(snap({"role": "frontend"}, extra=(other,)), 2.0)  # still denied: keep waiting
    assert t.status.state == TrackState.WAITING
    # the fix's policy changed but still denies: applied, does not allow it
    assert t.on_snapshot(snap({"role": "frontend"}, port=8081), 3.0)
    assert t.status.state == TrackState.APPLIED_DENIES
    # a policy of another name that allows the connection counts as the applied fix
    t2 = FixTracker(DROP, PolicyId("NetworkPolicy", "prod", "elsewhere"), base)
    allow_web = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "web-to-api", "namespace": "prod"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "api"}},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}],
        },
    }
    assert t2.on_snapshot(snap({"role": "frontend"}, extra=(allow_web,)), 4.0)
    assert t2.status.state == TrackState.APPLIED_ALLOWS
    assert t2.status.policy == PolicyId("NetworkPolicy", "prod", "web-to-api")
    assert t2.status.change == Change.CREATED


def test_pair_filter_names_both_workloads_and_the_port():
    f = FixTracker(DROP, POLICY, None).pair_filter()
    assert (f.source_pod, f.destination_pod, f.destination_port, f.verdict) == (
        ("prod/web-1",),
        ("prod/api-1",),
        ("8080",),
        (),
    )
