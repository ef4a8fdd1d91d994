"""The small live cluster of the TUI's kube tests (confirm-fix loop, live kube path, changes timeline), served by
the in-process fake API server: namespace `prod` with `web-1` (app=web) and `api-1` (app=api, port 8080 "http"),
the `api-ingress` NetworkPolicy each test chooses, and the dropped flow web-1 → api-1:8080."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from support import fake_apiserver as fa

from netpol_tui.core.model import Endpoint, EndpointKind, Flow

WEB = Endpoint(
    ip="10.0.1.10", kind=EndpointKind.POD, namespace="prod", pod_name="web-1", labels={"app": "web"}
)
API = Endpoint(
    ip="10.0.1.5", kind=EndpointKind.POD, namespace="prod", pod_name="api-1", labels={"app": "api"}
)
DROP = Flow(
    time_ns=1_764_151_200_000_000_000,
    verdict="DROPPED",
    drop_reason="POLICY_DENIED",
    traffic_direction="INGRESS",
    protocol="TCP",
    source_port=40000,
    destination_port=8080,
    source=WEB,
    destination=API,
    node_name="node-1",
)


def prod_objects(api_ingress: dict[str, Any]) -> list[dict[str, Any]]:
    """The cluster's objects, `api_ingress` as the spec of prod/api-ingress."""
    return [
        fa.namespace("prod", {"team": "shop"}),
        fa.pod("prod", "web-1", {"app": "web"}, "10.0.1.10"),
        fa.pod("prod", "api-1", {"app": "api"}, "10.0.1.5", ports=[(8080, "http")]),
        fa.network_policy("prod", "api-ingress", api_ingress),
    ]


@contextlib.contextmanager
def fake_prod_cluster(
    tmp_path: Any, api_ingress: dict[str, Any], forbid: tuple[str, str] | None = None
) -> Iterator[tuple[fa.FakeApiServer, str]]:
    """The fake API server serving `prod_objects` (with `forbid`: that resource refused), and a kubeconfig for
    it; stopped after."""
    srv = fa.FakeApiServer().start()
    try:
        srv.put(*prod_objects(api_ingress))
        if forbid:
            srv.forbid(*forbid)
        yield srv, srv.write_kubeconfig(str(tmp_path / "kubeconfig"))
    finally:
        srv.stop()
