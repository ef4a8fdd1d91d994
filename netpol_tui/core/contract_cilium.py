"""The JSON contract's Cilium parts (design/cli.md, result.schema.json): CNP/CCNP entries of a direction's
`policies` (kind, namespace "" for the cluster-wide kind, allow items as `rules`) and `denied_by`."""

from __future__ import annotations

from typing import Any

from netpol_tui.core.cilium.engine import CiliumSide, ItemResult, PolicySide
from netpol_tui.core.model import Direction
from netpol_tui.core.wording.cilium import item_text, peer_check_text, port_check_text


def item_json(
    res: ItemResult, direction: Direction, other: str, port: int, protocol: str, names: tuple[str, ...]
) -> dict[str, Any]:
    return {
        "index": res.number,
        "allows": res.ok,
        "peer": {
            "ok": res.peer.ok,
            "detail": peer_check_text(res.peer.best, res.item, direction, other, names),
        },
        "port": {"ok": res.port.ok, "detail": port_check_text(res.port, res.item, port, protocol)},
        "failures": res.failures,
        "text": item_text(res, direction, other, port, protocol, names),
        "section": res.item.section.value,
        "path": res.item.path,
    }


def policy_json(
    ps: PolicySide, direction: Direction, other: str, port: int, protocol: str, names: tuple[str, ...]
) -> dict[str, Any]:
    closest = ps.closest
    return {
        "namespace": ps.policy.namespace,
        "name": ps.policy.name,
        "kind": ps.policy.kind.value,
        "allows": ps.allowed,
        "closest_rule": closest.number if closest is not None else None,
        "rules": [item_json(r, direction, other, port, protocol, names) for r in ps.allows],
        "isolating_rules": list(ps.isolating_rules),
    }


def policies_json(
    side: CiliumSide, other: str, port: int, protocol: str, names: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The Cilium policies that isolate this side (the contract lists exactly the isolating policies)."""
    return [policy_json(ps, side.direction, other, port, protocol, names) for ps in side.isolating]


def denied_by_json(side: CiliumSide | None) -> list[dict[str, Any]]:
    if side is None:
        return []
    return [
        {
            "namespace": d.policy.namespace,
            "name": d.policy.name,
            "kind": d.policy.kind.value,
            "rule": d.number,
            "path": d.path,
        }
        for d in side.denied_by
    ]
