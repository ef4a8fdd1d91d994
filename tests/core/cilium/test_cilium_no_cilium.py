"""A cluster without Cilium objects evaluates exactly as before (hypothesis, over the generators of
tests/core/test_properties.py): the plain evaluator's answers, and Node, Service and Endpoints objects (now read
for Cilium) change no verdict, no isolation and no attribution."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
from typing import Any

from hypothesis import given

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import Evaluator
from netpol_tui.core.evaluate_cilium import CiliumEvaluator
from netpol_tui.core.manifests import parse_objects

_spec = importlib.util.spec_from_file_location(
    "netpol_properties", Path(__file__).parents[1] / "test_properties.py"
)
assert _spec is not None and _spec.loader is not None
props: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(props)

EXTRA = [
    {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n1"},
        "status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.1"}]},
    },
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s", "namespace": "n1"},
        "spec": {"selector": {"app": "a"}, "ports": [{"port": 80}]},
    },
    {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "kubernetes", "namespace": "default"},
        "subsets": [{"addresses": [{"ip": "203.0.113.7"}]}],
    },
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "other", "namespace": "kube-system"},
        "data": {},
    },
]


def snapshot(docs: list[dict[str, Any]]) -> ClusterSnapshot:
    parsed = parse_objects(copy.deepcopy(docs))
    assert parsed.problems == []
    return ClusterSnapshot.from_parse(parsed)


@props.SETTINGS
@given(docs=props.cluster())
def test_without_cilium_objects_nothing_changes(docs: list[dict[str, Any]]) -> None:
    plain = snapshot(docs)
    assert type(plain.evaluator) is Evaluator
    with_extra = snapshot(docs + EXTRA)
    ev = with_extra.evaluator
    # Nodes, Services and Endpoints alone do not make a Cilium cluster
    assert type(ev) is Evaluator or (isinstance(ev, CiliumEvaluator) and not ev.active)
    assert props.fingerprint(with_extra) == props.fingerprint(plain)
    # and the same as an evaluator built directly on the NetworkPolicies alone
    direct = ClusterSnapshot(plain.namespaces.values(), plain.pods.values(), plain.policies)
    assert props.fingerprint(direct) == props.fingerprint(plain)
