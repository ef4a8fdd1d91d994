"""Issue 15 point 2 in `explain`: a merged fix names the other pod pairs it opens (computed on the merged fix and
checked here against every pod pair, re-evaluated), and a fix that opens the cloud metadata address is never
written by `--fixes-out` (shown, with the reason)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from netpol_tui.cli import fixes as cli_fixes
from netpol_tui.cli import main
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import Verdict
from netpol_tui.core.manifests import parse_network_policy
from netpol_tui.core.merge_fixes import MergedFixes, apply_fixes, merge_verified
from netpol_tui.core.suggest import Fix, FixAction, FixSide, suggest_fixes
from netpol_tui.core.suggest_cilium import suggest as suggest_any
from netpol_tui.core.suggest_cilium import with_objects
from netpol_tui.core.wording.explanations import other_pairs_text
from netpol_tui.demo import demo_snapshot
from netpol_tui.demo.export import export

FRONTEND = "shop/frontend-6d4cf56db6-x7k2p"
API = "shop/api-7f9b8c6d5-4jz8w"
PROMETHEUS = "monitoring/prometheus-0"
NGINX = "ingress-nginx/ingress-nginx-controller-6b8d9c7f5-p2w4q"
BATCH = "orders/batch-9f7a6b8c4-y6z9a"


def verdict(snap: ClusterSnapshot, src: str, dst: str, port: int, proto: str = "TCP") -> Verdict:
    ev = snap.evaluator
    return ev.evaluate(ev.subject_for_pod(snap.pods[src]), ev.subject_for_pod(snap.pods[dst]), port, proto)


def allows(snap: ClusterSnapshot, src: str, dst: str, port: int, proto: str) -> bool:
    ev = snap.evaluator
    return ev.allows(ev.subject_for_pod(snap.pods[src]), ev.subject_for_pod(snap.pods[dst]), port, proto)


def every_opened_pair(
    snap: ClusterSnapshot, fixes: tuple[Fix, ...], fix: Fix, verdicts: list[Verdict]
) -> set[tuple[str, str]]:
    """By brute force: every ordered pair of distinct pods that `fix` newly allows (all fixes vs all but it) on the
    port/protocol of a connection it covers, the covered connections left out. (merge_verified counts the pairs newly
    allowed whose enforcing end the fix governs: for these connections, where no two fixes open the same pair on
    their own, the same set.)"""
    after = apply_fixes(snap, fixes)
    without = apply_fixes(snap, [f for f in fixes if f is not fix])

    def ok(s: ClusterSnapshot, v: Verdict) -> bool:
        return s.evaluator.evaluate(v.source, v.destination, v.port, v.protocol).allowed

    covered = [v for v in verdicts if ok(after, v) and not ok(without, v)]
    own = {(v.source.key, v.destination.key, v.port, v.protocol) for v in covered}
    out: set[tuple[str, str]] = set()
    for port, proto in {(v.port, v.protocol) for v in covered}:
        for a in snap.pods:
            for b in snap.pods:
                if a == b or (a, b, port, proto) in own:
                    continue
                if allows(after, a, b, port, proto) and not allows(without, a, b, port, proto):
                    out.add((a, b))
    return out


def test_a_merged_network_policy_fix_names_the_pairs_the_merged_fix_opens() -> None:
    snap = demo_snapshot()
    drops = [
        verdict(snap, FRONTEND, API, 8080),
        verdict(snap, PROMETHEUS, API, 9090),
        verdict(snap, NGINX, API, 8080),
    ]
    result = merge_verified(snap, [(v, suggest_fixes(v, snap)) for v in drops])
    assert result.unfixed == () and [f.target for f in result.fixes] == ["shop/api-ingress"]
    fix = result.fixes[0]
    expected = every_opened_pair(snap, result.fixes, fix, drops)
    # the pairs of the later drops' fixes are named too (before: only the first fix's pairs)
    assert ("monitoring/prometheus-0", "shop/api-7f9b8c6d5-m2n6t") in expected
    assert set(fix.other_pairs) == expected and fix.opens_other_pairs == len(expected) == 5
    assert len(fix.other_pairs) == len(set(fix.other_pairs))  # each pair once
    text = other_pairs_text(fix)
    assert text.startswith("Also opens ") and text.endswith(" and 2 more.")


def test_a_merged_cilium_fix_names_the_pairs_it_opens() -> None:
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
    base = demo_snapshot()
    assert base.cilium is not None
    snap = base.with_changes(cilium=with_objects(base.cilium, [deny]))
    drops = [verdict(snap, BATCH, dst, 9000) for dst in ("orders/ledger-0", "orders/reports-7d9e8f6a4-s8t2u")]
    result = merge_verified(snap, [(v, suggest_any(v, snap)) for v in drops])
    assert result.unfixed == ()
    for fix in result.fixes:
        expected = every_opened_pair(snap, result.fixes, fix, drops)
        assert set(fix.other_pairs) == expected and fix.opens_other_pairs == len(expected), fix.name


@pytest.fixture
def demo_files(tmp_path: Path) -> Path:
    export(tmp_path / "demo-files")
    return tmp_path / "demo-files"


def _merged_part(out: str, target: str) -> str:
    """The merged patch's block for `target` in the report: its heading to the next heading."""
    part = out.split("\nFixes: ", 1)[1]
    block = next(b for b in part.split("\n  Fix (")[1:] if f" {target} — " in b.splitlines()[0])
    return block


