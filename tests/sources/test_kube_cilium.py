"""The kube source and Cilium (issue 12 point 1): CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy,
CiliumCIDRGroup (cilium.io/v2, falling back to v2alpha1), Node, Service, Endpoints and kube-system/cilium-config are
listed and watched through the official client against the in-process fake API server; a 403 names the
permission, a 404 (no CRD) is skipped with a one-line note; `snapshot DIR` writes them back."""

from __future__ import annotations

from pathlib import Path

import yaml
from kube_support import Runner, base_objects, fake_server, source_for
from support import fake_apiserver as fa

from netpol_tui.core.cilium.model import CiliumConfig, PolicyKind
from netpol_tui.core.problems import KubeForbidden
from netpol_tui.core.wording import problem_text
from netpol_tui.sources import kube
from netpol_tui.sources.snapshot_io import write_snapshot


def _cilium_cluster(srv: fa.FakeApiServer, group_version: str = "v2") -> None:
    srv.put(*base_objects(), *fa.cilium_objects())
    srv.put(
        fa.cilium_policy("prod", "cnp-a"),
        fa.cilium_clusterwide_policy("ccnp-world"),
        fa.cidr_group("office", ["203.0.113.0/24"], group_version),
    )


def test_every_cilium_related_kind_is_listed_and_parsed(tmp_path):
    with fake_server(cilium=True) as srv:
        _cilium_cluster(srv)
        source = source_for(srv, tmp_path)
        try:
            snap = source.list_once()
            objs = source.cilium_objects()
            raw = source.raw_objects()
        finally:
            source.close()
    assert sorted(p.key for p in objs.policies) == ["ccnp-world", "prod/cnp-a"]
    assert {p.kind for p in objs.policies} == {
        PolicyKind("CiliumNetworkPolicy"),
        PolicyKind("CiliumClusterwideNetworkPolicy"),
    }
    assert [(g.name, [str(c[1]) for c in g.cidrs]) for g in objs.groups] == [("office", ["203.0.113.0/24"])]
    assert sorted((n.name, n.addresses) for n in objs.nodes) == [
        ("node-a", ("192.168.1.10",)),
        ("node-b", ("192.168.1.11",)),
    ]
    assert [e.key for e in objs.endpoints] == ["default/kubernetes"]
    assert objs.endpoints[0].addresses == ("192.168.1.10",)
    assert [s.key for s in objs.services] == ["default/kubernetes"]
    assert isinstance(objs.config, CiliumConfig) and objs.config.cluster_name == "shop"
    # only kube-system/cilium-config was asked for (fieldSelector), never every ConfigMap
    cm_paths = [p for _, p in srv.requests if "/configmaps" in p]
    assert cm_paths and all(
        p.startswith("/api/v1/namespaces/kube-system/configmaps") and "metadata.name%3Dcilium-config" in p
        for p in cm_paths
    )
    assert [c["metadata"]["name"] for c in raw["ciliumconfig"]] == ["cilium-config"]
    assert [n["metadata"]["name"] for n in raw["nodes"]] == ["node-a", "node-b"]
    assert raw["nodes"][0]["status"] == {
        "addresses": [
            {"type": "InternalIP", "address": "192.168.1.10"},
            {"type": "Hostname", "address": "node-a"},
        ]
    }  # slimmed: no capacity, no spec
    assert raw["ciliumcidrgroups"][0]["apiVersion"] == "cilium.io/v2"
    assert snap.problems == ()


def test_cidr_groups_fall_back_to_v2alpha1(tmp_path):
    with fake_server(cilium=True, cidr_group_version="v2alpha1") as srv:
        _cilium_cluster(srv, "v2alpha1")
        source = source_for(srv, tmp_path)
        try:
            source.list_once()
            objs = source.cilium_objects()
            raw = source.raw_objects()
        finally:
            source.close()
    assert [g.name for g in objs.groups] == ["office"]
    assert raw["ciliumcidrgroups"][0]["apiVersion"] == "cilium.io/v2alpha1"
    paths = [p for _, p in srv.requests if "ciliumcidrgroups" in p]
    assert paths[0].startswith("/apis/cilium.io/v2/") and paths[1].startswith("/apis/cilium.io/v2alpha1/")
    assert source.notes == []


