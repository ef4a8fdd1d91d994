"""DropAggregator (groups, counts, first/last seen, LRU bound) and ExplanationCache (one explanation per storm)."""

from __future__ import annotations

import dataclasses
import json

from test_explain_support import (
    API,
    API2,
    COREDNS,
    FRONTEND,
    WORKER,
    demo_entry,
    demo_flow,
    demo_jsonpb,
    demo_snapshot,
    drop,
)

from netpol_tui.core import wording
from netpol_tui.core.aggregate import DropAggregator, ExplanationCache, flow_is_reply, group_key
from netpol_tui.sources.flows import convert_json

SEC = 1_000_000_000


def at(flow, t: int):
    return dataclasses.replace(flow, time_ns=t)


def test_groups_by_workload_pair_port_direction_reason() -> None:
    snap = demo_snapshot()
    agg = DropAggregator()
    a = demo_flow(FRONTEND, API, 8080)
    # the other frontend replica to the other api replica: same workloads, same group
    b = demo_flow("shop/frontend-6d4cf56db6-q9v8m", API2, 8080)
    dns = demo_flow(WORKER, COREDNS, 53)
    assert (
        group_key(a)
        == group_key(b)
        == ("shop/frontend", "shop/api", 8080, "TCP", "INGRESS", "POLICY_DENIED", False)
    )
    agg.add(at(a, 5 * SEC), snap)
    agg.add(at(b, 3 * SEC), snap)
    agg.add(at(a, 9 * SEC), snap)
    for t in (1, 2):
        agg.add(at(dns, t * SEC), snap)
    # another direction, another port or another reason: other groups
    agg.add(at(dataclasses.replace(a, traffic_direction="EGRESS"), 4 * SEC), snap)
    agg.add(at(dataclasses.replace(a, destination_port=9090), 4 * SEC), snap)
    agg.add(at(dataclasses.replace(a, drop_reason="POLICY_DENY", drop_reason_code=181), 4 * SEC), snap)
    # forwarded flows are not drops
    assert agg.add(dataclasses.replace(a, verdict="FORWARDED", drop_reason=""), snap) is None
    groups = agg.by_count()
    assert [g.count for g in groups] == [3, 2, 1, 1, 1]
    top = groups[0]
    assert (top.source, top.destination, top.port, top.protocol, top.direction, top.reason) == (
        "shop/frontend",
        "shop/api",
        8080,
        "TCP",
        "INGRESS",
        "POLICY_DENIED",
    )
    assert (top.first_ns, top.last_ns) == (3 * SEC, 9 * SEC)
    assert top.pods == {(FRONTEND, API), ("shop/frontend-6d4cf56db6-q9v8m", API2)}
    assert top.explanation is not None and top.explanation.case == "policy_drop"
    assert groups[1].key[:3] == ("shop/worker", "kube-system/coredns", 53)
    assert agg.total == 8 and len(agg.groups) == 5


def test_audit_flows_are_grouped_too() -> None:
    snap = demo_snapshot()
    agg = DropAggregator()
    group = agg.add(demo_flow(FRONTEND, API, 8080, override=("AUDIT", "", "INGRESS")), snap)
    assert group is not None and group.reason == "AUDIT" and group.explanation.case == "audit"


def test_lru_bound_on_distinct_groups() -> None:
    snap = demo_snapshot()
    agg = DropAggregator(max_groups=3)
    base = demo_flow(FRONTEND, API, 8080)
    for port in (1, 2, 3):
        agg.add(dataclasses.replace(base, destination_port=port), snap)
    agg.add(dataclasses.replace(base, destination_port=1), snap)  # port 1 is now the most recent
    agg.add(dataclasses.replace(base, destination_port=4), snap)  # evicts the least recent: port 2
    assert sorted(g.port for g in agg.groups.values()) == [1, 3, 4]
    assert len(agg.groups) == 3 and agg.evicted == 1
    for port in range(10, 30):
        agg.add(dataclasses.replace(base, destination_port=port), snap)
    assert len(agg.groups) == 3 and agg.evicted == 21
    assert sorted(g.port for g in agg.groups.values()) == [27, 28, 29]


