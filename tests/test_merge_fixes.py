"""Fixes that combine (issue 15 point 1): several fixes of one policy merge into one patch that allows all their
connections, checked by re-evaluating the merged YAML text; `explain --fixes-out DIR` writes those patches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from netpol_tui.cli import main
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import Verdict
from netpol_tui.core.manifests import parse_network_policy
from netpol_tui.core.merge_fixes import merge_fixes, merge_verified
from netpol_tui.core.suggest import Fix, FixAction, suggest_fixes
from netpol_tui.demo import demo_snapshot, scenario
from netpol_tui.demo.export import export

FRONTEND = "shop/frontend-6d4cf56db6-x7k2p"
API = "shop/api-7f9b8c6d5-4jz8w"
PROMETHEUS = "monitoring/prometheus-0"
NGINX = "ingress-nginx/ingress-nginx-controller-6b8d9c7f5-p2w4q"


def verdict(snap: ClusterSnapshot, src: str, dst: str, port: int, proto: str = "TCP") -> Verdict:
    ev = snap.evaluator
    return ev.evaluate(ev.subject_for_pod(snap.pods[src]), ev.subject_for_pod(snap.pods[dst]), port, proto)


def apply_yaml(snap: ClusterSnapshot, texts: list[str]) -> ClusterSnapshot:
    """As `kubectl apply -f` would: each YAML text replaces (or creates) its policy, in order."""
    for text in texts:
        snap = snap.with_changes(policies=[parse_network_policy(yaml.safe_load(text))])
    return snap


def allowed(snap: ClusterSnapshot, v: Verdict) -> bool:
    return snap.evaluator.evaluate(v.source, v.destination, v.port, v.protocol).allowed


def test_two_drops_of_one_policy_one_merged_patch_allows_both() -> None:
    snap = demo_snapshot()
    drops = [verdict(snap, FRONTEND, API, 8080), verdict(snap, PROMETHEUS, API, 9090)]
    assert not any(v.allowed for v in drops)
    fixes = [suggest_fixes(v, snap) for v in drops]
    assert [[f.target for f in fs] for fs in fixes] == [["shop/api-ingress"], ["shop/api-ingress"]]
    # each fix alone: applied in order, only the last drop is fixed (the problem)
    in_order = apply_yaml(snap, [f.yaml for fs in fixes for f in fs])
    assert [allowed(in_order, v) for v in drops] == [False, True]
    merged = merge_fixes(snap, [f for fs in fixes for f in fs])
    assert len(merged) == 1 and merged[0].target == "shop/api-ingress" and merged[0].action == FixAction.PATCH
    after = apply_yaml(snap, [merged[0].yaml])  # from the YAML text
    assert [allowed(after, v) for v in drops] == [True, True]
    # on top of the same base: the policy's own rules kept, each added rule once
    base_rules = snap.policy("shop", "api-ingress").raw["spec"]["ingress"]
    rules = yaml.safe_load(merged[0].yaml)["spec"]["ingress"]
    assert rules[: len(base_rules)] == base_rules and len(rules) == len(base_rules) + 2


def test_merge_verified_three_drops_and_other_policies() -> None:
    snap = demo_snapshot()
    drops = [
        verdict(snap, FRONTEND, API, 8080),
        verdict(snap, PROMETHEUS, API, 9090),
        verdict(snap, NGINX, API, 8080),
        verdict(snap, API, "payments/payments-84d6b7c9f-t5r2e", 8443),
    ]
    result = merge_verified(snap, [(v, suggest_fixes(v, snap)) for v in drops])
    assert result.unfixed == ()
    assert sorted(f.target for f in result.fixes) == ["payments/payments-ingress", "shop/api-ingress"]
    after = apply_yaml(snap, [f.yaml for f in result.fixes])
    assert all(allowed(after, v) for v in drops)
    # merging again what is already merged changes nothing
    again = merge_fixes(snap, list(result.fixes) + list(result.fixes))
    assert [f.manifest for f in again] == [f.manifest for f in result.fixes]


def test_fixes_of_a_policy_to_create_merge_into_one_new_policy() -> None:
    base = Fix(
        side="ingress",  # type: ignore[arg-type]
        action=FixAction.CREATE,
        namespace="ns",
        name="allow-x",
        manifest={
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "allow-x", "namespace": "ns"},
            "spec": {"podSelector": {"matchLabels": {"app": "x"}}, "policyTypes": ["Ingress"], "ingress": []},
        },
        opens_other_pairs=0,
    )
    rule_a = {"from": [{"podSelector": {"matchLabels": {"app": "a"}}}]}
    rule_b = {"from": [{"podSelector": {"matchLabels": {"app": "b"}}}]}
    a = Fix(
        **{
            **_fields(base),
            "manifest": {**base.manifest, "spec": {**base.manifest["spec"], "ingress": [rule_a]}},
        }
    )
    b = Fix(
        **{
            **_fields(base),
            "manifest": {**base.manifest, "spec": {**base.manifest["spec"], "ingress": [rule_b]}},
        }
    )
    other = Fix(
        **{**_fields(base), "manifest": {**a.manifest, "spec": {**a.manifest["spec"], "podSelector": {}}}}
    )
    merged = merge_fixes(demo_snapshot(), [a, b, other])
    assert [f.manifest["spec"].get("ingress") for f in merged] == [[rule_a, rule_b], [rule_a]]
    assert merged[0].action == FixAction.CREATE


def _fields(fix: Fix) -> dict:
    return {
        k: getattr(fix, k) for k in ("side", "action", "namespace", "name", "manifest", "opens_other_pairs")
    }


# ---- explain: one merged patch per policy in the report, --fixes-out ---------------------------------------------
@pytest.fixture
def demo_files(tmp_path: Path) -> Path:
    export(tmp_path / "demo-files")
    return tmp_path / "demo-files"


def test_explain_report_has_one_patch_per_policy(capsys, demo_files: Path) -> None:
    main(
        ["explain", "--flows", str(demo_files / "flows.json"), "--cluster", str(demo_files / "cluster.yaml")]
    )
    out = capsys.readouterr().out
    merged_part = out.split("\nFixes: ", 1)[1]
    docs = [d for d in merged_part.split("\n  Fix (")[1:]]
    targets = [d.split(" — ")[0].split("NetworkPolicy ")[1] for d in docs]
    assert sorted(targets) == sorted(set(targets)) and "shop/api-ingress" in targets
    # the groups' own YAML is not printed three times any more: one `name: api-ingress` in the whole report
    assert out.count("  name: api-ingress") == 1


def test_fixes_out_writes_merged_patches_that_allow_every_fixable_drop(capsys, demo_files: Path) -> None:
    flows, cluster = str(demo_files / "flows.json"), str(demo_files / "cluster.yaml")
    out_dir = demo_files / "fixes" / "new"
    assert (
        main(["explain", "--flows", flows, "--cluster", cluster, "--fixes-out", str(out_dir), "--json"]) == 0
    )
    _, err = capsys.readouterr()
    files = sorted(p.name for p in out_dir.iterdir())
    assert {
        "NetworkPolicy-payments-payments-ingress.yaml",
        "NetworkPolicy-shop-api-ingress.yaml",
        "NetworkPolicy-shop-worker-egress.yaml",
    } <= set(files)
    assert f"{len(files)} fix files written" in err
    snap = demo_snapshot()
    after = apply_yaml(snap, [(out_dir / f).read_text() for f in files])
    # every dropped connection that has a NetworkPolicy fix is allowed, but the metadata address (never by
    # default): as the JSON lines of the same capture say
    assert main(["explain", "--flows", flows, "--cluster", cluster, "--json", "--drops-only"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    fixed = metadata = 0
    for obj in lines:
        codes = {x.get("code") for x in obj["findings"]}
        if obj["allowed"] or not obj["fixes"] or {f["kind"] for f in obj["fixes"]} != {"NetworkPolicy"}:
            continue
        f = obj["flow"]
        ev = after.evaluator
        src = ev.subject_for_pod(after.pods[f["source"]])
        dst = after.pods.get(f["destination"])
        dst_subject = ev.subject_for_pod(dst) if dst else ev.subject_for_ip(f["destination"])
        now = ev.evaluate(src, dst_subject, f["port"], f["protocol"]).allowed
        if "metadata_address" in codes:
            assert not now
            metadata += 1
        else:
            assert now, (f["source"], f["destination"], f["port"])
            fixed += 1
    assert fixed > 10 and metadata >= 1
    # a second run does not overwrite without --force (exit 2, nothing written), with --force it does
    target = out_dir / "NetworkPolicy-shop-api-ingress.yaml"
    target.write_text("# mine\n")
    assert main(["explain", "--flows", flows, "--cluster", cluster, "--fixes-out", str(out_dir)]) == 2
    err = capsys.readouterr().err
    assert "NetworkPolicy-" in err and "--force" in err and target.read_text() == "# mine\n"
    assert (
        main(["explain", "--flows", flows, "--cluster", cluster, "--fixes-out", str(out_dir), "--force"]) == 0
    )
    assert target.read_text().startswith("apiVersion: networking.k8s.io/v1")
    assert scenario.TRAFFIC  # the demo scenario is the data of these tests


def test_a_connection_without_a_fix_gets_one_built_on_the_merged_policy() -> None:
    snap = demo_snapshot()
    first, second = verdict(snap, FRONTEND, API, 8080), verdict(snap, PROMETHEUS, API, 9090)
    result = merge_verified(snap, [(first, suggest_fixes(first, snap)), (second, ())])
    assert result.unfixed == () and [f.target for f in result.fixes] == ["shop/api-ingress"]
    assert result.fixes[0].action == FixAction.PATCH
    after = apply_yaml(snap, [result.fixes[0].yaml])
    assert allowed(after, first) and allowed(after, second)
