"""Unit tests of the Cilium model: parser errors with field paths, FQDN patterns, ICMP names, identities."""

from __future__ import annotations

from typing import Any

import pytest
from cilium_kit import ccnp, cnp

from netpol_tui.core.cilium import fqdn, icmp
from netpol_tui.core.cilium.identity import (
    Identity,
    Party,
    PartyKind,
    entity_matches,
    identity_of,
    identity_relevant,
    pod_identity_labels,
)
from netpol_tui.core.cilium.model import (
    CiliumConfig,
    CiliumPolicy,
    Entity,
    FQDNPeer,
    IcmpFamily,
    L4Proto,
    L7Kind,
    PeerKind,
    PolicyKind,
    Reserved,
    Unjudged,
)
from netpol_tui.core.cilium.objects import collect
from netpol_tui.core.cilium.parse import CiliumParse, parse_cilium_object
from netpol_tui.core.model import Origin


def parse(doc: dict[str, Any]) -> CiliumParse:
    return parse_cilium_object(doc, Origin("f.yaml", 2))


def policy(doc: dict[str, Any]) -> CiliumPolicy:
    out = parse(doc)
    assert out.problems == []
    assert isinstance(out.obj, CiliumPolicy)
    return out.obj


# ---------------------------------------------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------------------------------------------
def test_cnp_spec_and_specs_are_rules_in_order() -> None:
    pol = policy(
        cnp(
            "p",
            {"endpointSelector": {}, "ingress": [{}]},
            specs=[
                {"endpointSelector": {"matchLabels": {"a": "b"}}, "egressDeny": [{"toEntities": ["world"]}]}
            ],
        )
    )
    assert pol.kind is PolicyKind.CNP and pol.key == "cilium-test/p"
    assert [r.path for r in pol.rules] == ["spec", "specs[0]"]
    assert pol.rules[0].ingress[0].selects_nothing
    item = pol.rules[1].egress_deny[0]
    assert item.path == "specs[0].egressDeny[0]" and item.peer_kind is PeerKind.ENTITIES
    assert item.entities == (Entity.WORLD,)
    assert pol.rules[1].endpoint_selector is not None
    assert pol.rules[1].endpoint_selector.selector.requirements[0].key == "any:a"


def test_ccnp_has_no_namespace_and_host_rules_are_noted() -> None:
    out = parse(ccnp("host", {"nodeSelector": {}, "ingress": [{"fromEntities": ["cluster"]}]}))
    assert isinstance(out.obj, CiliumPolicy)
    assert out.obj.namespace == "" and out.obj.key == "host"
    assert out.obj.rules[0].is_host_rule and out.obj.endpoint_rules == ()
    assert [(n.code, n.field, n.obj) for n in out.notes] == [
        ("cilium_host_rule_skipped", "spec.nodeSelector", "CiliumClusterwideNetworkPolicy host")
    ]


