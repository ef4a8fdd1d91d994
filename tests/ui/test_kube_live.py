"""The live kube path of the TUI: the app built with the real `KubeFeed` (as `netpol-tui live` builds it) against
the in-package fake API server (list + watch over HTTP, RBAC faults)."""

from __future__ import annotations

import contextlib

from support import fake_apiserver as fa

from netpol_tui.cli.app_factory import KubeFeed, make_app
from netpol_tui.core import wording
from netpol_tui.ui import strings
from netpol_tui.ui.feeds import MemoryFlowFeed
from netpol_tui.ui.widgets.pod_tree import PodTree

from .conftest import CONNECTED, fixed_clock, wait_for_explanations, wait_until
from .prod_cluster import DROP, fake_prod_cluster

API_INGRESS = {
    "podSelector": {"matchLabels": {"app": "api"}},
    "policyTypes": ["Ingress"],
    "ingress": [
        {"from": [{"podSelector": {"matchLabels": {"role": "frontend"}}}], "ports": [{"port": 8080}]}
    ],
}


@contextlib.contextmanager
def fake_cluster(tmp_path, forbid: tuple[str, str] | None = None):
    with fake_prod_cluster(tmp_path, API_INGRESS, forbid) as (srv, kubeconfig):
        yield srv, kubeconfig
    assert {m for m, _ in srv.requests} == {"GET"}  # the TUI only reads the cluster


def live_app(kubeconfig: str):
    return make_app(
        MemoryFlowFeed([CONNECTED, DROP], label="relay 127.0.0.1:4245"),
        KubeFeed(kubeconfig, None, None),
        narrow_live=False,
        select_first_drop=True,
        clock=fixed_clock,
    )


def tree_labels(tree: PodTree) -> dict[str, list[str]]:
    out = {}
    for ns in tree.root.children:
        out[str(ns.label).split()[0]] = [str(p.label).split()[0] for p in ns.children]
    return out


async def test_pods_counts_and_a_relabelled_pod_during_the_watch(tmp_path):
    with fake_cluster(tmp_path) as (srv, kubeconfig):
        app = live_app(kubeconfig)
        async with app.run_test(size=(180, 50)) as pilot:
            await wait_until(pilot, lambda: app.main.snapshot is not None and app.main.total_flows == 1)
            # the pods pane and the status bar show the fake cluster
            assert tree_labels(app.query_one(PodTree)) == {"prod": ["api-1", "web-1"]}
            cluster_status = app.main.status_data().cluster
            assert "context fake" in cluster_status
            assert "1 ns · 2 pods · 1 policy" in cluster_status
            assert app.main.kube_status is not None and app.main.kube_status.state in ("synced", "watching")
            # the drop is explained against it: web-1 lacks role=frontend
            await wait_until(pilot, lambda: app.main.selection is not None)
            await wait_for_explanations(app)
            await pilot.pause()
            assert app.main.current_expl is not None and not app.main.current_expl.verdict.allowed
            before = app.query_one("#explanation").text
            assert "prod/api-ingress" in before and "role" in before
            # relabelled while the app watches: the snapshot is replaced, the explanation follows
            srv.put(fa.pod("prod", "web-1", {"app": "web", "role": "frontend"}, "10.0.1.10"))
            await wait_until(
                pilot, lambda: app.main.snapshot.pod("prod/web-1").labels.get("role") == "frontend"
            )
            await wait_for_explanations(app)
            await wait_until(
                pilot, lambda: app.main.current_expl is not None and app.main.current_expl.verdict.allowed
            )
            after = app.query_one("#explanation").text
            assert after != before
            assert before.lstrip().startswith(wording.verdict_heading(False))
            # Hubble dropped it and the policies allow it: not a green ALLOWED (it did not go through)
            assert after.lstrip().startswith(strings.POLICIES_ALLOW_BADGE)
            assert "NetworkPolicies we know allow it" in " ".join(
                after.split()
            )  # Hubble dropped it, the relabelled cluster allows it


async def test_forbidden_networkpolicies_show_the_banner_naming_the_permission(tmp_path):
    with fake_cluster(tmp_path, forbid=("list", "networkpolicies")) as (_srv, kubeconfig):
        app = live_app(kubeconfig)
        async with app.run_test(size=(180, 50)) as pilot:
            banner = app.query_one("#banner")
            await wait_until(pilot, lambda: banner.display)
            text = str(banner.content)
            assert "networkpolicies" in text
            assert "grant list/watch on networking.k8s.io networkpolicies" in text
            await wait_until(pilot, lambda: app.main.snapshot is not None)
            assert (
                "2 pods · 0 policies" in app.main.status_data().cluster
            )  # what it could read is still shown
