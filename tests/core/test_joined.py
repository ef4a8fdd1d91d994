"""core/joined.py: egress and ingress observations of one connection paired (same 5-tuple, within the window)."""

from __future__ import annotations

from netpol_tui.core.joined import Joiner, five_tuple
from netpol_tui.core.model import Endpoint, Flow

S = 1_000_000_000


def obs(direction: str, t: float, verdict: str = "FORWARDED", *, sport: int = 40000, node: str = "n") -> Flow:
    return Flow(
        time_ns=int(t * S),
        verdict=verdict,
        traffic_direction=direction,
        protocol="TCP",
        source_port=sport,
        destination_port=8080,
        source=Endpoint(namespace="shop", pod_name="web-1", ip="10.0.0.1"),
        destination=Endpoint(namespace="shop", pod_name="api-1", ip="10.0.1.1"),
        node_name=node,
    )


def test_egress_then_ingress_join_into_one_pair():
    j = Joiner()
    eg = obs("EGRESS", 100.0, node="node-a")
    ing = obs("INGRESS", 100.2, "DROPPED", node="node-b")
    assert j.add(eg) is None
    pair = j.add(ing)
    assert pair is not None
    assert pair.egress is eg and pair.ingress is ing
    assert pair.decisive is ing and pair.verdicts_differ
    assert len(j) == 0


def test_ingress_first_also_joins_and_the_egress_drop_decides():
    j = Joiner()
    ing = obs("INGRESS", 5.0)
    eg = obs("EGRESS", 5.5, "DROPPED")
    assert j.add(ing) is None
    pair = j.add(eg)
    assert pair is not None and pair.egress is eg and pair.ingress is ing and pair.decisive is eg


def test_too_far_apart_or_other_tuple_or_same_direction_do_not_join():
    j = Joiner(window_ns=S)
    assert j.add(obs("EGRESS", 10.0)) is None
    assert j.add(obs("INGRESS", 11.5)) is None  # 1.5 s later: not the same packet
    assert j.add(obs("INGRESS", 11.6, sport=40001)) is None  # another source port
    assert j.add(obs("INGRESS", 11.7)) is None  # same direction as the waiting one
    both = j.add(obs("EGRESS", 11.8))
    assert both is not None and both.ingress.time_ns == int(11.7 * S)


def test_flows_without_direction_or_addresses_are_not_joined_nor_kept():
    j = Joiner()
    f = obs("TRAFFIC_DIRECTION_UNKNOWN", 1.0)
    assert j.add(f) is None and len(j) == 0
    no_ip = Flow(traffic_direction="EGRESS", protocol="TCP", source=Endpoint(namespace="a", pod_name="b"))
    assert five_tuple(no_ip) is None
    assert j.add(no_ip) is None and len(j) == 0


def test_memory_is_bounded_by_time_and_count():
    j = Joiner(window_ns=S, max_pending=100)
    for i in range(1000):
        j.add(obs("EGRESS", 50.0 + i * 0.0001, sport=i + 1))
    assert len(j) == 100
    j.add(obs("EGRESS", 60.0, sport=9))  # 10 s later: all the older ones expired
    assert len(j) == 1
