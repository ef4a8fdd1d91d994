"""The JSON contract of design/cli.md: a Verdict (and, for flows, what Hubble saw) as plain dicts.

`trace --json` prints `verdict_json(...)`; `explain --json` builds on the same function so both say the same.
"""

from __future__ import annotations

from typing import Any

from netpol_tui.core import yamlout
from netpol_tui.core.contract_cilium import denied_by_json
from netpol_tui.core.contract_cilium import policies_json as cilium_policies_json
from netpol_tui.core.evaluate import DirectionResult, PolicyResult, RuleResult, Verdict
from netpol_tui.core.evaluate_cilium import CiliumDirectionResult
from netpol_tui.core.explain import Explanation
from netpol_tui.core.findings import Finding, finding_manifest
from netpol_tui.core.model import Direction, Flow
from netpol_tui.core.wording.explanations import explanation_summary
from netpol_tui.core.wording.findings import finding_text
from netpol_tui.core.wording.rules import (
    not_enforced_text,
    note_text,
    peer_check_text,
    ports_result_text,
    rule_text,
    verdict_summary,
)


def rule_json(rr: RuleResult, pres: PolicyResult, side: DirectionResult, verdict: Verdict) -> dict[str, Any]:
    other = verdict.source if side.direction == Direction.INGRESS else verdict.destination
    rule = rr.rule
    pol = pres.policy
    peer_detail = (
        peer_check_text(rr.peer.best, rule, pol.namespace, other.key, side.direction)
        if rule.peers
        else "any peer matches"
    )
    port_detail = ports_result_text(rr.port, rule, verdict.port, verdict.protocol)
    out: dict[str, Any] = {
        "index": rule.index,
        "allows": rr.allows,
        "peer": {"ok": rr.peer.ok, "detail": peer_detail},
        "port": {"ok": rr.port.ok, "detail": port_detail},
        "failures": rr.failures,
        "text": rule_text(rr, pol, side.direction, other.key, verdict.port, verdict.protocol),
    }
    if not rr.peer.ok and rule.peers:
        out["peer"]["closest_index"] = rr.peer.best.index
    return out


def policy_json(pres: PolicyResult, side: DirectionResult, verdict: Verdict) -> dict[str, Any]:
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


def side_json(side: DirectionResult, verdict: Verdict) -> dict[str, Any]:
    out: dict[str, Any] = {
        "enforced": side.enforced,
        "isolated": side.isolated,
        "allowed": side.allowed,
        "endpoint": side.subject.key,
        "policies": [policy_json(p, side, verdict) for p in side.policies],
        "denied_by": [],
    }
    if isinstance(side, CiliumDirectionResult) and side.cilium is not None:
        # every CNP/CCNP isolating this side (kind, namespace "" for the cluster-wide kind), and the deny
        # rules that match (a deny wins over every allow)
        other = verdict.source if side.direction == Direction.INGRESS else verdict.destination
        names = other.names if side.direction == Direction.EGRESS else ()
        out["policies"] += cilium_policies_json(side.cilium, other.key, verdict.port, verdict.protocol, names)
        out["denied_by"] = denied_by_json(side.cilium)
        if side.drop:
            out["drop_reason"] = side.drop.value
    if not side.enforced:
        out["reason"] = not_enforced_text(side)
    return out


def verdict_json(
    verdict: Verdict, flow: dict[str, Any] | None = None, summary: str | None = None
) -> dict[str, Any]:
    """The contract's object. `flow` overrides/extends the `flow` block (observed fields for `explain`)."""
    flow_block: dict[str, Any] = {
        "source": verdict.source.key,
        "destination": verdict.destination.key,
        "port": verdict.port,
        "protocol": verdict.protocol,
        "observed_verdict": None,
        "drop_reason": None,
        "traffic_direction": None,
        "is_reply": None,
        "time": None,
    }
    if flow:
        flow_block.update(flow)
    return {
        "flow": flow_block,
        "allowed": verdict.allowed,
        "egress": side_json(verdict.egress, verdict),
        "ingress": side_json(verdict.ingress, verdict),
        "summary": summary if summary is not None else verdict_summary(verdict),
        "notes": [note_text(n) for n in verdict.notes],
        "fixes": [],
    }


def finding_json(finding: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {"code": finding.code, "text": finding_text(finding)}
    manifest = finding_manifest(finding)
    if manifest is not None:
        out["yaml"] = yamlout.dump(manifest)
    return out


def flow_block(flow: Flow, expl: Explanation) -> dict[str, Any]:
    """The contract's `flow` object for an observed flow."""
    block: dict[str, Any] = {
        "source": flow.source.key or expl.verdict.source.key,
        "destination": flow.destination.key or expl.verdict.destination.key,
        "port": flow.destination_port if flow.destination_port is not None else 0,  # 0: not reported
        "protocol": flow.protocol or None,
        "observed_verdict": flow.verdict,
        "drop_reason": flow.drop_reason or None,
        "traffic_direction": flow.traffic_direction
        if flow.traffic_direction in ("INGRESS", "EGRESS")
        else None,
        "is_reply": flow.is_reply,  # null when the flow does not say (the key is required)
        "time": flow.time or None,
    }
    if flow.uuid:
        block["uuid"] = flow.uuid
    return block


def explanation_json(expl: Explanation) -> dict[str, Any]:
    """The contract's object for one explained flow (or a trace, when `expl.flow` is None)."""
    block = flow_block(expl.flow, expl) if expl.flow is not None else None
    out = verdict_json(expl.verdict, block, explanation_summary(expl))
    out["case"] = expl.case
    out["findings"] = [finding_json(f) for f in expl.findings]
    out["fixes"] = [f.to_json() for f in expl.fixes]
    return out
