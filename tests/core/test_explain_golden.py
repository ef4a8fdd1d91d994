"""Golden text of `explain` for every mistake of the demo scenario, an explicit deny and a Hubble/policy disagreement.

Each golden file holds the case, the one-sentence summary, every finding's text (with the manifest it carries),
and the fix headings, exactly as core/wording words them. Regenerate with

    NETPOL_TUI_REGEN_GOLDEN=1 /work/venv/bin/pytest tests/core/test_explain_golden.py

then READ the diff: each sentence must be true of the demo cluster and name the failing clause.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_explain_support import (
    API,
    API2,
    COREDNS,
    FRONTEND,
    NGINX,
    PAYMENTS,
    POSTGRES,
    PROMETHEUS,
    WORKER,
    demo_flow,
    demo_snapshot,
)

from netpol_tui.core import wording, yamlout
from netpol_tui.core.explain import explain_flow
from netpol_tui.core.findings import finding_manifest

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("NETPOL_TUI_REGEN_GOLDEN") == "1"

DENY_BY = [{"name": "deny-postgres", "namespace": "payments", "kind": "CiliumNetworkPolicy"}]

CASES = {
    "dns_egress": lambda: demo_flow(WORKER, COREDNS, 53),
    "service_port": lambda: demo_flow(FRONTEND, API, 8080),
    "and_or": lambda: demo_flow(PROMETHEUS, API, 9090),
    "namespace_label_typo": lambda: demo_flow(API, PAYMENTS, 8443),
    "ingress_controller": lambda: demo_flow(NGINX, API2, 8080),
    "metadata_address": lambda: demo_flow(WORKER, "169.254.169.254", 80),
    "service_backend_not_found": lambda: demo_flow(API2, "10.96.40.7", 443),
    # POLICY_DENY (181) on the policy-verdict event, naming the deny policy
    "explicit_deny": lambda: demo_flow(
        PAYMENTS,
        POSTGRES,
        5432,
        override=("DROPPED", "POLICY_DENY", "EGRESS"),
        egress_denied_by=DENY_BY,
        event_type={"type": 5, "sub_type": 0},
    ),
    # api may resolve names (shop/api-egress allows kube-dns), yet Hubble dropped it for policy
    "dropped_but_allowed": lambda: demo_flow(
        API, COREDNS, 53, override=("DROPPED", "POLICY_DENIED", "EGRESS")
    ),
}


def golden_text(name: str) -> str:
    expl = explain_flow(CASES[name](), demo_snapshot())
    lines = [f"case: {expl.case}", "", "summary:", wording.explanation_summary(expl), "", "findings:"]
    for f in expl.findings:
        lines.append(f"- [{f.code}] {wording.finding_text(f)}")
        manifest = finding_manifest(f)
        if isinstance(manifest, dict):
            lines += ["  " + line for line in yamlout.dump(manifest).splitlines()]
    if not expl.findings:
        lines.append("(none)")
    lines += ["", "fixes:"]
    lines += [f"- {wording.fix_heading(fix)}" for fix in expl.fixes] or [
        f"(none) {wording.no_fix_text(expl)}".rstrip()
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    path = GOLDEN / f"explain_{name}.txt"
    text = golden_text(name)
    if REGEN:
        path.write_text(text)
    assert path.exists(), f"missing {path}: run with NETPOL_TUI_REGEN_GOLDEN=1"
    assert text == path.read_text(), (
        f"{path.name} differs (regenerate with NETPOL_TUI_REGEN_GOLDEN=1 and review)"
    )


def test_every_golden_file_has_a_case() -> None:
    files = {p.name for p in GOLDEN.glob("explain_*.txt")}
    assert files == {f"explain_{n}.txt" for n in CASES}


# The sentences the goldens must keep saying, checked independently of the files (so a careless regeneration that
# loses the failing clause still fails here).
MUST_SAY = {
    "dns_egress": ["DNS is blocked", "UDP and TCP 53", "for shop", "k8s-app: kube-dns"],
    "service_port": [
        "rule #1 of shop/api-ingress matches the source but allows port 80/TCP, not 8080/TCP",
        "names port 80, but the pod receives the traffic on 8080",
    ],
    "and_or": [
        "rule #1 of shop/allow-metrics would allow this if the source were in namespace shop",
        "it is in monitoring",
        "ONE item",
    ],
    "namespace_label_typo": [
        "rule #1 of payments/payments-ingress would allow this if the source's namespace had team=shops; "
        "its namespace has team=shop",
        "namespace shop has team=shop — a typo?",
    ],
    "ingress_controller": ["is an Ingress controller"],
    "metadata_address": ["169.254.169.254 is the cloud metadata address"],
    "service_backend_not_found": ["not by policy", "SERVICE_BACKEND_NOT_FOUND", "no ready endpoints"],
    "explicit_deny": ["explicit deny", "payments/deny-postgres (CiliumNetworkPolicy)"],
    "dropped_but_allowed": ["Hubble dropped it for policy, but the NetworkPolicies we know allow it"],
}


@pytest.mark.parametrize("name", sorted(MUST_SAY))
def test_key_sentences(name: str) -> None:
    text = golden_text(name)
    for phrase in MUST_SAY[name]:
        assert phrase in text, f"{name}: {phrase!r} not in\n{text}"
