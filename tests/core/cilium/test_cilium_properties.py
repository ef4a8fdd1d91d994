"""Hypothesis properties of the Cilium engine on random policies over the connectivity-test cluster.

* the fast path (`detailed=False`) and the detailed side always agree;
* a deny always wins: whatever allows are added (an allow-all CNP and CCNP), a side a deny item matches stays
  denied with 181, and `denied_by` names that item;
* an `except` never allows: removing a deny's except entries only ever denies more.
"""

from __future__ import annotations

import copy
from typing import Any

from cilium_kit import PROBES, SOURCES, EngineWorld, base_cluster, ccnp, cnp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netpol_tui.core.cilium.engine import Drop
from netpol_tui.core.cilium.model import Direction

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

LABELS = {
    "kind": ["client", "echo"],
    "name": ["client", "client2", "echo-same-node", "echo-other-node"],
    "other": ["client", "echo"],
}
ENTITIES = ["world", "cluster", "host", "remote-node", "all", "kube-apiserver", "none"]
CIDRS = ["198.51.100.0/24", "0.0.0.0/0", "1.0.0.0/8", "203.0.113.0/24", "10.0.0.0/8", "172.18.0.0/16"]


@st.composite
def selector(draw: Any) -> dict[str, Any]:
    key = draw(st.sampled_from([None, *LABELS]))
    if key is None:
        return {}
    return {"matchLabels": {key: draw(st.sampled_from(LABELS[key]))}}


@st.composite
def item(draw: Any, side: str, deny: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    kind = draw(st.sampled_from(["endpoints", "entities", "cidr", "none"] + ([] if deny else ["fqdn"])))
    if kind == "endpoints":
        out[f"{side}Endpoints"] = draw(st.lists(selector(), max_size=2))
    elif kind == "entities":
        out[f"{side}Entities"] = draw(st.lists(st.sampled_from(ENTITIES), max_size=2, unique=True))
    elif kind == "cidr":
        cidr = draw(st.sampled_from(CIDRS))
        entry: dict[str, Any] = {"cidr": cidr}
        if cidr == "198.51.100.0/24" and draw(st.booleans()):
            entry["except"] = ["198.51.100.7/32"]
        out[f"{side}CIDRSet"] = [entry]
    elif kind == "fqdn" and side == "to":
        out["toFQDNs"] = [{"matchPattern": draw(st.sampled_from(["*", "*.example.com", "one.one.one.one"]))}]
    ports = draw(st.sampled_from([None, "8080/TCP", "8080/ANY", "53/UDP", "icmp8"]))
    if ports == "icmp8":
        out["icmps"] = [{"fields": [{"type": 8}]}]
    elif ports is not None:
        p, proto = ports.split("/")
        out["toPorts"] = [{"ports": [{"port": p, "protocol": proto}]}]
    return out


@st.composite
def rule(draw: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"endpointSelector": draw(selector())}
    for section, side, deny in (
        ("ingress", "from", False),
        ("ingressDeny", "from", True),
        ("egress", "to", False),
        ("egressDeny", "to", True),
    ):
        items = draw(st.one_of(st.none(), st.lists(item(side, deny), max_size=2)))
        if items is not None:
            spec[section] = items
    if draw(st.booleans()) and draw(st.booleans()):
        spec["enableDefaultDeny"] = {"ingress": draw(st.booleans()), "egress": draw(st.booleans())}
    return spec


@st.composite
def policies(draw: Any) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(1, 3))):
        spec = draw(rule())
        out.append(ccnp(f"c{i}", spec) if draw(st.booleans()) else cnp(f"p{i}", spec))
    return out


CELLS = [(s, p) for s in SOURCES for p in PROBES if SOURCES[s].pod or PROBES[p].dst.pod]


@SETTINGS
@given(policies())
def test_fast_path_equals_detailed(pols: list[dict[str, Any]]) -> None:
    world = EngineWorld(base_cluster() + pols)
    for s, p in CELLS:
        world.cell(SOURCES[s], PROBES[p])  # asserts fast == detailed inside


