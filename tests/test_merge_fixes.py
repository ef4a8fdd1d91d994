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
from netpol_tui.core.evaluate_cilium import CiliumEvaluator
from netpol_tui.core.manifests import parse_network_policy
from netpol_tui.core.merge_fixes import apply_fixes, merge_fixes, merge_verified
from netpol_tui.core.suggest import Fix, FixAction, suggest_fixes
from netpol_tui.core.suggest_cilium import suggest as suggest_any
from netpol_tui.core.suggest_cilium import with_objects
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


# ---- Cilium fixes (CNP / CCNP): merged too, judged by the snapshot's own (Cilium) evaluator ----------------------
BATCH = "orders/batch-9f7a6b8c4-y6z9a"
COREDNS = "kube-system/coredns-5d78c9869d-8fz2x"


def _with_cilium(snap: ClusterSnapshot, manifest: dict) -> ClusterSnapshot:
    return snap.with_changes(cilium=with_objects(snap.cilium, [manifest]))


def test_identical_cilium_fixes_collapse_and_the_cilium_evaluator_judges() -> None:
    snap = demo_snapshot()
    assert isinstance(snap.evaluator, CiliumEvaluator)
    ev = snap.evaluator
    drops = [
        ev.evaluate(ev.subject_for_pod(snap.pods[COREDNS]), ev.subject_for_ip(ip), 53, "UDP")
        for ip in ("1.1.1.1", "8.8.8.8")
    ]
    fixes = [suggest_any(v, snap) for v in drops]
    assert [[(f.kind, f.target) for f in fs] for fs in fixes] == [
        [("CiliumClusterwideNetworkPolicy", "no-external-dns")]
    ] * 2
    merged = merge_fixes(snap, [f for fs in fixes for f in fs])
    assert len(merged) == 1 and merged[0].manifest == fixes[0][0].manifest
    result = merge_verified(snap, list(zip(drops, fixes, strict=True)))
    assert result.unfixed == () and [f.target for f in result.fixes] == ["no-external-dns"]
    after = apply_fixes(snap, result.fixes)
    assert isinstance(after.evaluator, CiliumEvaluator) and all(allowed(after, v) for v in drops)


def test_two_narrowings_of_one_cilium_deny_become_one_verified_patch() -> None:
    deny = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "batch-deny", "namespace": "orders"},
        "spec": {
            "endpointSelector": {"matchLabels": {"app": "batch"}},
            "egressDeny": [
                {"toEndpoints": [{}], "toPorts": [{"ports": [{"port": "9000", "protocol": "TCP"}]}]}
            ],
        },
    }
    snap = _with_cilium(demo_snapshot(), deny)
    drops = [verdict(snap, BATCH, dst, 9000) for dst in ("orders/ledger-0", "orders/reports-7d9e8f6a4-s8t2u")]
    assert not any(v.allowed for v in drops)
    chosen = [(v, suggest_any(v, snap)) for v in drops]
    patches = [f for _, fs in chosen for f in fs if f.name == "batch-deny"]
    assert len(patches) == 2 and patches[0].manifest != patches[1].manifest
    # not the same text change: kept apart by merge_fixes (each alone re-denies the other's peer)
    assert [f.name for f in merge_fixes(snap, patches)] == ["batch-deny", "batch-deny"]
    result = merge_verified(snap, chosen)
    assert result.unfixed == ()
    assert sorted(f.name for f in result.fixes) == ["allow-reports-from-batch-9000-tcp", "batch-deny"]
    patch = next(f for f in result.fixes if f.name == "batch-deny")
    assert patch.kind == "CiliumNetworkPolicy" and patch.action == FixAction.PATCH
    spec = yaml.safe_load(patch.yaml)["spec"]
    not_in = [e["values"] for e in spec["egressDeny"][0]["toEndpoints"][0]["matchExpressions"]]
    assert sorted(not_in) == [["ledger"], ["reports"]]
    # applied from the YAML text, the Cilium evaluator allows both connections
    after = _with_cilium(snap, yaml.safe_load(patch.yaml))
    after = _with_cilium(after, next(f for f in result.fixes if f.name != "batch-deny").manifest)
    assert all(allowed(after, v) for v in drops)