@pytest.mark.parametrize(
    ("spec", "code", "field"),
    [
        (
            {"endpointSelector": {}, "ingress": [{"fromEntities": ["wrold"]}]},
            "cilium_bad_entity",
            "spec.ingress[0].fromEntities[0]",
        ),
        (
            {"endpointSelector": {}, "egress": [{"toEntities": ["world"], "toCIDR": ["1.1.1.1/32"]}]},
            "cilium_mixed_peers",
            "spec.egress[0]",
        ),
        (
            {
                "endpointSelector": {},
                "egress": [{"toCIDRSet": [{"cidr": "10.0.0.0/8", "except": ["11.0.0.0/8"]}]}],
            },
            "except_outside_cidr",
            "spec.egress[0].toCIDRSet[0].except[0]",
        ),
        (
            {"endpointSelector": {}, "egress": [{"toCIDR": ["10.0.0/33"]}]},
            "bad_cidr",
            "spec.egress[0].toCIDR[0]",
        ),
        (
            {
                "endpointSelector": {},
                "ingress": [{"toPorts": [{"ports": [{"port": "80", "protocol": "TPC"}]}]}],
            },
            "cilium_bad_protocol",
            "spec.ingress[0].toPorts[0].ports[0].protocol",
        ),
        (
            {"endpointSelector": {}, "ingress": [{"toPorts": [{"ports": [{"port": "70000"}]}]}]},
            "cilium_bad_port",
            "spec.ingress[0].toPorts[0].ports[0].port",
        ),
        (
            {
                "endpointSelector": {},
                "ingress": [{"icmps": [{"fields": [{"type": "EchoRequest", "family": "IPv5"}]}]}],
            },
            "cilium_bad_icmp_family",
            "spec.ingress[0].icmps[0].fields[0].family",
        ),
        (
            {"endpointSelector": {}, "ingress": [{"icmps": [{"fields": [{"type": "Ping"}]}]}]},
            "cilium_bad_icmp_type",
            "spec.ingress[0].icmps[0].fields[0].type",
        ),
        (
            {
                "endpointSelector": {},
                "ingress": [{"icmps": [{"fields": [{"type": 8}]}], "toPorts": [{"ports": [{"port": "80"}]}]}],
            },
            "cilium_icmps_with_ports",
            "spec.ingress[0]",
        ),
        (
            {"endpointSelector": {}, "egressDeny": [{"toFQDNs": [{"matchName": "x.io"}]}]},
            "cilium_deny_fqdns",
            "spec.egressDeny[0].toFQDNs",
        ),
        (
            {
                "endpointSelector": {},
                "ingressDeny": [{"toPorts": [{"ports": [{"port": "80"}], "rules": {"http": [{}]}}]}],
            },
            "cilium_deny_l7",
            "spec.ingressDeny[0].toPorts[0].rules",
        ),
        ({"endpointSelector": {}, "nodeSelector": {}}, "cilium_selector_xor", "spec"),
        ({"ingress": [{}]}, "cilium_selector_xor", "spec"),
        ({"nodeSelector": {}, "ingress": [{}]}, "cilium_node_selector_in_cnp", "spec.nodeSelector"),
        (
            {"endpointSelector": {}, "egress": [{"toFQDNs": [{"matchName": "a", "matchPattern": "*"}]}]},
            "cilium_fqdn_entry",
            "spec.egress[0].toFQDNs[0]",
        ),
        (
            {"endpointSelector": {}, "egress": [{"toCIDRSet": [{"except": ["10.0.0.0/8"]}]}]},
            "cilium_cidrset_entry",
            "spec.egress[0].toCIDRSet[0]",
        ),
        ({"endpointSelector": {}, "ingress": "all"}, "wrong_type", "spec.ingress"),
        (
            {"endpointSelector": {}, "enableDefaultDeny": {"ingress": "no"}},
            "wrong_type",
            "spec.enableDefaultDeny.ingress",
        ),
    ],
)
def test_bad_fields_name_the_object_and_path(spec: dict[str, Any], code: str, field: str) -> None:
    out = parse(cnp("bad", spec))
    assert out.obj is None
    assert [(p.code, p.field, p.obj, p.origin.source, p.origin.document) for p in out.problems] == [
        (code, field, "CiliumNetworkPolicy cilium-test/bad", "f.yaml", 2)
    ]


def test_no_spec_at_all() -> None:
    out = parse(cnp("empty"))
    assert [(p.code, p.field) for p in out.problems] == [("cilium_no_spec", "spec")]


def test_one_bad_object_does_not_stop_the_others() -> None:
    objs = collect(
        [
            cnp("bad", {"endpointSelector": {}, "ingress": [{"fromEntities": ["x"]}]}),
            cnp("good", {"endpointSelector": {}, "ingress": [{}]}),
            {"kind": "Pod", "metadata": {"name": "p"}},
        ]
    )
    assert [p.name for p in objs.policies] == ["good"]
    assert [p.code for p in objs.problems] == ["cilium_bad_entity"]


