"""Pods pane (issue 12 point 8): isolation marked by kind — I/E for a NetworkPolicy, C for a Cilium policy
(CNP/CCNP), + for both — explained in the help; `y` lists the Cilium policies with their YAML."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from rich.style import Style
from textual.app import App, ComposeResult

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate_cilium import CiliumEvaluator
from netpol_tui.core.manifests import parse_objects
from netpol_tui.ui import strings
from netpol_tui.ui.rendering import policies_involved
from netpol_tui.ui.widgets.pod_tree import PodTree

CLUSTER = Path(__file__).parents[1] / "fixtures" / "cilium-trace-cluster.yaml"
KNP = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "echo-knp", "namespace": "shop"},
    "spec": {"podSelector": {"matchLabels": {"app": "echo"}}, "policyTypes": ["Ingress", "Egress"]},
}


def _snapshot() -> ClusterSnapshot:
    docs = [d for d in yaml.safe_load_all(CLUSTER.read_text()) if d] + [KNP]
    snap = ClusterSnapshot.from_parse(parse_objects(copy.deepcopy(docs)))
    if isinstance(snap.evaluator, CiliumEvaluator):  # the snapshot carries its Cilium objects itself
        return snap
    from netpol_tui.core.cilium.objects import CiliumObjects  # until it does (cilium helper)

    objs = CiliumObjects()
    k8s = [d for d in copy.deepcopy(docs) if not objs.parse(d)]
    snap = ClusterSnapshot.from_parse(parse_objects(k8s))
    snap._evaluator = CiliumEvaluator(snap, objs)
    return snap


class _TreeApp(App[None]):
    def __init__(self, snap: ClusterSnapshot) -> None:
        super().__init__()
        self.snap = snap

    def compose(self) -> ComposeResult:
        yield PodTree()

    def on_mount(self) -> None:
        self.query_one(PodTree).set_snapshot(self.snap)


async def test_marks_by_kind():
    app = _TreeApp(_snapshot())
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        tree = app.query_one(PodTree)
        labels = {}
        for line in range(tree.last_line + 1):
            node = tree.get_node_at_line(line)
            if node is not None and node.data and node.data[0] == "pod":
                labels[node.data[1]] = tree.render_label(node, Style(), Style()).plain
    assert labels["shop/client"] == "client  ·C"  # egress isolated by the CNP client-egress
    assert (
        labels["shop/echo"] == "echo  +E"
    )  # ingress: the CNP and the NetworkPolicy; egress: the NetworkPolicy
    assert labels["shop/hostnet"] == "hostnet  ··"
    assert "C = a Cilium policy" in strings.MARKS_LEGEND and "+ = both" in strings.MARKS_LEGEND


def test_y_lists_the_cilium_policies_of_an_explanation():
    snap = _snapshot()
    ev = snap.evaluator
    client, echo = snap.pod("shop/client"), snap.pod("shop/echo")
    assert client is not None and echo is not None
    verdict = ev.evaluate(ev.subject_for_pod(client), ev.subject_for_pod(echo), 8, "ICMPv4")
    keys = [p.key for p in policies_involved(verdict)]
    assert keys[0] == "shop/echo-knp" and set(keys) == {
        "shop/echo-knp",
        "shop/echo-ingress",
        "shop/client-egress",
    }
    cnp = next(p for p in policies_involved(verdict) if p.key == "shop/client-egress")
    assert cnp.raw["kind"] == "CiliumNetworkPolicy" and cnp.raw["spec"]["egress"]


def test_y_on_a_pod_lists_its_cilium_policies():
    from netpol_tui.ui.widgets.pod_tree import cilium_policies_selecting

    snap = _snapshot()
    echo = snap.pod("shop/echo")
    assert echo is not None
    assert [p.key for p in cilium_policies_selecting(snap.evaluator, echo)] == ["shop/echo-ingress"]
    hostnet = snap.pod("shop/hostnet")
    assert hostnet is not None and cilium_policies_selecting(snap.evaluator, hostnet) == []
