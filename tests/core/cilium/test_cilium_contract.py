"""The JSON contract with Cilium policies (design/cli.md, result.schema.json): `policies` with their kinds (CCNP
namespace ""), `denied_by` naming the deny rule, Cilium fixes; every object validated with jsonschema."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
from cilium_kit import PROBES, SOURCES, EvaluatorWorld, base_cluster
from cilium_sets import MIXED_SETS, SETS

from netpol_tui.core.contract import explanation_json
from netpol_tui.core.explain import explain_verdict

REPO_SCHEMA = Path(__file__).resolve().parents[3] / "docs" / "result.schema.json"
SCHEMA_PATH = REPO_SCHEMA if REPO_SCHEMA.exists() else Path("/work/shared/design/result.schema.json")
VALIDATOR = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))
BY_NAME = {s.name: s for s in SETS + MIXED_SETS}


def trace(set_name: str, src: str, probe: str) -> dict[str, Any]:
    ps = BY_NAME[set_name]
    world = EvaluatorWorld(base_cluster(ps.config) + copy.deepcopy(ps.objects))
    verdict = world.verdict(SOURCES[src], PROBES[probe])
    out = explanation_json(explain_verdict(verdict, world.snapshot))
    VALIDATOR.validate(out)
    return out


def refs(side: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(p["kind"], p["namespace"], p["name"]) for p in side["policies"]]


def test_deny_names_the_rule_and_the_fix_narrows_it() -> None:
    out = trace("echo-ingress-from-other-client-deny", "client2", "es")
    ing = out["ingress"]
    assert (out["allowed"], ing["allowed"], ing["isolated"]) == (False, False, True)
    assert ing["denied_by"] == [
        {
            "namespace": "cilium-test",
            "name": "echo-ingress-from-other-client-deny",
            "kind": "CiliumNetworkPolicy",
            "rule": 0,
            "path": "spec.ingressDeny[0]",
        }
    ]
    assert refs(ing) == [("CiliumNetworkPolicy", "cilium-test", "echo-ingress-from-other-client-deny")]
    assert out["egress"]["denied_by"] == [] and out["egress"]["policies"] == []
    (fix,) = out["fixes"]
    assert (fix["side"], fix["kind"], fix["action"], fix["target"]) == (
        "ingress",
        "CiliumNetworkPolicy",
        "patch",
        "cilium-test/echo-ingress-from-other-client-deny",
    )
    assert "NotIn" in fix["yaml"] and "ingressDeny" in fix["yaml"]
    assert "explicitly denied" in out["summary"] and "ingressDeny rule #1" in out["summary"]
    codes = [f["code"] for f in out["findings"]]
    assert "cilium_deny" in codes


def test_clusterwide_policy_has_an_empty_namespace() -> None:
    out = trace("ccnp-echo-ingress-from-all-pods", "w1", "es")
    ing = out["ingress"]
    assert refs(ing) == [("CiliumClusterwideNetworkPolicy", "", "echo-ingress-from-all-pods")]
    assert ing["denied_by"] == [] and ing["allowed"] is False
    rule = ing["policies"][0]["rules"][0]
    assert (rule["index"], rule["allows"], rule["peer"]["ok"], rule["port"]["ok"]) == (0, False, False, True)
    (fix,) = out["fixes"]
    assert (fix["kind"], fix["action"]) == ("CiliumNetworkPolicy", "create")
    assert "fromCIDR" in fix["yaml"] and "198.51.100.7/32" in fix["yaml"]


def test_union_lists_every_kind() -> None:
    out = trace("knp-and-cnp-union", "client2", "es")
    assert out["allowed"] is True
    assert sorted(refs(out["ingress"])) == [
        ("CiliumNetworkPolicy", "cilium-test", "echo-from-client2"),
        ("NetworkPolicy", "cilium-test", "echo-from-client"),
    ]
    assert out["fixes"] == []


def test_icmp_is_named_as_hubble_names_it() -> None:
    out = trace("client-egress-to-echo", "client", "ep")
    assert out["flow"]["protocol"] == "ICMPv4" and out["flow"]["port"] == 8
    assert out["egress"]["allowed"] is False
    (fix,) = out["fixes"]
    assert "icmps" in fix["yaml"] and "type: 8" in fix["yaml"]
    assert any(f["code"] == "cilium_rule" and "icmps" in f["text"] for f in out["findings"])


def test_every_cell_of_every_set_validates() -> None:
    for ps in SETS + MIXED_SETS:
        world = EvaluatorWorld(base_cluster(ps.config) + copy.deepcopy(ps.objects))
        for src in ("client", "w1"):
            for probe in ("es", "one", "ep"):
                if SOURCES[src].ip and PROBES[probe].dst.ip:
                    continue
                verdict = world.verdict(SOURCES[src], PROBES[probe])
                out = explanation_json(explain_verdict(verdict, world.snapshot, with_fixes=False))
                VALIDATOR.validate(out)
                for side in ("egress", "ingress"):
                    for d in out[side]["denied_by"]:
                        assert d["kind"] in ("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy")