def test_storm_of_identical_drops_costs_one_explanation() -> None:
    snap = demo_snapshot()
    cache = ExplanationCache()
    agg = DropAggregator(cache=cache)
    flow = demo_flow(WORKER, COREDNS, 53)
    for i in range(100_000):
        agg.add(dataclasses.replace(flow, time_ns=i + 1) if i % 10_000 == 0 else flow, snap)
    # one explanation; the group does not even ask the cache again while the snapshot stays the same
    assert cache.misses == 1 and cache.hits == 0
    (group,) = agg.groups.values()
    assert group.explained_with is snap
    assert group.count == 100_000 and group.explanation.case == "policy_drop"


def test_source_ports_and_times_do_not_split_the_cache() -> None:
    snap = demo_snapshot()
    cache = ExplanationCache()
    first = cache.explain(drop(snap, FRONTEND, API, 8080, source_port=40001, time_ns=1), snap)
    again = cache.explain(drop(snap, FRONTEND, API, 8080, source_port=50002, time_ns=2), snap)
    assert first is again and cache.misses == 1
    # a different verdict is another explanation
    other = cache.explain(drop(snap, FRONTEND, API, 8080, verdict="FORWARDED"), snap)
    assert other is not first and other.case == "forwarded_but_denied" and cache.misses == 2


def test_new_snapshot_invalidates_the_cache() -> None:
    snap = demo_snapshot()
    cache = ExplanationCache()
    agg = DropAggregator(cache=cache)
    flow = demo_flow(FRONTEND, API, 8080)
    agg.add(flow, snap)
    agg.add(flow, snap)
    assert cache.misses == 1
    # the fix applied: a new snapshot (the old one is never edited)
    fix = agg.by_count()[0].explanation.fixes[0]
    from test_explain_support import parse_fix_yaml

    fixed = snap.with_changes(policies=[parse_fix_yaml(fix.yaml)])
    group = agg.add(flow, fixed)
    assert cache.misses == 2
    assert group.explanation.case == "policy_drop_but_allowed"
    # refresh re-explains every group against the new snapshot
    agg.add(demo_flow(WORKER, COREDNS, 53), snap)
    agg.refresh(fixed)
    cases = {g.key[0]: g.explanation.case for g in agg.groups.values()}
    assert cases == {"shop/frontend": "policy_drop_but_allowed", "shop/worker": "policy_drop"}


def test_pods_of_a_group_are_bounded() -> None:
    snap = demo_snapshot()
    agg = DropAggregator()
    base = demo_flow(FRONTEND, API, 8080)
    for i in range(200):
        src = dataclasses.replace(base.source, pod_name=f"frontend-6d4cf56db6-{i:05d}")
        agg.add(dataclasses.replace(base, source=src), snap)
    (group,) = agg.groups.values()
    assert group.count == 200 and len(group.pods) == 64


def test_cache_is_shared_safely_between_threads_and_answers_without_fixes_from_with_fixes() -> None:
    import threading

    snap = demo_snapshot()
    cache = ExplanationCache(maxsize=3)
    flows = [
        demo_flow(FRONTEND, API, 8080),
        demo_flow(WORKER, COREDNS, 53),
        drop(snap, FRONTEND, API, 8080, verdict="FORWARDED"),
    ]
    results: list[tuple[int, object]] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(20):
            for i, f in enumerate(flows):
                expl = cache.explain(f, snap)
                with lock:
                    results.append((i, expl.case))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6 * 20 * 3
    assert {i: {c for j, c in results if j == i} for i in range(3)} == {
        0: {"policy_drop"},
        1: {"policy_drop"},
        2: {"forwarded_but_denied"},
    }
    assert cache.hits + cache.misses == len(results) and cache.misses >= 3 and len(cache._cache) <= 3
    # an explanation with fixes also answers a request without them
    with_fixes = cache.explain(flows[0], snap)
    assert cache.cached(flows[0], snap, with_fixes=False) is with_fixes
    assert with_fixes.fixes
    # a new snapshot empties it
    other = snap.with_changes()
    assert cache.cached(flows[0], other) is None and len(cache._cache) == 0


