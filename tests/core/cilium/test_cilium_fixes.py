"""Every denied cell of every connectivity set gets Cilium-dialect fixes that, applied, allow the connection."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cilium_kit import PROBES, SOURCES, EngineWorld, base_cluster, parse_matrix
from cilium_sets import SETS

from netpol_tui.core.cilium.fixes import CiliumFix, FixKind, allow_policy, deny_fixes, needs_dns_rule
from netpol_tui.core.cilium.model import Direction, PolicyKind
from netpol_tui.core.cilium.parse import parse_cilium_object


def fixes_for(world: EngineWorld, src: str, probe: str) -> list[CiliumFix]:
    s_end, pr = SOURCES[src], PROBES[probe]
    s, d = world.party(s_end), world.party(pr.dst)
    out: list[CiliumFix] = []
    for side in world.sides(s_end, pr):
        ok, _ = side.combined(False, False)
        if ok:
            continue
        me, other = (s, d) if side.direction is Direction.EGRESS else (d, s)
        other_id = world.engine.identity(other, me.node)
        if side.denied_by:
            out += deny_fixes(side, me, other, other_id, pr.port, pr.protocol)
        else:
            taken = {p.name for p in world.objs.policies} | {f.name for f in out}
            out.append(
                allow_policy(
                    side.direction,
                    me,
                    other,
                    other_id,
                    pr.port,
                    pr.protocol,
                    needs_dns=needs_dns_rule(side),
                    taken=taken,
                )
            )
    return out


CASES = [
    (ps, src, probe)
    for ps in SETS
    for (src, probe), cell in sorted(parse_matrix(ps.expect)[1].items())
    if cell != "."
]


@pytest.mark.parametrize("ps", SETS, ids=[s.name for s in SETS])
def test_every_denied_cell_is_fixed(ps: Any) -> None:
    world = EngineWorld(base_cluster(ps.config) + copy.deepcopy(ps.objects))
    cells = [(src, probe) for (src, probe), cell in sorted(parse_matrix(ps.expect)[1].items()) if cell != "."]
    for src, probe in cells:
        fixes = fixes_for(world, src, probe)
        assert fixes, (src, probe)
        for fix in fixes:
            parsed = parse_cilium_object(fix.manifest)
            assert parsed.problems == [], (src, probe, parsed.problems, fix.manifest)
            assert fix.manifest["kind"] in ("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy")
        if any(f.kind is not FixKind.ALLOW for f in fixes):
            # a deny decided: no bare allow is offered
            assert all(f.kind is not FixKind.ALLOW for f in fixes)
        after = world.with_objects([f.manifest for f in fixes])
        assert after.cell(SOURCES[src], PROBES[probe]) == ".", (
            ps.name,
            src,
            probe,
            [f.manifest for f in fixes],
        )


def test_fix_shapes() -> None:
    sets = {s.name: s for s in SETS}
    world = EngineWorld(base_cluster() + copy.deepcopy(sets["to-fqdns-without-dns-rule"].objects))
    (fix,) = fixes_for(world, "client", "ext")
    assert fix.policy_kind is PolicyKind.CNP and fix.create and fix.namespace == "cilium-test"
    spec = fix.manifest["spec"]
    assert spec["endpointSelector"] == {"matchLabels": {"kind": "client", "name": "client"}}
    assert spec["egress"][0] == {
        "toFQDNs": [{"matchName": "api.example.com"}],
        "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}],
    }
    assert spec["egress"][1]["toPorts"][0]["rules"] == {"dns": [{"matchPattern": "*"}]}

    world = EngineWorld(base_cluster() + copy.deepcopy(sets["all-ingress-deny"].objects))
    (fix,) = fixes_for(world, "hn2", "ep")
    assert fix.manifest["spec"]["ingress"] == [
        {"fromEntities": ["remote-node"], "icmps": [{"fields": [{"family": "IPv4", "type": 8}]}]}
    ]
    (fix,) = fixes_for(world, "client2", "eo")
    assert fix.manifest["spec"]["ingress"] == [
        {
            "fromEndpoints": [
                {"matchLabels": {"k8s:kind": "client", "k8s:name": "client2", "k8s:other": "client"}}
            ],
            "toPorts": [{"ports": [{"port": "8080", "protocol": "TCP"}]}],
        }
    ]

    world = EngineWorld(base_cluster() + copy.deepcopy(sets["echo-ingress-from-other-client-deny"].objects))
    (fix,) = fixes_for(world, "client2", "es")
    assert fix.kind is FixKind.NARROW_DENY and not fix.create
    assert fix.manifest["spec"]["ingressDeny"] == [
        {
            "fromEndpoints": [
                {
                    "matchLabels": {"other": "client"},
                    "matchExpressions": [{"key": "k8s:name", "operator": "NotIn", "values": ["client2"]}],
                }
            ]
        }
    ]
    assert set(fix.manifest) == {"apiVersion", "kind", "metadata", "spec"}

    world = EngineWorld(base_cluster() + copy.deepcopy(sets["deny-only-isolates"].objects))
    (fix,) = fixes_for(world, "w1", "es")
    # the world deny cannot be narrowed by entity: removed, and the allow rides in the same policy
    assert fix.kind is FixKind.REMOVE_DENY
    assert fix.manifest["spec"]["ingressDeny"] == []
    assert fix.manifest["spec"]["ingress"] == [
        {"fromCIDR": ["198.51.100.7/32"], "toPorts": [{"ports": [{"port": "8080", "protocol": "TCP"}]}]}
    ]