def test_ports_defaults_names_l7_and_icmp_names() -> None:
    pol = policy(
        cnp(
            "p",
            {
                "endpointSelector": {},
                "ingress": [
                    {
                        "toPorts": [
                            {
                                "ports": [
                                    {"port": "8080"},
                                    {"port": "HTTP", "protocol": "tcp"},
                                    {"port": "1000", "endPort": 2000, "protocol": "UDP"},
                                    {"port": 0},
                                ],
                                "rules": {"http": [{"method": "GET"}]},
                            }
                        ]
                    },
                    {
                        "icmps": [
                            {
                                "fields": [
                                    {"type": "EchoRequest", "family": "IPv6"},
                                    {"type": 8},
                                    {"type": "8"},
                                ]
                            }
                        ]
                    },
                ],
            },
        )
    )
    pr = pol.rules[0].ingress[0].to_ports[0]
    assert [(p.port, p.name, p.end_port, p.protocol) for p in pr.ports] == [
        (8080, "", None, L4Proto.ANY),
        (0, "http", None, L4Proto.TCP),
        (1000, "", 2000, L4Proto.UDP),
        (0, "", None, L4Proto.ANY),
    ]
    assert pr.l7 == (L7Kind.HTTP,) and pol.rules[0].ingress[0].unjudged == (Unjudged.L7,)
    fields = pol.rules[0].ingress[1].icmps
    assert [(f.family, f.type) for f in fields] == [
        (IcmpFamily.IPV6, 128),
        (IcmpFamily.IPV4, 8),
        (IcmpFamily.IPV4, 8),
    ]


def test_cidr_group_node_service_endpoints_config() -> None:
    objs = collect(
        [
            {
                "apiVersion": "cilium.io/v2alpha1",
                "kind": "CiliumCIDRGroup",
                "metadata": {"name": "g", "labels": {"a": "b"}},
                "spec": {"externalCIDRs": ["192.0.2.0/24", "2001:db8::/32"]},
            },
            {"apiVersion": "cilium.io/v2", "kind": "CiliumCIDRGroup", "metadata": {"name": "h"}, "spec": {}},
            {
                "kind": "Node",
                "metadata": {"name": "n1", "annotations": {"network.cilium.io/ipv4-cilium-host": "10.0.0.1"}},
                "status": {
                    "addresses": [
                        {"type": "InternalIP", "address": "172.18.0.2"},
                        {"type": "Hostname", "address": "n1"},
                    ]
                },
            },
            {
                "kind": "Service",
                "metadata": {"name": "s", "namespace": "x"},
                "spec": {"selector": {"app": "a"}, "ports": [{"port": 80, "targetPort": "http"}]},
            },
            {
                "kind": "Endpoints",
                "metadata": {"name": "kubernetes", "namespace": "default"},
                "subsets": [{"addresses": [{"ip": "192.0.2.1"}]}],
            },
            {
                "kind": "ConfigMap",
                "metadata": {"name": "cilium-config", "namespace": "kube-system"},
                "data": {
                    "cluster-name": "mesh1",
                    "enable-policy": "always",
                    "policy-audit-mode": "true",
                    "enable-k8s-networkpolicy": "false",
                    "policy-cidr-match-mode": "nodes",
                    "allow-localhost": "bogus",
                },
            },
            {"kind": "ConfigMap", "metadata": {"name": "other", "namespace": "kube-system"}, "data": {}},
        ]
    )
    assert objs.problems == []
    assert [(g.name, [t for t, _ in g.cidrs], g.api_version) for g in objs.groups] == [
        ("g", ["192.0.2.0/24", "2001:db8::/32"], "cilium.io/v2alpha1"),
        ("h", [], "cilium.io/v2"),
    ]
    assert objs.nodes[0].addresses == ("172.18.0.2", "10.0.0.1")
    assert objs.services[0].selector == {"app": "a"} and objs.services[0].ports[0].target_port == "http"
    assert objs.endpoints[0].addresses == ("192.0.2.1",)
    cfg = objs.config
    assert cfg is not None
    assert (
        cfg.cluster_name,
        cfg.enable_policy.value,
        cfg.policy_audit_mode,
        cfg.enable_k8s_networkpolicy,
        cfg.policy_cidr_match_nodes,
        cfg.allow_localhost.value,
    ) == ("mesh1", "always", True, False, True, "auto")
    assert [(n.code, n.field) for n in objs.notes] == [("cilium_config_bad_value", "data.allow-localhost")]
    assert CiliumConfig().cluster_name == "default"


