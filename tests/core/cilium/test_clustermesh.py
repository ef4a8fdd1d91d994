"""Pods Hubble reports that are not in the snapshot: their identity as Hubble reports it (service account, and the
cluster of the mesh they belong to), never a local pod of the same name or address when Hubble names another
cluster (reference §2, §3: `io.cilium.k8s.policy.cluster`, `policy-default-local-cluster`).

The world is cilium_kit's (cluster-name `c1`); a pod of `c2` arrives with Hubble's labels only."""

from __future__ import annotations

from typing import Any

import pytest
from cilium_kit import ECHO, EvaluatorWorld, base_cluster, cnp, knp

from netpol_tui.core import wording
from netpol_tui.core.evaluate import NotEnforced
from netpol_tui.core.explain import Case, Explanation, explain_flow
from netpol_tui.core.findings import PodNotInSnapshot, RemoteClusterPod
from netpol_tui.core.mesh import remote_cluster
from netpol_tui.core.model import Flow
from netpol_tui.sources.flows import convert_json

ECHO_IP = "10.0.1.20"  # cilium-test/echo-same-node (kind=echo), 8080/TCP


def hubble_pod(
    name: str, labels: dict[str, str], *, cluster: str = "", sa: str = "default"
) -> dict[str, Any]:
    meta = [
        "k8s:io.kubernetes.pod.namespace=cilium-test",
        f"k8s:io.cilium.k8s.policy.serviceaccount={sa}",
    ]
    if cluster:
        meta.append(f"k8s:io.cilium.k8s.policy.cluster={cluster}")
    return {
        "identity": 70000,
        "namespace": "cilium-test",
        "pod_name": name,
        "labels": [f"k8s:{k}={v}" for k, v in labels.items()] + meta,
        **({"cluster_name": cluster} if cluster else {}),
    }


def to_echo(source: dict[str, Any], *, ip: str = "10.9.0.7", dropped: bool = False) -> Flow:
    flow: dict[str, Any] = {
        "verdict": "DROPPED" if dropped else "FORWARDED",
        "traffic_direction": "INGRESS",
        "IP": {"source": ip, "destination": ECHO_IP, "ipVersion": "IPv4"},
        "l4": {"TCP": {"source_port": 40000, "destination_port": 8080}},
        "source": source,
        "destination": {"identity": 6000, "namespace": "cilium-test", "pod_name": "echo-same-node"},
        "event_type": {"type": 5},
    }
    if dropped:
        flow["drop_reason_desc"] = "POLICY_DENIED"
    out = convert_json({"flow": flow})
    assert isinstance(out, Flow)
    return out


def explain(objects: list[dict[str, Any]], flow: Flow, config: dict[str, str] | None = None) -> Explanation:
    return explain_flow(flow, EvaluatorWorld(base_cluster(config) + objects).snapshot)


def from_endpoints(name: str, labels: dict[str, str]) -> dict[str, Any]:
    return cnp(name, {"endpointSelector": ECHO, "ingress": [{"fromEndpoints": [{"matchLabels": labels}]}]})


def texts(e: Explanation) -> list[str]:
    return [wording.finding_text(f) for f in e.findings]


# --- a pod gone from the snapshot: its service account is Hubble's ----------------------------------------
def test_a_pod_not_in_the_snapshot_keeps_the_service_account_hubble_reports() -> None:
    allow = [from_endpoints("from-api-sa", {"io.cilium.k8s.policy.serviceaccount": "api"})]
    e = explain(allow, to_echo(hubble_pod("api-7d9-gone", {"app": "api"}, sa="api")))
    assert (e.case, e.verdict.allowed) == (Case.ALLOWED, True)
    assert e.found(PodNotInSnapshot) == [PodNotInSnapshot("cilium-test/api-7d9-gone")]
    other = explain(allow, to_echo(hubble_pod("web-1-gone", {"app": "api"}, sa="web"), dropped=True))
    assert (other.case, other.verdict.allowed) == (Case.POLICY_DROP, False)


