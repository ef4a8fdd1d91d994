"""Verified fixes through the full evaluator: every denied cell of every set gets fixes in the right dialect that,
applied to the cluster as YAML objects, allow the connection."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from cilium_kit import PROBES, SOURCES, EvaluatorWorld, base_cluster, denied_cells
from cilium_sets import MIXED_SETS, SETS

from netpol_tui.core.suggest_cilium import suggest_cilium_fixes

ALL = SETS + MIXED_SETS


def replaced(docs: list[dict[str, Any]], manifests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(d: dict[str, Any]) -> tuple[str, str, str]:
        meta = d.get("metadata") or {}
        return (str(d.get("kind")), str(meta.get("namespace") or ""), str(meta.get("name")))

    new = {key(m) for m in manifests}
    return [d for d in docs if key(d) not in new] + manifests


@pytest.mark.parametrize("ps", ALL, ids=[s.name for s in ALL])
def test_every_denied_cell_gets_verified_fixes(ps: Any) -> None:
    docs = base_cluster(ps.config) + copy.deepcopy(ps.objects)
    for c in denied_cells(ps):
        src, probe, verdict, fixes = c.source, c.probe, c.verdict, c.fixes
        assert fixes, (ps.name, src, probe)
        for fix in fixes:
            side = verdict.egress if fix.side == "egress" else verdict.ingress
            cilium_isolates = side.cilium is not None and (side.cilium.isolated or side.cilium.denied_by)
            if cilium_isolates:
                assert fix.kind != "NetworkPolicy", (ps.name, src, probe)
            elif src not in ("hn1", "hn2"):  # a node is not a NetworkPolicy peer under Cilium: CNP entity
                assert fix.kind == "NetworkPolicy", (ps.name, src, probe, fix.kind)
            assert fix.opens_other_pairs >= 0
        if c.cell == "D":
            assert all(f.action == "patch" for f in fixes if f.kind != "NetworkPolicy")
        # the YAML as a user applies it, then a fresh evaluation
        manifests = [yaml.safe_load(f.yaml) for f in fixes]
        again = EvaluatorWorld(replaced(copy.deepcopy(docs), manifests))
        assert again.cell(SOURCES[src], PROBES[probe]) == ".", (ps.name, src, probe, [f.yaml for f in fixes])


def test_fix_json_targets_and_pairs() -> None:
    from cilium_kit import ccnp

    docs = base_cluster() + [
        ccnp(
            "deny-world",
            {
                "endpointSelector": {},
                "ingressDeny": [{"fromEntities": ["world"]}],
                "ingress": [{"fromEntities": ["all"]}],
            },
        )
    ]
    world = EvaluatorWorld(docs)
    verdict = world.verdict(SOURCES["w1"], PROBES["es"])
    (fix,) = suggest_cilium_fixes(verdict, world.snapshot, world.evaluator)
    out = fix.to_json()
    assert (out["kind"], out["action"], out["target"], out["side"]) == (
        "CiliumClusterwideNetworkPolicy",
        "patch",
        "deny-world",
        "ingress",
    )
    # the world deny is removed for everyone: no pod pair is newly opened (world is not a pod)
    assert out["opens_other_pairs"] == 0

    docs = base_cluster() + [
        {
            "apiVersion": "cilium.io/v2",
            "kind": "CiliumNetworkPolicy",
            "metadata": {"name": "deny-all", "namespace": "cilium-test"},
            "spec": {"endpointSelector": {}, "ingress": [{}]},
        }
    ]
    world = EvaluatorWorld(docs)
    verdict = world.verdict(SOURCES["client"], PROBES["es"])
    (fix,) = suggest_cilium_fixes(verdict, world.snapshot, world.evaluator)
    assert fix.to_json()["target"] == "cilium-test/" + fix.name
    assert fix.manifest["spec"]["endpointSelector"] == {
        "matchLabels": {"kind": "echo", "name": "echo-same-node", "other": "echo"}
    }
    assert fix.opens_other_pairs == 0