def test_invalid_selector_is_noted_and_selects_nothing() -> None:
    out = parse(cnp("p", {"endpointSelector": {"matchExpressions": [{"key": "a", "operator": "Equals"}]}}))
    assert [(n.code, n.field) for n in out.notes] == [
        ("cilium_selector_selects_nothing", "spec.endpointSelector")
    ]


# ---------------------------------------------------------------------------------------------------------------
# FQDN
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "name", "ok"),
    [
        ("*.x.io", "a.x.io", True),
        ("*.x.io", "x.io", False),
        ("*.x.io", "a.b.x.io", False),
        ("*.X.IO.", "A.x.io", True),
        ("*", "anything.at.all", True),
        ("**.x.io", "a.x.io", True),
        ("**.x.io", "a.b.x.io", True),
        ("**.x.io", "x.io", False),
        ("api-*.x.io", "api-eu1.x.io", True),
        ("api-*.x.io", "api.x.io", False),
        ("a.x.io", "aax.io", False),
    ],
)
def test_match_pattern(pattern: str, name: str, ok: bool) -> None:
    assert fqdn.matches(FQDNPeer(0, match_pattern=pattern), name) is ok


def test_match_name_case_and_final_dot() -> None:
    peer = FQDNPeer(0, match_name="one.one.one.one.")
    assert fqdn.matches(peer, "One.One.One.One")
    assert not fqdn.matches(peer, "two.one.one.one")
    assert fqdn.first_match(peer, ("x.io", "one.one.one.one.")) == "one.one.one.one."


# ---------------------------------------------------------------------------------------------------------------
# ICMP
# ---------------------------------------------------------------------------------------------------------------
def test_icmp_names_per_family() -> None:
    assert icmp.type_number(IcmpFamily.IPV4, "EchoRequest") == 8
    assert icmp.type_number(IcmpFamily.IPV4, "EchoReply") == 0
    assert icmp.type_number(IcmpFamily.IPV6, "EchoRequest") == 128
    assert icmp.type_number(IcmpFamily.IPV6, "NeighborSolicitation") == 135
    assert icmp.type_number(IcmpFamily.IPV4, "NeighborSolicitation") is None
    assert icmp.type_name(IcmpFamily.IPV4, 8) == "EchoRequest"
    assert icmp.family_of_protocol("ICMPv6") is IcmpFamily.IPV6
    assert icmp.family_of_protocol("TCP") is None


# ---------------------------------------------------------------------------------------------------------------
# identities and entities
# ---------------------------------------------------------------------------------------------------------------
def test_pod_identity_labels() -> None:
    labels = pod_identity_labels(
        {
            "app": "a",
            "pod-template-hash": "x",
            "statefulset.kubernetes.io/pod-name": "a-0",
            "app.kubernetes.io/name": "shop",
            "io.kubernetes.foo": "y",
        },
        "prod",
        {"kubernetes.io/metadata.name": "prod", "team": "red"},
        service_account="api",
        cluster="c1",
    )
    assert labels == {
        "app": "a",
        "app.kubernetes.io/name": "shop",
        "io.kubernetes.pod.namespace": "prod",
        "io.cilium.k8s.policy.serviceaccount": "api",
        "io.cilium.k8s.policy.cluster": "c1",
        "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name": "prod",
        "io.cilium.k8s.namespace.labels.team": "red",
    }
    assert not identity_relevant("controller-revision-hash")
    assert identity_relevant("app.kubernetes.io/name")


