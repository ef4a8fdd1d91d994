"""`netpol-tui explain --json` over a cluster YAML text and jsonpb lines, through `netpol_tui.cli.main` (for the
tests that judge hand-made flows against a small cluster)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netpol_tui.cli import main

# cilium-config naming this cluster `east` (of a mesh), and namespace shop: the head of the small clusters
EAST_SHOP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: cilium-config, namespace: kube-system}
data: {cluster-name: east}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
"""


def pod_yaml(name: str, app: str, ip: str) -> str:
    return f"""\
---
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: shop, labels: {{app: {app}}}}}
status: {{podIP: {ip}}}
"""


def explain_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cluster: str, lines: list[str]
) -> list[dict[str, Any]]:
    """The JSON objects `explain --json` prints for these lines (exit status 0 asserted)."""
    (tmp_path / "cluster.yaml").write_text(cluster)
    (tmp_path / "flows.json").write_text("\n".join(lines) + "\n")
    args = ["--flows", str(tmp_path / "flows.json"), "--cluster", str(tmp_path / "cluster.yaml"), "--json"]
    code = main(["explain", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return [json.loads(x) for x in out.splitlines()]


def cnp_yaml(name: str, app: str, rules: str) -> str:
    """A CiliumNetworkPolicy of namespace shop on the pods `app: <app>`; `rules`: its spec after the selector."""
    return f"""\
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {{name: {name}, namespace: shop}}
spec:
  endpointSelector: {{matchLabels: {{app: {app}}}}}
{rules}"""