# --- a pod of another cluster of the mesh ----------------------------------------------------------------------
def test_a_peer_naming_the_other_cluster_admits_its_pod() -> None:
    allow = [from_endpoints("from-c2", {"io.cilium.k8s.policy.cluster": "c2", "kind": "remote"})]
    e = explain(allow, to_echo(hubble_pod("remote-1", {"kind": "remote"}, cluster="c2")))
    assert (e.case, e.verdict.allowed) == (Case.ALLOWED, True)
    assert e.found(RemoteClusterPod) == [RemoteClusterPod("cilium-test/remote-1", "c2", "c1", True)]
    assert not e.has(PodNotInSnapshot)
    # the same policy does not admit a local pod with those labels
    local = explain(allow, to_echo(hubble_pod("local-1", {"kind": "remote"}, cluster="c1"), dropped=True))
    assert (local.case, local.verdict.allowed) == (Case.POLICY_DROP, False)


def test_a_peer_without_the_cluster_key_selects_only_the_local_cluster_and_the_fix_names_it() -> None:
    allow = [from_endpoints("from-remote-kind", {"kind": "remote"})]
    e = explain(allow, to_echo(hubble_pod("remote-1", {"kind": "remote"}, cluster="c2"), dropped=True))
    assert (e.case, e.verdict.allowed) == (Case.POLICY_DROP, False)
    said = texts(e)
    assert any("in cluster c2 of the mesh, not in this snapshot's cluster c1" in t for t in said), said
    assert any("requires the local cluster label, and the source has c2" in t for t in said), said
    (fix,) = e.fixes
    assert '"k8s:io.cilium.k8s.policy.cluster": c2' in fix.yaml and '"k8s:kind": remote' in fix.yaml
    # the same flow from a local pod is allowed: the term is what decides
    local = explain(allow, to_echo(hubble_pod("local-1", {"kind": "remote"}, cluster="c1")))
    assert local.verdict.allowed is True


def test_with_policy_default_local_cluster_off_peers_select_every_cluster() -> None:
    allow = [from_endpoints("from-remote-kind", {"kind": "remote"})]
    off = {"policy-default-local-cluster": "false"}
    e = explain(allow, to_echo(hubble_pod("remote-1", {"kind": "remote"}, cluster="c2")), off)
    assert (e.case, e.verdict.allowed) == (Case.ALLOWED, True)
    (finding,) = e.found(RemoteClusterPod)
    assert finding.local_cluster_term is False
    assert "policy-default-local-cluster" not in wording.finding_text(finding)


def test_a_pod_of_another_cluster_is_never_the_local_pod_of_the_same_name() -> None:
    # cilium-test/client exists in c1 (kind=client); c2 has a pod of the same name and labels
    allow = [from_endpoints("from-clients", {"kind": "client"})]
    src = hubble_pod("client", {"kind": "client", "name": "client"}, cluster="c2")
    e = explain(allow, to_echo(src, ip="10.0.1.10", dropped=True))
    assert (e.case, e.verdict.allowed) == (Case.POLICY_DROP, False)
    assert e.verdict.source.in_snapshot is False and e.verdict.source.pod is not None
    assert e.verdict.source.pod.cluster == "c2"
    local = hubble_pod("client", {"kind": "client", "name": "client"}, cluster="c1")
    same = explain(allow, to_echo(local, ip="10.0.1.10"))
    assert same.verdict.source.in_snapshot is True and same.verdict.allowed is True


