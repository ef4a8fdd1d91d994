"""Label values a YAML reader would turn into something else (`on`, `yes`, `null`, `0123`, `1.0`, `true`) survive
every fix we write: the YAML text, read back by a real YAML parser, gives the very same strings."""

from __future__ import annotations

from typing import Any

import yaml
from test_explain_support import drop, np, ns, pod, snapshot

from netpol_tui.core import yamlout
from netpol_tui.core.explain import explain_flow
from netpol_tui.core.findings import finding_manifest
from netpol_tui.core.suggest import FixAction

TRICKY = {
    "app": "on",
    "tier": "yes",
    "flag": "null",
    "zip": "0123",
    "float": "1.0",
    "bool": "true",
}  # ("~" is no valid label value)


def _strings(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values()), set(map(str, value)))
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) else set()


def _cluster(patch_target: bool) -> list[dict[str, Any]]:
    docs = [
        ns("yes", team="on"),
        ns("on", team="null"),
        pod("yes", "client", "10.0.0.1", TRICKY),
        pod("yes", "other-client", "10.0.0.2", {"app": "x"}),
        pod("on", "server", "10.0.1.1", TRICKY, ports=[(8080, "http", "TCP"), (53, "dns", "UDP")]),
        pod("on", "other-server", "10.0.1.2", {"app": "y"}),
        np("yes", "deny-egress", {"podSelector": {}, "policyTypes": ["Egress"]}),
        np("on", "deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]}),
    ]
    if patch_target:
        # a policy selecting exactly the server by its tricky labels: the fix patches it (its raw object re-emitted)
        docs.append(np("on", "server-ingress", {"podSelector": {"matchLabels": dict(TRICKY)}, "ingress": []}))
    return docs


def _round_trips(manifest: dict[str, Any]) -> None:
    text = yamlout.dump(manifest)
    assert yaml.safe_load(text) == manifest, text


def test_every_fix_keeps_tricky_label_values_as_strings() -> None:
    actions = set()
    for patch_target in (False, True):
        snap = snapshot(_cluster(patch_target))
        expl = explain_flow(drop(snap, "yes/client", "on/server", 8080), snap)
        assert len(expl.fixes) == 2, expl
        for fix in expl.fixes:
            actions.add(fix.action)
            assert set(TRICKY.values()) <= _strings(fix.manifest)  # the fix does write them
            assert yaml.safe_load(fix.yaml) == fix.manifest, fix.yaml
    assert actions == {FixAction.CREATE, FixAction.PATCH}


def test_namespace_wide_dns_allow_keeps_a_tricky_namespace_name() -> None:
    dns = pod("kube-system", "coredns", "10.0.9.9", {"k8s-app": "kube-dns"}, ports=[(53, "dns", "UDP")])
    snap = snapshot(_cluster(False) + [ns("kube-system"), dns])
    expl = explain_flow(drop(snap, "yes/client", "kube-system/coredns", 53, "UDP", direction="EGRESS"), snap)
    manifests = [m for m in map(finding_manifest, expl.findings) if m is not None]
    assert manifests and manifests[0]["metadata"]["namespace"] == "yes"
    for m in manifests:
        _round_trips(m)
    for fix in expl.fixes:
        assert yaml.safe_load(fix.yaml) == fix.manifest


def test_each_tricky_value_alone() -> None:
    for value in (*TRICKY.values(), "yes", "No", "OFF", "Null", "1e3", "0x10", "-", "1.0", ""):
        _round_trips({"metadata": {"labels": {"k": value}}})
