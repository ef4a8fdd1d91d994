"""The one parser (core/manifests.py) and the file loader (sources/manifests_io.py), good input and bad."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
from pathlib import Path

import pytest

from netpol_tui.cli import main
from netpol_tui.core import wording
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.manifests import parse_objects
from netpol_tui.core.model import NS_NAME_LABEL, ContainerPort, Origin, Workload
from netpol_tui.sources.manifests_io import load_cluster, load_manifests

FIXTURES = Path(__file__).parent / "fixtures"
KUBECTL_YAML = FIXTURES / "kubectl" / "get-all.yaml"
KUBECTL_JSON = FIXTURES / "kubectl" / "get-all.json"


def pods_by_key(result) -> dict:
    return {p.key: p for p in result.pods}


# ---------------------------------------------------------------------------------------------------------------
# Namespaces
# ---------------------------------------------------------------------------------------------------------------
def test_namespace_gets_its_name_label_when_missing() -> None:
    r = parse_objects(
        [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod", "labels": {"team": "a"}}},
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bare"}},
        ]
    )
    assert r.problems == []
    assert [dict(n.labels) for n in r.namespaces] == [
        {"team": "a", NS_NAME_LABEL: "prod"},
        {NS_NAME_LABEL: "bare"},
    ]


def test_namespace_of_a_pod_without_namespace_object_is_synthesised() -> None:
    snap = ClusterSnapshot.from_parse(
        parse_objects([{"kind": "Pod", "metadata": {"name": "p", "namespace": "ghost"}}])
    )
    assert dict(snap.namespace("ghost").labels) == {NS_NAME_LABEL: "ghost"}


# ---------------------------------------------------------------------------------------------------------------
# kubectl get ... -o yaml / -o json
# ---------------------------------------------------------------------------------------------------------------
def test_kubectl_yaml_list() -> None:
    r = load_manifests(str(KUBECTL_YAML))
    assert r.problems == []
    assert sorted(n.name for n in r.namespaces) == ["kube-system", "shop"]
    pods = pods_by_key(r)
    assert sorted(pods) == [
        "kube-system/cilium-4xq2z",
        "shop/api-7d9f8b6c5d-x2k4p",
        "shop/backup-29398560-8xk2w",
        "shop/db-0",
        "shop/debug",
    ]
    api = pods["shop/api-7d9f8b6c5d-x2k4p"]
    assert api.ips == ("10.244.1.17", "fd00:10:244:1::11")
    assert api.ip == "10.244.1.17"
    assert (api.host_network, api.phase, api.node_name) == (False, "Running", "worker-1")
    assert api.ports == (ContainerPort(8080, "TCP", "http"), ContainerPort(9090, "TCP", "metrics"))
    assert api.workload == Workload("Deployment", "api")
    assert dict(api.labels) == {"app": "api", "pod-template-hash": "7d9f8b6c5d", "tier": "backend"}
    assert api.origin == Origin(str(KUBECTL_YAML), 1)

    db = pods["shop/db-0"]
    assert db.workload == Workload("StatefulSet", "db")
    assert set(db.ports) == {ContainerPort(5432, "TCP", "pg"), ContainerPort(7000, "UDP", "init-debug")}

    cilium = pods["kube-system/cilium-4xq2z"]
    assert cilium.workload == Workload("DaemonSet", "cilium")
    assert cilium.host_network is True and cilium.ports == ()

    backup = pods["shop/backup-29398560-8xk2w"]
    assert backup.workload == Workload("CronJob", "backup")
    assert backup.phase == "Succeeded"

    debug = pods["shop/debug"]
    assert (debug.workload, debug.ips, debug.phase) == (None, (), "Pending")

    assert [p.key for p in r.policies] == ["shop/db-from-api"]
    pol = r.policies[0]
    assert pol.policy_types == frozenset({"Ingress"}) and pol.declared_policy_types == ("Ingress",)
    assert pol.ingress[0].ports[0].port == 5432 and pol.ingress[0].ports[0].protocol == "TCP"
    # Services and Cilium policies are read for the Cilium evaluation (issue 12), not skipped
    assert dict(r.skipped_kinds) == {}
    assert [s.key for s in r.cilium.services] == ["shop/api"]
    assert dict(r.not_evaluated) == {} and [p.key for p in r.cilium.policies] == ["shop/l7-api"]


def test_kubectl_json_list_reads_the_same() -> None:
    y, j = load_manifests(str(KUBECTL_YAML)), load_manifests(str(KUBECTL_JSON))
    assert j.problems == []

    def plain(objs):
        return [dataclasses.replace(o, origin=Origin()) for o in objs]

    assert plain(j.namespaces) == plain(y.namespaces)
    assert plain(j.pods) == plain(y.pods)
    assert [(p.key, p.pod_selector, p.policy_types, p.ingress, p.egress) for p in j.policies] == [
        (p.key, p.pod_selector, p.policy_types, p.ingress, p.egress) for p in y.policies
    ]
    assert j.pods[0].origin == Origin(str(KUBECTL_JSON), 1)
    assert j.skipped_kinds == y.skipped_kinds and j.not_evaluated == y.not_evaluated


def test_cilium_policies_are_carried_by_the_snapshot() -> None:
    snap = load_cluster(str(KUBECTL_YAML))
    assert snap.coverage.not_evaluated == ()  # evaluated since issue 12
    assert snap.cilium is not None and [p.key for p in snap.cilium.policies] == ["shop/l7-api"]
    assert snap.skipped_kinds == {}


@pytest.mark.parametrize(
    "owner, labels, expected",
    [
        (
            {"kind": "ReplicaSet", "name": "web-5f7c9d", "controller": True},
            {"pod-template-hash": "5f7c9d"},
            Workload("Deployment", "web"),
        ),
        (
            {"kind": "ReplicaSet", "name": "standalone", "controller": True},
            {},
            Workload("ReplicaSet", "standalone"),
        ),
        ({"kind": "StatefulSet", "name": "db", "controller": True}, {}, Workload("StatefulSet", "db")),
        ({"kind": "DaemonSet", "name": "agent", "controller": True}, {}, Workload("DaemonSet", "agent")),
        ({"kind": "Job", "name": "report-29398560", "controller": True}, {}, Workload("CronJob", "report")),
        ({"kind": "Job", "name": "migrate-v2", "controller": True}, {}, Workload("Job", "migrate-v2")),
        (None, {}, None),
    ],
)
def test_pod_owner_workload(owner, labels, expected) -> None:
    meta = {"name": "p-1", "namespace": "n", "labels": labels}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "uid": "u", **owner}]
    r = parse_objects([{"apiVersion": "v1", "kind": "Pod", "metadata": meta}])
    assert r.problems == []
    assert r.pods[0].workload == expected


def test_pod_ip_fields_and_port_defaults() -> None:
    r = parse_objects(
        [
            {
                "kind": "Pod",
                "metadata": {"name": "p", "namespace": "n"},
                "spec": {
                    "containers": [
                        {
                            "name": "c",
                            "ports": [{"containerPort": 53, "protocol": "UDP"}, {"containerPort": 8080}],
                        }
                    ]
                },
                "status": {"podIP": "10.0.0.5"},  # only podIP, no podIPs
            },
            {
                "kind": "Pod",
                "metadata": {"name": "q"},  # no namespace: default
                "status": {"podIPs": [{"ip": "fd00::5"}, {"ip": "10.0.0.6"}]},
            },
        ]
    )
    assert r.problems == []
    p, q = r.pods
    assert p.ips == ("10.0.0.5",) and p.ports == (
        ContainerPort(53, "UDP", ""),
        ContainerPort(8080, "TCP", ""),
    )
    assert q.key == "default/q" and q.ips == ("fd00::5", "10.0.0.6")


def test_typed_lists_give_their_item_kind() -> None:
    r = parse_objects(
        [
            {"apiVersion": "v1", "kind": "PodList", "items": [{"metadata": {"name": "a", "namespace": "n"}}]},
            {"apiVersion": "v1", "kind": "NamespaceList", "items": [{"metadata": {"name": "n"}}]},
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicyList",
                "items": [{"metadata": {"name": "deny", "namespace": "n"}, "spec": {"podSelector": {}}}],
            },
            {"apiVersion": "v1", "kind": "List", "items": []},
        ]
    )
    assert r.problems == []
    assert [p.key for p in r.pods] == ["n/a"]
    assert [n.name for n in r.namespaces] == ["n"]
    assert [p.key for p in r.policies] == ["n/deny"]


def test_unknown_kinds_are_counted_not_reported() -> None:
    r = parse_objects(
        [
            {"kind": "Service", "metadata": {"name": "s"}},
            {"kind": "Service", "metadata": {"name": "t"}},
            {"kind": "ConfigMap", "metadata": {"name": "c"}},
            {"kind": "CiliumClusterwideNetworkPolicy", "metadata": {"name": "ccnp"}},
        ]
    )
    # Services and CCNPs are read for the Cilium evaluation (issue 12); a CCNP without spec is a problem
    assert [p.code for p in r.problems] == ["cilium_no_spec"]
    assert dict(r.skipped_kinds) == {"ConfigMap": 1}
    assert dict(r.not_evaluated) == {}
    assert sorted(s.name for s in r.cilium.services) == ["s", "t"]


# ---------------------------------------------------------------------------------------------------------------
# Directories and stdin
# ---------------------------------------------------------------------------------------------------------------
def test_directory_is_read_recursively(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(KUBECTL_YAML, tmp_path / "a" / "b" / "all.yml")
    (tmp_path / "extra.json").write_text(
        json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "more"}})
    )
    (tmp_path / "notes.txt").write_text("kind: Namespace\nmetadata: {name: ignored}\n")
    r = load_manifests(str(tmp_path))
    assert r.problems == []
    assert sorted(n.name for n in r.namespaces) == ["kube-system", "more", "shop"]
    assert len(r.pods) == 5
    assert r.pods[0].origin.source == str(tmp_path / "a" / "b" / "all.yml")


def test_stdin() -> None:
    text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: one}\n---\nkind: Pod\nmetadata: {name: p, namespace: one}\n"
    r = load_manifests("-", stdin=io.StringIO(text))
    assert r.problems == []
    assert [n.name for n in r.namespaces] == ["one"]
    assert r.pods[0].origin == Origin("-", 2)
    snap = load_cluster("-", stdin=io.StringIO(KUBECTL_JSON.read_text()))
    assert snap.source == "stdin" and len(snap.pods) == 5


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    r = load_manifests(str(tmp_path / "nope.yaml"))
    assert [p.code for p in r.problems] == ["no_such_path"]
    r = load_manifests(str(tmp_path))
    assert [p.code for p in r.problems] == ["empty_dir"]


def test_document_numbers_ignore_a_leading_comment_header(tmp_path: Path) -> None:
    f = tmp_path / "policies.yaml"
    f.write_text(
        "# policies for prod, reviewed by the platform team\n"
        "---\n"
        "kind: NetworkPolicy\nmetadata: {name: first, namespace: prod}\nspec: {podSelector: {}}\n"
        "---\n"
        "kind: NetworkPolicy\nmetadata: {name: second, namespace: prod}\n"
        "spec: {podSelector: {matchExpressions: [{key: app, operator: Equals}]}}\n"
    )
    r = load_manifests(str(f))
    assert r.policies[0].origin == Origin(str(f), 1)
    assert [(p.origin.document, p.obj) for p in r.problems] == [(2, "NetworkPolicy prod/second")]


# ---------------------------------------------------------------------------------------------------------------
# Bad input: one problem per bad object, naming file, document, object and field; the rest loads
# ---------------------------------------------------------------------------------------------------------------
BAD = """\
apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
apiVersion: v1
kind: Namespace
metadata:
  name: [broken
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod}
spec:
  containers:
    - name: web
      ports:
        - containerPort: http
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad-operator, namespace: prod}
spec:
  podSelector:
    matchExpressions:
      - {key: app, operator: Equals, values: [web]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: in-without-values, namespace: prod}