def _id(party: Party, node: str = "n1", **cfg: Any) -> Identity:
    return identity_of(party, node, CiliumConfig(**cfg))


def test_node_is_host_locally_and_remote_node_elsewhere() -> None:
    node = Party(PartyKind.NODE, ip="172.18.0.2", node="n1")
    assert _id(node, "n1").reserved == frozenset({Reserved.HOST})
    assert _id(node, "n2").reserved == frozenset({Reserved.REMOTE_NODE})
    assert not _id(node).cidr_selectable and _id(node, policy_cidr_match_nodes=True).cidr_selectable
    api = Party(PartyKind.WORLD, ip="192.0.2.1", kube_apiserver=True)
    assert _id(api).reserved == frozenset({Reserved.WORLD, Reserved.WORLD_IPV4, Reserved.KUBE_APISERVER})


@pytest.mark.parametrize(
    ("entity", "party", "ok"),
    [
        (Entity.WORLD, Party(PartyKind.WORLD, ip="1.1.1.1"), True),
        (Entity.WORLD_IPV6, Party(PartyKind.WORLD, ip="1.1.1.1"), False),
        (Entity.WORLD, Party(PartyKind.NODE, node="n2"), False),
        (Entity.CLUSTER, Party(PartyKind.NODE, node="n2"), True),
        (Entity.CLUSTER, Party(PartyKind.WORLD, ip="1.1.1.1"), False),
        (Entity.CLUSTER, Party(PartyKind.POD, labels={"io.cilium.k8s.policy.cluster": "default"}), True),
        (Entity.CLUSTER, Party(PartyKind.POD, labels={"io.cilium.k8s.policy.cluster": "other"}), False),
        (Entity.ALL, Party(PartyKind.WORLD, ip="1.1.1.1"), True),
        (Entity.NONE, Party(PartyKind.WORLD, ip="1.1.1.1"), False),
        (Entity.HOST, Party(PartyKind.NODE, node="n1"), True),
        (Entity.REMOTE_NODE, Party(PartyKind.NODE, node="n1"), False),
        (Entity.HEALTH, Party(PartyKind.RESERVED, reserved=frozenset({Reserved.HEALTH})), True),
        (Entity.KUBE_APISERVER, Party(PartyKind.NODE, node="n2", kube_apiserver=True), True),
    ],
)
def test_entities(entity: Entity, party: Party, ok: bool) -> None:
    assert entity_matches(entity, _id(party), CiliumConfig()) is ok


def test_a_host_network_address_is_its_node_without_node_objects() -> None:
    from cilium_kit import EngineWorld, base_cluster

    docs = [d for d in base_cluster() if d["kind"] != "Node"]
    world = EngineWorld(docs)
    party = world.engine.ip_party("172.18.0.3")
    assert (party.kind, party.node) == (PartyKind.NODE, "node2")
    assert world.engine.identity(party, "node1").reserved == frozenset({Reserved.REMOTE_NODE})
    assert world.engine.ip_party("203.0.113.99").kind is PartyKind.WORLD


def test_service_account_is_read_and_part_of_the_identity() -> None:
    from cilium_kit import EngineWorld, base_cluster

    docs = base_cluster()
    for d in docs:
        if d["kind"] == "Pod" and d["metadata"]["name"] == "client2":
            d["spec"]["serviceAccountName"] = "robot"
    world = EngineWorld(docs)
    assert world.pods["cilium-test/client2"].service_account == "robot"
    party = world.engine.pod_party(world.pods["cilium-test/client2"])
    assert party.labels["io.cilium.k8s.policy.serviceaccount"] == "robot"
    party = world.engine.pod_party(world.pods["cilium-test/client"])
    assert party.labels["io.cilium.k8s.policy.serviceaccount"] == "default"