def test_watch_brings_cilium_changes(tmp_path):
    with fake_server(cilium=True) as srv:
        _cilium_cluster(srv)
        source = source_for(srv, tmp_path)
        with Runner(source) as run:
            run.snapshot()
            srv.put(fa.cilium_policy("prod", "cnp-b"), fa.node("node-c", "192.168.1.12"))
            srv.delete("ciliumclusterwidenetworkpolicies", "", "ccnp-world")
            srv.put(fa.config_map("kube-system", "cilium-config", {"cluster-name": "other"}))
            run._wait(
                lambda: (
                    sorted(p.key for p in source.cilium_objects().policies) == ["prod/cnp-a", "prod/cnp-b"]
                    and len(source.cilium_objects().nodes) == 3
                    and source.cilium_objects().config is not None
                    and source.cilium_objects().config.cluster_name == "other"
                ),  # type: ignore[union-attr]
                5,
                "the watched Cilium objects",
            )
            run.snapshot(lambda s: s.revision >= 2)


def test_forbidden_cilium_policies_name_the_permission(tmp_path):
    with fake_server(cilium=True) as srv:
        _cilium_cluster(srv)
        srv.forbid("list", "ciliumnetworkpolicies")
        snap = kube.list_snapshot(kubeconfig=srv.write_kubeconfig(str(tmp_path / "kc")))
        assert snap.coverage.forbidden == ("ciliumnetworkpolicies",)
        (problem,) = snap.problems
        assert isinstance(problem, KubeForbidden)
        assert problem_text(problem) == (
            "cannot list ciliumnetworkpolicies at cluster scope: grant list/watch on cilium.io "
            "ciliumnetworkpolicies (see deploy/rbac.yaml)"
        )
        with Runner(source_for(srv, tmp_path, forbidden_retry=0.2)) as run:
            st = run.status("forbidden", "ciliumnetworkpolicies")
            assert "cilium.io ciliumnetworkpolicies" in st.message
            snap = run.snapshot(lambda s: s.coverage.forbidden == ("ciliumnetworkpolicies",))
            assert len(snap.pods) == 3
            assert [p.key for p in run.source.cilium_objects().policies] == ["ccnp-world"]  # the rest goes on


def test_no_cilium_crds_is_a_one_line_note_and_the_rest_loads(tmp_path):
    # no cilium.io group at all: nothing asked of it, one note
    with fake_server() as srv:
        srv.put(*base_objects())
        source = source_for(srv, tmp_path)
        try:
            snap = source.list_once()
        finally:
            source.close()
        assert source.notes == []  # one-shot (trace, explain, snapshot): a plain cluster, nothing to say
        assert len(snap.pods) == 3 and snap.problems == ()
        assert not [p for _, p in srv.requests if "/apis/cilium.io" in p]
        with Runner(source_for(srv, tmp_path)) as run:  # live: the TUI's status line says it once
            st = run.status("synced", "cilium.io")
            assert st.message == "cilium.io (no Cilium CRDs) is not served by this API server: skipped"
    # the group is there but one CRD is not (CIDR groups on an old Cilium): 404 on both versions, one note
    with fake_server(
        cilium=True, cilium_crds={"ciliumnetworkpolicies", "ciliumclusterwidenetworkpolicies"}
    ) as srv:
        _cilium_cluster(srv)
        source = source_for(srv, tmp_path)
        try:
            snap = source.list_once()
            objs = source.cilium_objects()
        finally:
            source.close()
        assert source.notes == ["ciliumcidrgroups.cilium.io is not served by this API server: skipped"]
        assert len(objs.policies) == 2 and objs.groups == []
        assert snap.coverage.forbidden == () and snap.problems == ()
        with Runner(source_for(srv, tmp_path)) as run:
            st = run.status("synced", "cilium.io")
            run.snapshot()
            notes = [s.message for s in run.statuses if "not served" in s.message]
            assert notes == ["ciliumcidrgroups.cilium.io is not served by this API server: skipped"]
            assert st is not None


def test_namespace_scope_still_reads_the_apiserver_endpoints(tmp_path):
    with fake_server(cilium=True) as srv:
        _cilium_cluster(srv)
        srv.put(fa.endpoints("prod", "db", ["10.0.1.6"], 5432))
        source = source_for(srv, tmp_path, namespace="prod")
        try:
            source.list_once()
            objs = source.cilium_objects()
            raw = source.raw_objects()
        finally:
            source.close()
    assert sorted(e.key for e in objs.endpoints) == ["default/kubernetes", "prod/db"]
    assert sorted(e["metadata"]["name"] for e in raw["endpoints"]) == ["db", "kubernetes"]
    assert objs.config is not None