# ---- replies (issue 15 point 6): keyed by the server's port, apart from requests ----------------------------------
def _reply(src_port: int, client_port: int, **fields) -> object:
    """A dropped reply of the api (server, port `src_port`) to the frontend's ephemeral port `client_port`."""
    obj = demo_jsonpb(demo_entry(FRONTEND, API, 8080))
    flow = obj["flow"]
    flow["source"], flow["destination"] = flow["destination"], flow["source"]
    flow["IP"] = {
        "source": flow["IP"]["destination"],
        "destination": flow["IP"]["source"],
        "ipVersion": "IPv4",
    }
    flow["l4"] = {"TCP": {"source_port": src_port, "destination_port": client_port, "flags": {"ACK": True}}}
    flow["is_reply"] = True
    flow.update(fields)
    return obj


def test_replies_of_a_service_pair_make_one_group_keyed_by_the_server_port() -> None:
    snap = demo_snapshot()
    agg = DropAggregator()
    replies = [convert_json(_reply(8080, port)) for port in (51000, 51001, 51002, 60123)]
    assert [f.destination_port for f in replies] == [51000, 51001, 51002, 60123]  # the clients' ports
    for flow in replies:
        agg.add(flow, snap)
    (group,) = agg.groups.values()
    assert group.key == ("shop/api", "shop/frontend", 8080, "TCP", "INGRESS", "POLICY_DENIED", True)
    assert group.count == 4 and group.port == 8080 and group.is_reply
    # the report's and the pod pane's line: the server's port, marked as replies
    assert wording.group_line(group) == "      4 × shop/api → shop/frontend replies from 8080/TCP"


def test_replies_are_apart_from_requests_of_the_same_pair_and_port() -> None:
    snap = demo_snapshot()
    agg = DropAggregator()
    reply = convert_json(_reply(8080, 51000))
    # a request the other way round: api → frontend:8080 (same pair, same port, not a reply)
    request = dataclasses.replace(
        reply, is_reply=False, source_port=51000, destination_port=8080, tcp_flags=("SYN",)
    )
    agg.add(reply, snap)
    agg.add(request, snap)
    assert group_key(reply)[:6] == group_key(request)[:6]
    assert group_key(reply) != group_key(request)
    groups = {g.is_reply: g for g in agg.groups.values()}
    assert set(groups) == {True, False} and groups[True].count == groups[False].count == 1
    assert wording.group_line(groups[False]) == "      1 × shop/api → shop/frontend 8080/TCP"


def test_a_syn_ack_without_a_reply_flag_is_a_reply() -> None:
    syn_ack = convert_json(
        _reply(
            8080,
            51000,
            l4={"TCP": {"source_port": 8080, "destination_port": 51000, "flags": {"SYN": True, "ACK": True}}},
        )
    )
    syn_ack = dataclasses.replace(syn_ack, is_reply=None)  # Hubble did not say
    assert syn_ack.tcp_flags == ("SYN", "ACK") or set(syn_ack.tcp_flags) == {"SYN", "ACK"}
    assert flow_is_reply(syn_ack) and group_key(syn_ack)[2] == 8080 and group_key(syn_ack)[6] is True
    # Hubble's own word wins: is_reply false is a request (its destination port is the server's)
    said = dataclasses.replace(syn_ack, is_reply=False)
    assert not flow_is_reply(said) and group_key(said)[2] == 51000 and group_key(said)[6] is False
    # a reply with no source port reported: its port is unknown, never the client's
    unknown = dataclasses.replace(syn_ack, source_port=None)
    assert group_key(unknown)[2] is None


def test_explain_report_shows_a_reply_group_with_the_server_port(tmp_path, capsys) -> None:
    from netpol_tui.cli import main
    from netpol_tui.demo.export import export

    export(tmp_path / "demo")
    capture = tmp_path / "replies.json"
    capture.write_text("".join(json.dumps(_reply(8080, p)) + "\n" for p in (51000, 51001, 51002)))
    assert (
        main(["explain", "--flows", str(capture), "--cluster", str(tmp_path / "demo" / "cluster.yaml")]) == 0
    )
    out = capsys.readouterr().out
    assert "3 × shop/api → shop/frontend replies from 8080/TCP" in out
    assert "51000" not in out and "51001" not in out
    assert "in 1 group" in out