ALLOW_ALL = [
    cnp(
        "zz-allow-all",
        {"endpointSelector": {}, "ingress": [{"fromEntities": ["all"]}], "egress": [{"toEntities": ["all"]}]},
    ),
    ccnp(
        "zz-allow-all",
        {"endpointSelector": {}, "ingress": [{"fromEntities": ["all"]}], "egress": [{"toEntities": ["all"]}]},
    ),
]


@SETTINGS
@given(policies())
def test_deny_always_wins(pols: list[dict[str, Any]]) -> None:
    world = EngineWorld(base_cluster() + pols)
    opened = world.with_objects(copy.deepcopy(ALLOW_ALL))
    for s, p in CELLS:
        for side in world.sides(SOURCES[s], PROBES[p]):
            if not side.denied_by:
                continue
            again = next(x for x in opened.sides(SOURCES[s], PROBES[p]) if x.direction is side.direction)
            ok, drop = again.combined(True, True)
            assert not ok and drop is Drop.POLICY_DENY, (s, p, side.direction)
            assert {(d.policy.key, d.path) for d in again.denied_by} == {
                (d.policy.key, d.path) for d in side.denied_by
            }


@SETTINGS
@given(policies())
def test_allow_all_opens_everything_not_denied(pols: list[dict[str, Any]]) -> None:
    opened = EngineWorld(base_cluster() + pols + copy.deepcopy(ALLOW_ALL))
    for s, p in CELLS:
        for side in opened.sides(SOURCES[s], PROBES[p]):
            ok, drop = side.combined(False, False)
            assert ok == (not side.denied_by), (s, p, side.direction, drop)
            if side.direction is Direction.INGRESS and side.enforced:
                assert side.isolated


@st.composite
def port_item(draw: Any) -> dict[str, Any]:
    """An ingress item with random `toPorts` (numbers, ranges, names, 0, every protocol) or `icmps`."""
    if draw(st.booleans()) and draw(st.booleans()):
        fields = [
            {"family": draw(st.sampled_from(["IPv4", "IPv6"])), "type": draw(st.sampled_from([0, 8, 128]))}
            for _ in range(draw(st.integers(1, 2)))
        ]
        return {"fromEntities": ["all"], "icmps": [{"fields": fields}]}
    to_ports = []
    for _ in range(draw(st.integers(0, 3))):
        ports = []
        for _ in range(draw(st.integers(0, 3))):
            entry: dict[str, Any] = {"protocol": draw(st.sampled_from(["TCP", "UDP", "SCTP", "ANY"]))}
            kind = draw(st.sampled_from(["number", "range", "name", "zero"]))
            if kind == "number":
                entry["port"] = str(draw(st.sampled_from([53, 80, 8080, 8081])))
            elif kind == "range":
                entry["port"] = "8000"
                entry["endPort"] = draw(st.sampled_from([8079, 8080, 9000]))
            elif kind == "name":
                entry["port"] = draw(st.sampled_from(["http", "dns", "nope"]))
            else:
                entry["port"] = "0"
            ports.append(entry)
        to_ports.append({"ports": ports} if ports else {})
    return {"fromEntities": ["all"], **({"toPorts": to_ports} if to_ports else {})}


@SETTINGS
@given(st.lists(port_item(), min_size=1, max_size=4))
def test_port_admits_is_check_port_ok(items: list[dict[str, Any]]) -> None:
    """The evaluator's fast port answer equals the detailed check's, entry by entry, on every probe."""
    from netpol_tui.core.cilium.matchers import check_port, port_admits

    world = EngineWorld(base_cluster() + [cnp("ports", {"endpointSelector": {}, "ingress": items})])
    (policy,) = world.objs.policies
    parsed = [i for rule in policy.rules for i in rule.ingress]
    assert len(parsed) == len(items)
    for item_ in parsed:
        for probe in PROBES.values():
            if not probe.dst.pod:
                continue
            dst = world.party(probe.dst)
            for port, proto in (
                (probe.port, probe.protocol),
                (53, "UDP"),
                (8000, "TCP"),
                (8, "ICMPv4"),
                (128, "ICMPv6"),
            ):
                assert port_admits(item_, port, proto, dst) == check_port(item_, port, proto, dst).ok, (
                    item_,
                    port,
                    proto,
                )
