"""The JSON contract of design/cli.md: a Verdict (and, for flows, what Hubble saw) as plain dicts.

`trace --json` prints `verdict_json(...)`; `explain --json` builds on the same function so both say the same.
"""

from __future__ import annotations

from netpol_tui.core import render
from netpol_tui.core.evaluate import DirectionResult, PolicyResult, RuleResult, Verdict


def rule_json(rr: RuleResult, pres: PolicyResult, side: DirectionResult, verdict: Verdict) -> dict:
    other = verdict.source if side.direction == "Ingress" else verdict.destination
    rule = rr.rule
    pol = pres.policy
    peer_detail = (
        render.peer_check_text(rr.peer.best, rule, pol.namespace, other.key, side.direction)
        if rule.peers
        else "any peer matches"
    )
    port_detail = render.ports_result_text(rr.port, rule, verdict.port, verdict.protocol)
    out = {
        "index": rule.index,
        "allows": rr.allows,
        "peer": {"ok": rr.peer.ok, "detail": peer_detail},
        "port": {"ok": rr.port.ok, "detail": port_detail},
        "failures": rr.failures,
        "text": render.rule_text(rr, pol, side.direction, other.key, verdict.port, verdict.protocol),
    }
    if not rr.peer.ok and rule.peers:
        out["peer"]["closest_index"] = rr.peer.best.index
    return out


def policy_json(pres: PolicyResult, side: DirectionResult, verdict: Verdict) -> dict:
    pol = pres.policy
    closest = pres.closest
    return {
        "namespace": pol.namespace,
        "name": pol.name,
        "kind": pol.kind,
        "allows": pres.allows,
        "closest_rule": closest.index if closest is not None else None,
        "rules": [rule_json(rr, pres, side, verdict) for rr in pres.rules],
    }


def side_json(side: DirectionResult, verdict: Verdict) -> dict:
    out: dict = {
        "enforced": side.enforced,
        "isolated": side.isolated,
        "allowed": side.allowed,
        "endpoint": side.subject.key,
        "policies": [policy_json(p, side, verdict) for p in side.policies],
    }
    if not side.enforced:
        out["reason"] = render.not_enforced_text(side)
    return out


def verdict_json(verdict: Verdict, flow: dict | None = None, summary: str | None = None) -> dict:
    """The contract's object. `flow` overrides/extends the `flow` block (observed fields for `explain`)."""
    flow_block = {
        "source": verdict.source.key,
        "destination": verdict.destination.key,
        "port": verdict.port,
        "protocol": verdict.protocol,
        "observed_verdict": None,
        "drop_reason": None,
        "traffic_direction": None,
        "time": None,
    }
    if flow:
        flow_block.update(flow)
    return {
        "flow": flow_block,
        "allowed": verdict.allowed,
        "egress": side_json(verdict.egress, verdict),
        "ingress": side_json(verdict.ingress, verdict),
        "summary": summary if summary is not None else render.verdict_summary(verdict),
        "notes": [render.note_text(n) for n in verdict.notes],
        "fixes": [],
    }