spec:
  podSelector: {}
  ingress:
    - from:
        - podSelector:
            matchExpressions:
              - {key: app, operator: In}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad-cidr, namespace: prod}
spec:
  podSelector: {}
  egress:
    - to:
        - ipBlock: {cidr: 10.0.0.300/24}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: except-outside, namespace: prod}
spec:
  podSelector: {}
  ingress:
    - from:
        - ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: prod, labels: {app: api}}
status: {podIP: 10.0.0.7}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: prod, labels: {app: db}}
status: {podIP: 10.0.0.8}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: good, namespace: prod}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: web}}}]
"""

BAD_EXPECTED = [
    # (document, code, object, field, words in the sentence)
    (2, "yaml_syntax", "", "", "YAML syntax error"),
    (
        3,
        "wrong_type",
        "Pod prod/web",
        "spec.containers[0].ports[0].containerPort",
        "expected integer, found str",
    ),
    (
        4,
        "bad_operator",
        "NetworkPolicy prod/bad-operator",
        "spec.podSelector.matchExpressions[0].operator",
        "unknown operator 'Equals'",
    ),
    (
        5,
        "values_required",
        "NetworkPolicy prod/in-without-values",
        "spec.ingress[0].from[0].podSelector.matchExpressions[0].values",
        "In needs a non-empty values list",
    ),
    (
        6,
        "bad_cidr",
        "NetworkPolicy prod/bad-cidr",
        "spec.egress[0].to[0].ipBlock.cidr",
        "'10.0.0.300/24' is not a CIDR",
    ),
    (
        7,
        "except_outside_cidr",
        "NetworkPolicy prod/except-outside",
        "spec.ingress[0].from[0].ipBlock.except[0]",
        "except '10.1.0.0/24' is not inside cidr 10.0.0.0/16",
    ),
]


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    f = tmp_path / "prod.yaml"
    f.write_text(BAD)
    return f


def test_bad_input_problems_name_file_document_object_and_field(bad_file: Path) -> None:
    r = load_manifests(str(bad_file))
    got = [(p.origin.document, p.code, p.obj, p.field) for p in r.problems]
    assert got == [(d, c, o, f) for d, c, o, f, _ in BAD_EXPECTED]
    for problem, (doc, _, obj, field, words) in zip(r.problems, BAD_EXPECTED, strict=True):
        assert problem.origin.source == str(bad_file)
        text = wording.problem_text(problem)
        assert "\n" not in text
        assert text.startswith(f"{bad_file}, document {doc}")
        assert obj in text and field in text and words in text, text
    # the yaml error says where
    assert r.problems[0].line in (7, 8, 9)
    # everything else loaded
    assert [n.name for n in r.namespaces] == ["prod"]
    assert sorted(p.key for p in r.pods) == ["prod/api", "prod/db"]
    assert [p.key for p in r.policies] == ["prod/good"]


@pytest.mark.parametrize(
    "spec, code, field",
    [
        (
            {"podSelector": {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": []}]}},
            "values_required",
            "spec.podSelector.matchExpressions[0].values",
        ),
        (
            {"podSelector": {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}},
            "values_forbidden",
            "spec.podSelector.matchExpressions[0].values",
        ),
        (
            {"podSelector": {}, "ingress": [{"ports": [{"protocol": "ICMP"}]}]},
            "bad_protocol",
            "spec.ingress[0].ports[0].protocol",
        ),
        (
            {"podSelector": {}, "ingress": [{"ports": [{"port": 70000}]}]},
            "bad_port",
            "spec.ingress[0].ports[0].port",
        ),
        (
            {"podSelector": {}, "ingress": [{"ports": [{"port": "http", "endPort": 90}]}]},
            "endport_needs_number",
            "spec.ingress[0].ports[0].endPort",
        ),
        (
            {"podSelector": {}, "ingress": [{"ports": [{"port": 90, "endPort": 80}]}]},
            "bad_endport",
            "spec.ingress[0].ports[0].endPort",
        ),
        ({"podSelector": {}, "policyTypes": ["Inbound"]}, "bad_policy_type", "spec.policyTypes[0]"),
        ({"podSelector": {}, "ingress": [{"from": [{}]}]}, "empty_peer", "spec.ingress[0].from[0]"),
        (
            {
                "podSelector": {},
                "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}],
            },
            "ipblock_with_selector",
            "spec.ingress[0].from[0]",
        ),
        ({"podSelector": {}, "egress": [{"to": {"podSelector": {}}}]}, "wrong_type", "spec.egress[0].to"),
        ({"podSelector": {"matchLabels": {"app": ["a"]}}}, "wrong_type", "spec.podSelector.matchLabels.app"),
    ],
)
def test_policy_field_errors(spec, code, field) -> None:
    r = parse_objects(
        [
            {"kind": "NetworkPolicy", "metadata": {"name": "bad", "namespace": "n"}, "spec": spec},
            {
                "kind": "NetworkPolicy",
                "metadata": {"name": "ok", "namespace": "n"},
                "spec": {"podSelector": {}},
            },
        ],
        Origin("pols.yaml", 4),
    )
    assert [(p.code, p.obj, p.field) for p in r.problems] == [(code, "NetworkPolicy n/bad", field)]
    text = wording.problem_text(r.problems[0])
    assert text.startswith(f"pols.yaml, document 4, NetworkPolicy n/bad, {field}: ")
    assert [p.key for p in r.policies] == ["n/ok"]


def test_host_bits_in_cidr_are_accepted() -> None:
    r = parse_objects(
        [
            {
                "kind": "NetworkPolicy",
                "metadata": {"name": "p", "namespace": "n"},
                "spec": {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.3.7/24"}}]}]},
            }
        ]
    )
    assert r.problems == []
    assert str(r.policies[0].ingress[0].peers[0].ip_block.network) == "10.0.3.0/24"


def test_not_an_object_and_no_kind() -> None:
    r = parse_objects([["a", "list"], {"metadata": {"name": "x"}}, None])
    assert [p.code for p in r.problems] == ["not_an_object", "no_kind"]


# ---------------------------------------------------------------------------------------------------------------
# Through the CLI
# ---------------------------------------------------------------------------------------------------------------
def test_cli_unknown_pod_exits_2_with_one_line(capsys, bad_file: Path) -> None:
    code = main(
        ["trace", "--cluster", str(bad_file), "--from", "prod/nope", "--to", "prod/db", "--port", "80"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("netpol-tui: --from prod/nope: no such pod")
    assert "api" in last and "db" in last  # the pods that do exist there


def test_cli_bad_endpoint_and_bad_port_exit_2(capsys) -> None:
    cluster = str(FIXTURES / "xyz.yaml")  # loads without a problem: stderr holds only the error
    for argv in (
        ["--from", "x/a", "--to", "y/b", "--port", "80/GRE"],  # ICMP is valid (issue 12): PORT is its type
        ["--from", "x/a", "--to", "y/b", "--port", "0"],
        ["--from", "x/a", "--to", "y/b", "--port", "http"],
        ["--from", "just-a-name", "--to", "y/b", "--port", "80"],
        ["--from", "x/a", "--to", "y/b/c", "--port", "80"],
    ):
        code = main(["trace", "--cluster", cluster, *argv])
        err = capsys.readouterr().err
        assert code == 2, argv
        assert len(err.strip().splitlines()) == 1 and err.startswith("netpol-tui: --"), err
        assert "Traceback" not in err


def test_cli_problems_are_printed_and_trace_still_runs(capsys, bad_file: Path) -> None:
    # prod/good: ingress to db only from app=web; api is denied
    code = main(
        [
            "trace",
            "--cluster",
            str(bad_file),
            "--from",
            "prod/api",
            "--to",
            "prod/db",
            "--port",
            "5432",
            "--json",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 1
    assert json.loads(out)["allowed"] is False
    lines = err.strip().splitlines()
    assert len(lines) == len(BAD_EXPECTED)
    assert all(line.startswith(f"netpol-tui: {bad_file}, document ") for line in lines)
    assert "Traceback" not in err


def test_an_except_equal_to_its_cidr_is_refused() -> None:
    from netpol_tui.core.manifests import parse_objects

    parsed = parse_objects(
        [
            {
                "kind": "NetworkPolicy",
                "metadata": {"name": "same", "namespace": "x"},
                "spec": {
                    "podSelector": {},
                    "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.0.0.0/8"]}}]}],
                },
            },
            {
                "kind": "NetworkPolicy",
                "metadata": {"name": "inside", "namespace": "x"},
                "spec": {
                    "podSelector": {},
                    "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}],
                },
            },
        ]
    )
    assert [p.name for p in parsed.policies] == ["inside"]
    (problem,) = parsed.problems
    assert problem.code == "except_equals_cidr"
    assert problem.field == "spec.ingress[0].from[0].ipBlock.except[0]"
    assert "is the whole cidr 10.0.0.0/8" in wording.problem_text(problem)