def test_snapshot_dir_writes_the_cilium_kinds(tmp_path):
    with fake_server(cilium=True) as srv:
        _cilium_cluster(srv)
        source = source_for(srv, tmp_path)
        try:
            source.list_once()
            raw = source.raw_objects()
        finally:
            source.close()
    out = tmp_path / "snap"
    counts = write_snapshot(out, raw)
    assert counts["ciliumcidrgroups"] == 1 and counts["nodes"] == 2 and counts["ciliumconfig"] == 1
    assert counts["services"] == 1 and counts["endpoints"] == 1
    docs = {p.name: yaml.safe_load(p.read_text()) for p in Path(out).glob("*.yaml")}
    assert [i["kind"] for i in docs["ciliumcidrgroups.yaml"]["items"]] == ["CiliumCIDRGroup"]
    assert [i["kind"] for i in docs["ciliumconfig.yaml"]["items"]] == ["ConfigMap"]
    # read back through the core's parser: the same objects
    from netpol_tui.core.cilium.objects import collect

    back = collect([i for d in docs.values() for i in (d.get("items") or [])])
    assert sorted(p.key for p in back.policies) == ["ccnp-world", "prod/cnp-a"]
    assert len(back.nodes) == 2 and back.config is not None and back.config.cluster_name == "shop"


def test_cilium_objects_from_files_are_written_back_the_same(tmp_path):
    from netpol_tui.core.cilium.objects import CiliumObjects, collect
    from netpol_tui.sources.snapshot_io import cilium_manifests

    docs = [
        *fa.cilium_objects(),
        fa.cilium_policy("prod", "cnp-a"),
        fa.cilium_clusterwide_policy("ccnp-world"),
        fa.cidr_group("office", ["203.0.113.0/24"], "v2alpha1"),
        fa.service("prod", "db", {"app": "db"}, [{"port": 5432, "targetPort": "pg", "protocol": "TCP"}]),
    ]
    first = collect(docs)
    assert first.problems == [] and isinstance(first, CiliumObjects)
    written = cilium_manifests(first)
    assert sorted(written) == [
        "ciliumcidrgroups",
        "ciliumclusterwidenetworkpolicies",
        "ciliumconfig",
        "ciliumnetworkpolicies",
        "endpoints",
        "nodes",
        "services",
    ]
    counts = write_snapshot(tmp_path / "snap", written)
    assert counts["services"] == 2 and counts["ciliumconfig"] == 1
    items = [
        i
        for p in sorted((tmp_path / "snap").glob("*.yaml"))
        for i in (yaml.safe_load(p.read_text()).get("items") or [])
    ]
    back = collect(items)
    assert back.problems == []
    a, b = first.context(), back.context()
    assert sorted(p.key for p in b.policies) == sorted(p.key for p in a.policies)
    assert [(g.name, g.cidrs, g.api_version) for g in b.groups] == [
        (g.name, g.cidrs, g.api_version) for g in a.groups
    ]
    assert sorted((n.name, n.addresses) for n in b.nodes) == sorted((n.name, n.addresses) for n in a.nodes)
    assert sorted((s.key, s.selector, s.ports, s.cluster_ips) for s in b.services) == sorted(
        (s.key, s.selector, s.ports, s.cluster_ips) for s in a.services
    )
    assert sorted((e.key, e.addresses) for e in b.endpoints) == sorted(
        (e.key, e.addresses) for e in a.endpoints
    )
    assert b.config == a.config or (
        b.config is not None and a.config is not None and b.config.data == a.config.data
    )


def test_snapshot_command_says_the_note_and_writes_the_new_kinds(tmp_path, capsys):
    from netpol_tui.cli import main

    out = tmp_path / "snap"
    with fake_server(
        cilium=True, cilium_crds={"ciliumnetworkpolicies", "ciliumclusterwidenetworkpolicies"}
    ) as srv:
        _cilium_cluster(srv)
        kc = srv.write_kubeconfig(str(tmp_path / "kc"))
        assert main(["snapshot", str(out), "--kubeconfig", kc]) == 0
    err = capsys.readouterr().err
    assert "netpol-tui: ciliumcidrgroups.cilium.io is not served by this API server: skipped\n" in err
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        "ciliumclusterwidenetworkpolicies.yaml",
        "ciliumconfig.yaml",
        "ciliumnetworkpolicies.yaml",
        "endpoints.yaml",
        "namespaces.yaml",
        "networkpolicies.yaml",
        "nodes.yaml",
        "pods.yaml",
        "services.yaml",
    ]
