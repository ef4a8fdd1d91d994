"""core/history.py: policy changes recorded between live snapshots, and the change a flow's verdict is due to."""

from __future__ import annotations

import copy
from typing import Any

from diff_support import ALLOW_80_FROM_B, DENY_INGRESS, base_docs, cilium_snap, cnp, flow, netpol

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.diff import Change, PolicyId, Side
from netpol_tui.core.history import ChangeHistory
from netpol_tui.core.manifests import parse_objects

T0 = 1_764_410_400.0  # 2025-11-29T10:00:00Z


def state(*policies: dict[str, Any], at: float, docs: list[dict[str, Any]] | None = None) -> ClusterSnapshot:
    parsed = parse_objects(copy.deepcopy([*(docs if docs is not None else base_docs()), *policies]))
    assert parsed.problems == []
    return ClusterSnapshot.from_parse(parsed, taken_at=at)


def allow(port: int, rv: str) -> dict[str, Any]:
    spec = copy.deepcopy(ALLOW_80_FROM_B)
    spec["ingress"][0]["ports"] = [{"port": port}]
    return netpol("x", "a-ingress", spec, resourceVersion=rv)


def test_observe_records_changes_with_time_and_resource_version() -> None:
    h = ChangeHistory()
    assert h.observe(state(allow(80, "1"), at=T0)) == ()  # the first snapshot: nothing to compare with
    events = h.observe(
        state(allow(81, "2"), netpol("y", "deny", DENY_INGRESS, resourceVersion="3"), at=T0 + 3)
    )
    assert [(e.policy, e.change.change, e.time, e.resource_version) for e in events] == [
        (PolicyId("NetworkPolicy", "x", "a-ingress"), Change.MODIFIED, T0 + 3, "2"),
        (PolicyId("NetworkPolicy", "y", "deny"), Change.CREATED, T0 + 3, "3"),
    ]
    # a metadata-only update is no change; a deletion keeps the last resourceVersion seen
    assert (
        h.observe(state(allow(81, "4"), netpol("y", "deny", DENY_INGRESS, resourceVersion="5"), at=T0 + 4))
        == ()
    )
    gone = h.observe(state(allow(81, "4"), at=T0 + 5))
    assert [(e.policy.name, e.change.change, e.resource_version) for e in gone] == [
        ("deny", Change.DELETED, "5")
    ]
    assert len(h.events) == 3


def test_attribute_names_the_change_that_denied_the_flow() -> None:
    h = ChangeHistory()
    h.observe(state(allow(80, "1"), at=T0))
    h.observe(state(allow(81, "2"), at=T0 + 3))  # port 80 removed
    h.observe(state(allow(81, "2"), netpol("y", "deny", DENY_INGRESS), at=T0 + 9))  # unrelated to x/a
    a = h.attribute(flow("x/b", "x/a", 80))
    assert a is not None
    assert (a.event.policy, a.event.change.change, a.event.time) == (
        PolicyId("NetworkPolicy", "x", "a-ingress"),
        Change.MODIFIED,
        T0 + 3,
    )
    assert (a.before, a.now, a.side) == (True, False, Side.INGRESS)
    assert a.to_json() == {
        "namespace": "x",
        "name": "a-ingress",
        "kind": "NetworkPolicy",
        "change": "modified",
        "time": "2025-11-29T10:00:03.000Z",
        "resource_version": "2",
        "before": True,
        "side": "ingress",
    }
    # the reply of that connection is judged as the connection it answers
    reply = h.attribute(flow("x/b", "x/a", 80, reply=True))
    assert reply is not None and reply.event.policy.name == "a-ingress"
    # the same change opened port 81: attributed too ("denied until ...")
    opened = h.attribute(flow("x/b", "x/a", 81))
    assert opened is not None and (opened.before, opened.now) == (False, True)


def test_no_attribution_when_the_latest_relevant_change_did_not_flip_it() -> None:
    h = ChangeHistory()
    h.observe(state(allow(80, "1"), at=T0))
    h.observe(state(allow(81, "2"), at=T0 + 3))
    assert h.attribute(flow("x/c", "x/a", 80)) is None  # denied before and after (c was never allowed)
    assert h.attribute(flow("y/a", "y/b", 80)) is None  # no change selects either end
    h.observe(state(allow(82, "3"), at=T0 + 7))  # latest relevant change: 81 -> 82; port 80 stays denied
    assert h.attribute(flow("x/b", "x/a", 80)) is None
    late = h.attribute(flow("x/b", "x/a", 82))
    assert late is not None and late.event.time == T0 + 7


def test_egress_side_and_both() -> None:
    lock = netpol("x", "lockdown", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
    h = ChangeHistory()
    h.observe(state(at=T0))
    h.observe(state(lock, at=T0 + 1))
    both = h.attribute(flow("x/a", "x/b"))
    egress = h.attribute(flow("x/a", "y/b"))
    assert both is not None and both.side is Side.BOTH
    assert egress is not None and egress.side is Side.EGRESS and egress.event.change.change is Change.CREATED


def test_history_is_bounded() -> None:
    h = ChangeHistory(max_changes=3)
    h.observe(state(allow(80, "0"), at=T0))
    for i in range(1, 6):
        h.observe(state(allow(80 + i, str(i)), at=T0 + i))
    assert [e.resource_version for e in h.events] == ["3", "4", "5"]
    # the change to 81 (which removed 80) is forgotten; the oldest kept one does not concern port 80's flip
    assert h.attribute(flow("x/b", "x/a", 80)) is None
    a = h.attribute(flow("x/b", "x/a", 85))
    assert a is not None and a.event.resource_version == "5"


def test_a_cilium_policy_change_is_attributed_with_its_kind() -> None:
    allow_b = {
        "endpointSelector": {"matchLabels": {"pod": "a"}},
        "ingress": [{"fromEndpoints": [{"matchLabels": {"pod": "b"}}]}],
    }
    deny_b = dict(allow_b, ingressDeny=[{"fromEndpoints": [{"matchLabels": {"pod": "b"}}]}])
    h = ChangeHistory()
    h.observe(cilium_snap([*base_docs(), cnp("x", "a-in", allow_b, resourceVersion="1")]))
    events = h.observe(cilium_snap([*base_docs(), cnp("x", "a-in", deny_b, resourceVersion="2")]))
    assert [(e.policy, e.change.change, e.resource_version) for e in events] == [
        (PolicyId("CiliumNetworkPolicy", "x", "a-in"), Change.MODIFIED, "2")
    ]
    a = h.attribute(flow("x/b", "x/a"))
    assert (
        a is not None and a.to_json()["kind"] == "CiliumNetworkPolicy" and (a.before, a.now) == (True, False)
    )
