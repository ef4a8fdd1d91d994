"""Our denied_by / allowed_by next to Hubble's, and Hubble's endpoint labels next to the snapshot's identity."""

from __future__ import annotations

import copy

from cilium_kit import ECHO, PROBES, SOURCES, EngineWorld, base_cluster, cnp

from netpol_tui.core.cilium.attribution import (
    LabelDiff,
    allowing_cilium,
    compare_allowed_by,
    compare_denied_by,
    label_differences,
)
from netpol_tui.core.cilium.model import Direction
from netpol_tui.core.model import PolicyRef

POLICIES = [
    cnp(
        "echo-deny-client2",
        {
            "endpointSelector": ECHO,
            "ingressDeny": [{"fromEndpoints": [{"matchLabels": {"name": "client2"}}]}],
            "ingress": [{"fromEndpoints": [{}]}],
        },
    ),
]


def test_denied_by_agreement_and_disagreement() -> None:
    world = EngineWorld(base_cluster() + copy.deepcopy(POLICIES))
    _, ing = world.sides(SOURCES["client2"], PROBES["es"])
    same = compare_denied_by(
        Direction.INGRESS, [PolicyRef("echo-deny-client2", "cilium-test", "CiliumNetworkPolicy")], ing
    )
    assert same.agrees
    other = compare_denied_by(
        Direction.INGRESS, [PolicyRef("old-deny", "cilium-test", "CiliumNetworkPolicy")], ing
    )
    assert other.only_hubble == ("CiliumNetworkPolicy cilium-test/old-deny",)
    assert other.only_ours == ("CiliumNetworkPolicy cilium-test/echo-deny-client2",)


def test_allowed_by() -> None:
    world = EngineWorld(base_cluster() + copy.deepcopy(POLICIES))
    _, ing = world.sides(SOURCES["client"], PROBES["es"])
    ours = allowing_cilium(ing)
    assert ours == [("cilium-test", "echo-deny-client2", "CiliumNetworkPolicy")]
    diff = compare_allowed_by(Direction.INGRESS, [], ours)
    assert diff.only_ours == ("CiliumNetworkPolicy cilium-test/echo-deny-client2",) and not diff.agrees


def test_label_differences() -> None:
    diffs = label_differences({"app": "a", "tier": "web"}, {"app": "b", "io.cilium.k8s.policy.cluster": "c1"})
    assert diffs == (LabelDiff("app", "a", "b"), LabelDiff("tier", "web", None))