def test_its_own_side_is_enforced_by_its_cluster_not_by_ours() -> None:
    # an egress default deny in c1 on kind=remote pods: a c2 pod with that label is not under it
    objects = [
        cnp("remote-egress-deny", {"endpointSelector": {"matchLabels": {"kind": "remote"}}, "egress": [{}]}),
        from_endpoints("from-c2", {"io.cilium.k8s.policy.cluster": "c2"}),
    ]
    e = explain(objects, to_echo(hubble_pod("remote-1", {"kind": "remote"}, cluster="c2")))
    egress = e.verdict.egress
    assert (egress.enforced, egress.isolated, egress.allowed) == (False, False, True)
    assert egress.reason is NotEnforced.OTHER_CLUSTER
    assert wording.not_enforced_text(egress) == (
        "cilium-test/remote-1 is a pod of cluster c2 of the mesh: its egress is enforced there, by policies this "
        "snapshot does not hold"
    )
    assert e.verdict.allowed is True
    # a local pod with the same label is under it
    local = explain(objects, to_echo(hubble_pod("local-1", {"kind": "remote"}, cluster="c1"), dropped=True))
    assert (local.verdict.egress.enforced, local.verdict.egress.allowed) == (True, False)


KNP_FROM_REMOTE_KIND = {
    "podSelector": {"matchLabels": {"kind": "echo"}},
    "ingress": [{"from": [{"podSelector": {"matchLabels": {"kind": "remote"}}}]}],
}


@pytest.mark.parametrize(
    ("spec", "config", "allowed"),
    [
        (KNP_FROM_REMOTE_KIND, None, False),  # Cilium adds cluster=c1 to the peer
        (KNP_FROM_REMOTE_KIND, {"policy-default-local-cluster": "false"}, True),
        (  # the podSelector names the cluster: no term added
            {
                "podSelector": {"matchLabels": {"kind": "echo"}},
                "ingress": [
                    {"from": [{"podSelector": {"matchLabels": {"io.cilium.k8s.policy.cluster": "c2"}}}]}
                ],
            },
            None,
            True,
        ),
        (  # an expression on the key names it too
            {
                "podSelector": {"matchLabels": {"kind": "echo"}},
                "ingress": [
                    {
                        "from": [
                            {
                                "podSelector": {
                                    "matchExpressions": [
                                        {"key": "io.cilium.k8s.policy.cluster", "operator": "Exists"}
                                    ]
                                }
                            }
                        ]
                    }
                ],
            },
            None,
            True,
        ),
        (  # a namespaceSelector peer gets the term as well
            {
                "podSelector": {"matchLabels": {"kind": "echo"}},
                "ingress": [{"from": [{"namespaceSelector": {}}]}],
            },
            None,
            False,
        ),
        (  # a rule with no `from`: every source, every cluster (the wildcard selector gets no term)
            {"podSelector": {"matchLabels": {"kind": "echo"}}, "ingress": [{"ports": [{"port": 8080}]}]},
            None,
            True,
        ),
    ],
)
def test_networkpolicy_peers_and_a_pod_of_another_cluster(
    spec: dict[str, Any], config: dict[str, str] | None, allowed: bool
) -> None:
    flow = to_echo(hubble_pod("remote-1", {"kind": "remote"}, cluster="c2"), dropped=not allowed)
    e = explain([knp("echo-in", spec)], flow, config)
    assert e.verdict.ingress.allowed is allowed
    assert e.verdict.allowed is allowed
    if not allowed:
        (fix,) = e.fixes
        assert "io.cilium.k8s.policy.cluster: c2" in fix.yaml, fix.yaml


def test_the_cluster_hubble_names_is_ignored_when_the_snapshot_does_not_name_its_own() -> None:
    # no cilium-config: "c2" cannot be told from this cluster, so the pod is judged as a local one
    docs = [d for d in base_cluster() if d.get("kind") != "ConfigMap"]
    docs.append(from_endpoints("from-remote-kind", {"kind": "remote"}))
    snapshot = EvaluatorWorld(docs).snapshot
    flow = to_echo(hubble_pod("remote-1", {"kind": "remote"}, cluster="c2"))
    assert remote_cluster(flow.source, snapshot) == ""
    e = explain_flow(flow, snapshot)
    assert e.verdict.allowed is True and e.has(PodNotInSnapshot) and not e.has(RemoteClusterPod)