def test_cilium_fixes_adding_rules_to_one_cnp_combine_on_the_same_base() -> None:
    snap = demo_snapshot()
    raw = next(p.raw for p in snap.cilium.policies if p.name == "block-plaintext")
    item = {"fromEndpoints": [{"matchLabels": {"k8s:app": "a"}}]}
    other = {"fromEndpoints": [{"matchLabels": {"k8s:app": "b"}}]}

    def patch(items: list) -> Fix:
        manifest = {**raw, "spec": {**raw["spec"], "ingress": items}}
        return Fix(
            "ingress", FixAction.PATCH, "orders", "block-plaintext", manifest, 1, kind="CiliumNetworkPolicy"
        )  # type: ignore[arg-type]

    merged = merge_fixes(snap, [patch([item]), patch([other]), patch([item])])
    assert len(merged) == 1 and merged[0].kind == "CiliumNetworkPolicy"
    spec = merged[0].manifest["spec"]
    assert spec["ingress"] == [item, other] and spec["ingressDeny"] == raw["spec"]["ingressDeny"]


def _merged_headings(out: str) -> list[str]:
    return [line.strip() for line in out.split("\nFixes: ", 1)[1].splitlines() if line.startswith("  Fix (")]


def test_explain_report_names_a_demo_cilium_fix_once_with_its_real_kind(capsys, demo_files: Path) -> None:
    flows, cluster = str(demo_files / "flows.json"), str(demo_files / "cluster.yaml")
    assert main(["explain", "--flows", flows, "--cluster", cluster]) == 0
    out = capsys.readouterr().out
    headings = _merged_headings(out)
    cnp = [h for h in headings if "orders/block-plaintext" in h]
    ccnp = [h for h in headings if "no-external-dns" in h]
    assert cnp == [
        "Fix (ingress): remove a deny rule from CiliumNetworkPolicy orders/block-plaintext — verified; "
        "opens nothing else"
    ]
    assert len(ccnp) == 1 and "CiliumClusterwideNetworkPolicy no-external-dns" in ccnp[0]
    created = [h for h in headings if "orders/allow-batch-to-ledger-9000-tcp" in h]
    assert len(created) == 1 and "create CiliumNetworkPolicy orders/" in created[0]
    assert not any("NetworkPolicy orders/" in h and "CiliumNetworkPolicy" not in h for h in headings)
    # the Cilium patch's YAML once in the whole report (in the merged part), the group says where it is
    assert out.count("  name: block-plaintext") == 1
    assert "(in the merged patch for CiliumNetworkPolicy orders/block-plaintext below)" in out
    # --fixes-out: the file names carry the real kind
    out_dir = demo_files / "fixes" / "cilium"
    assert (
        main(["explain", "--flows", flows, "--cluster", cluster, "--fixes-out", str(out_dir), "--json"]) == 0
    )
    files = {p.name for p in out_dir.iterdir()}
    assert {
        "CiliumNetworkPolicy-orders-block-plaintext.yaml",
        "CiliumClusterwideNetworkPolicy-no-external-dns.yaml",
        "CiliumNetworkPolicy-orders-allow-batch-to-ledger-9000-tcp.yaml",
    } <= files
    text = (out_dir / "CiliumClusterwideNetworkPolicy-no-external-dns.yaml").read_text()
    assert yaml.safe_load(text)["kind"] == "CiliumClusterwideNetworkPolicy"


def test_the_same_fix_twice_is_merged_once_whatever_its_key_order() -> None:
    """A fix seen again (the same manifest, its keys in another order) adds nothing; a different one is merged."""
    snap = demo_snapshot()
    (first,) = suggest_fixes(verdict(snap, FRONTEND, API, 8080), snap)
    (other,) = suggest_fixes(verdict(snap, PROMETHEUS, API, 9090), snap)

    def reordered(value):  # type: ignore[no-untyped-def]
        if isinstance(value, dict):
            return {k: reordered(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [reordered(v) for v in value]
        return value

    again = Fix(
        first.side,
        first.action,
        first.namespace,
        first.name,
        reordered(first.manifest),
        first.opens_other_pairs,
    )
    assert again.manifest == first.manifest and list(again.manifest) != list(first.manifest)
    (alone,) = merge_fixes(snap, [first, again])
    assert alone.manifest == first.manifest
    (both,) = merge_fixes(snap, [first, again, other])
    rules = both.manifest["spec"]["ingress"]
    base = snap.policy("shop", "api-ingress").raw["spec"]["ingress"]
    assert len(rules) == len(base) + 2
