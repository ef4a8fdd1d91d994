"""Near misses read off the closest Cilium rule item: one typed record per trap."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cilium_kit import CLIENT, DNS_EGRESS, ECHO, PORT_8080, PROBES, SOURCES, EngineWorld, base_cluster, cnp

from netpol_tui.core.cilium.model import Direction
from netpol_tui.core.cilium.nearmiss import NearMissKind, l7_caveats, near_misses


def misses(
    objects: list[dict[str, Any]], src: str, probe: str, direction: Direction
) -> list[tuple[str, str, str]]:
    world = EngineWorld(base_cluster() + copy.deepcopy(objects))
    s, p = SOURCES[src], PROBES[probe]
    side = next(x for x in world.sides(s, p) if x.direction is direction)
    me, other = (world.party(s), world.party(p.dst))
    if direction is Direction.INGRESS:
        me, other = other, me
    other_id = world.engine.identity(other, me.node)
    return [(m.kind.value, m.value, m.actual) for m in near_misses(side, other_id, other.names)]


EG, IN = Direction.EGRESS, Direction.INGRESS


@pytest.mark.parametrize(
    ("objects", "src", "probe", "direction", "expected"),
    [
        (
            [cnp("w", {"endpointSelector": CLIENT, "egress": [{"toEntities": ["world"]}]})],
            "client",
            "n2",
            EG,
            [("wrong_entity", "world", "remote-node")],
        ),
        (
            [cnp("h", {"endpointSelector": ECHO, "ingress": [{"fromEntities": ["host"]}]})],
            "hn2",
            "es",
            IN,
            [("host_vs_remote_node", "host", "remote-node")],
        ),
        (
            [
                cnp(
                    "f",
                    {
                        "endpointSelector": CLIENT,
                        "egress": [{"toFQDNs": [{"matchPattern": "*.example.com"}]}, DNS_EGRESS],
                    },
                )
            ],
            "client",
            "deep",
            EG,
            [("fqdn_mismatch", "*.example.com", "a.b.example.com")],
        ),
        (
            [
                cnp(
                    "f",
                    {"endpointSelector": CLIENT, "egress": [{"toFQDNs": [{"matchName": "api.example.com"}]}]},
                )
            ],
            "client",
            "ext",
            EG,
            [("fqdn_no_dns_rule", "api.example.com", "api.example.com")],
        ),
        (
            [
                cnp(
                    "c",
                    {
                        "endpointSelector": ECHO,
                        "ingress": [
                            {"fromCIDRSet": [{"cidr": "198.51.100.0/24", "except": ["198.51.100.7/32"]}]}
                        ],
                    },
                )
            ],
            "w1",
            "es",
            IN,
            [("address_excepted", "198.51.100.7/32", "")],
        ),
        (
            [cnp("c", {"endpointSelector": ECHO, "ingress": [{"fromCIDR": ["10.0.1.0/24"]}]})],
            "client",
            "es",
            IN,
            [("cidr_at_endpoint", "10.0.1.0/24", "pod")],
        ),
        (
            [
                cnp(
                    "k",
                    {
                        "endpointSelector": CLIENT,
                        "egress": [
                            {
                                "toEndpoints": [
                                    {
                                        "matchLabels": {
                                            "name": "echo-same-node",
                                            "io.cilium.k8s.policy.cluster": "other",
                                        }
                                    }
                                ]
                            }
                        ],
                    },
                )
            ],
            "client",
            "es",
            EG,
            [("cluster_label", "other", "c1")],
        ),
        (
            [
                cnp(
                    "n",
                    {
                        "endpointSelector": CLIENT,
                        "egress": [{"toEndpoints": [{"matchLabels": {"k8s-app": "kube-dns"}}]}],
                    },
                )
            ],
            "client",
            "dns",
            EG,
            [("wrong_namespace", "cilium-test", "kube-system")],
        ),
        (
            [
                cnp(
                    "t",
                    {
                        "endpointSelector": ECHO,
                        "ingress": [{"fromEndpoints": [{"matchLabels": {"pod-template-hash": "abc12"}}]}],
                    },
                )
            ],
            "client",
            "es",
            IN,
            [("identity_filtered_label", "pod-template-hash", "")],
        ),
        (
            [
                cnp(
                    "i",
                    {
                        "endpointSelector": ECHO,
                        "ingress": [{"fromEndpoints": [CLIENT], "toPorts": PORT_8080}],
                    },
                )
            ],
            "client",
            "ep",
            IN,
            [("icmp_needs_icmps", "", "")],
        ),
        (
            [cnp("e", {"endpointSelector": ECHO, "ingress": [{}]})],
            "client",
            "es",
            IN,
            [("empty_rule", "", "")],
        ),
        (
            [cnp("d", {"endpointSelector": ECHO, "ingressDeny": [{"fromEntities": ["world"]}]})],
            "client",
            "es",
            IN,
            [("deny_only_isolates", "", "")],
        ),
    ],
)
def test_near_misses(
    objects: list[dict[str, Any]],
    src: str,
    probe: str,
    direction: Direction,
    expected: list[tuple[str, str, str]],
) -> None:
    assert misses(objects, src, probe, direction) == expected


def test_denied_side_has_no_near_miss_and_l7_caveat() -> None:
    assert (
        misses(
            [cnp("d", {"endpointSelector": ECHO, "ingressDeny": [{"fromEntities": ["world"]}]})],
            "w1",
            "es",
            IN,
        )
        == []
    )
    world = EngineWorld(
        base_cluster()
        + [
            cnp(
                "l7",
                {
                    "endpointSelector": ECHO,
                    "ingress": [
                        {
                            "fromEndpoints": [CLIENT],
                            "toPorts": [
                                {
                                    "ports": [{"port": "8080", "protocol": "TCP"}],
                                    "rules": {"http": [{"method": "GET"}]},
                                }
                            ],
                        }
                    ],
                },
            )
        ]
    )
    side = world.sides(SOURCES["client"], PROBES["es"])[1]
    assert [(m.kind, m.value, m.number) for m in l7_caveats(side)] == [
        (NearMissKind.L7_NOT_JUDGED, "http", 0)
    ]


def test_every_near_miss_kind_has_words() -> None:
    from netpol_tui.core.cilium.model import Section
    from netpol_tui.core.cilium.nearmiss import NearMiss
    from netpol_tui.core.wording.cilium import near_miss_text

    texts = {
        k: near_miss_text(NearMiss(k, "ns/p", "CiliumNetworkPolicy", Section.INGRESS, 0, IN, "v", "a"))
        for k in NearMissKind
    }
    assert len(set(texts.values())) == len(NearMissKind)
    assert "ns/p ingress rule #1" in texts[NearMissKind.WRONG_ENTITY]
    assert "`ingress: [{}]`" in texts[NearMissKind.EMPTY_RULE]