def test_the_report_names_the_pairs_each_merged_patch_opens(capsys, demo_files: Path) -> None:
    flows, cluster = str(demo_files / "flows.json"), str(demo_files / "cluster.yaml")
    assert main(["explain", "--flows", flows, "--cluster", cluster]) == 0
    out = capsys.readouterr().out
    block = _merged_part(out, "shop/api-ingress")
    heading, *rest = block.splitlines()
    assert heading.endswith("also opens 5 other pod pairs")
    named = next(line.strip() for line in rest if line.strip().startswith("Also opens "))
    assert named.endswith(" and 2 more.")
    pairs = [
        p.split(" → ") for p in named.removeprefix("Also opens ").removesuffix(" and 2 more.").split(", ")
    ]
    assert len(pairs) == 3
    # each named pair is really opened by the merged patch as printed (re-evaluated from its YAML)
    snap = demo_snapshot()
    yaml_lines = block[block.index("    apiVersion:") :].splitlines()
    doc = yaml.safe_load("\n".join(line[4:] for line in yaml_lines if line.startswith("    ") or not line))
    after = snap.with_changes(policies=[parse_network_policy(doc)])
    ports = [(8080, "TCP"), (9090, "TCP")]
    for src, dst in pairs:
        assert any(allows(after, src, dst, p, t) and not allows(snap, src, dst, p, t) for p, t in ports)
    # one pair opened: named without "more"
    payments = _merged_part(out, "payments/payments-ingress")
    assert "Also opens shop/api-7f9b8c6d5-m2n6t → payments/payments-84d6b7c9f-t5r2e." in payments


def _wide_worker_egress(snap: ClusterSnapshot, *, excepted: bool) -> Fix:
    """shop/worker-egress with one more rule: anywhere on 80/TCP (the metadata address too unless excepted)."""
    policy = snap.policy("shop", "worker-egress")
    assert policy is not None and isinstance(policy.raw, dict)
    manifest = copy.deepcopy(policy.raw)
    block: dict[str, Any] = {"cidr": "0.0.0.0/0"}
    if excepted:
        block["except"] = ["169.254.169.254/32"]
    manifest["spec"]["egress"].append(
        {"to": [{"ipBlock": block}], "ports": [{"port": 80, "protocol": "TCP"}]}
    )
    return Fix(FixSide.EGRESS, FixAction.PATCH, "shop", "worker-egress", manifest, 0)


def test_opens_metadata_is_judged_by_the_evaluator() -> None:
    snap = demo_snapshot()
    wide = _wide_worker_egress(snap, excepted=False)
    assert cli_fixes.opens_metadata(snap, wide, [wide])
    assert not cli_fixes.opens_metadata(snap, _wide_worker_egress(snap, excepted=True), [wide])
    drop = verdict(snap, FRONTEND, API, 8080)
    (api,) = suggest_fixes(drop, snap)
    assert not cli_fixes.opens_metadata(snap, api, [api, wide])


def test_fixes_out_never_writes_a_merged_patch_that_opens_the_metadata_address(
    capsys, demo_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's metadata drop is withheld by its finding; a merged patch that opens the address for another
    reason (here: a wide ipBlock, added to the real merged patches) is withheld too: shown, not written."""
    real = cli_fixes.merge_verified

    def with_wide(snapshot: ClusterSnapshot, chosen: Any) -> MergedFixes:
        result = real(snapshot, chosen)
        others = tuple(f for f in result.fixes if f.target != "shop/worker-egress")
        return MergedFixes(others + (_wide_worker_egress(snapshot, excepted=False),), result.unfixed)

    monkeypatch.setattr(cli_fixes, "merge_verified", with_wide)
    flows, cluster = str(demo_files / "flows.json"), str(demo_files / "cluster.yaml")
    out_dir = demo_files / "fixes"
    assert main(["explain", "--flows", flows, "--cluster", cluster, "--fixes-out", str(out_dir)]) == 0
    out = capsys.readouterr().out
    files = {p.name for p in out_dir.iterdir()}
    assert "NetworkPolicy-shop-api-ingress.yaml" in files
    assert "NetworkPolicy-shop-worker-egress.yaml" not in files
    assert not any(
        "169.254" in (out_dir / f).read_text() or "0.0.0.0/0" in (out_dir / f).read_text() for f in files
    )
    # the heading counts only the groups the written patches allow (the demo: 10 with the real patch)
    assert "applied together they allow the 9 fixable drop groups above" in out
    block = _merged_part(out, "shop/worker-egress")
    assert "lets a pod reach the cloud metadata address: --fixes-out does not write it" in block
    assert "0.0.0.0/0" in block


def test_fixes_out_never_writes_the_demo_metadata_fix(capsys, demo_files: Path) -> None:
    flows, cluster = str(demo_files / "flows.json"), str(demo_files / "cluster.yaml")
    out_dir = demo_files / "fixes"
    assert main(["explain", "--flows", flows, "--cluster", cluster, "--fixes-out", str(out_dir)]) == 0
    out = capsys.readouterr().out
    assert (
        "this fix opens the cloud metadata address: it is not merged and --fixes-out does not write it" in out
    )
    texts = [p.read_text() for p in out_dir.iterdir()]
    assert texts and not any("169.254.169.254" in t for t in texts)
    snap = demo_snapshot()
    for t in texts:
        doc = yaml.safe_load(t)
        if doc["kind"] == "NetworkPolicy":
            snap = snap.with_changes(policies=[parse_network_policy(doc)])
    ev = snap.evaluator
    worker = next(p for k, p in snap.pods.items() if k.startswith("shop/worker-"))
    assert not ev.allows(ev.subject_for_pod(worker), ev.subject_for_ip("169.254.169.254"), 80, "TCP")
