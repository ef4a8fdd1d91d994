"""Issue 11 point 10 in the Cilium parser: ports, ICMP types, label keys and values get the checks the API server
makes (the same readers as the NetworkPolicy parser: core/validation.py): non-ASCII digits are no number, a port
name is an IANA service name, label keys and values are Kubernetes ones. One bad object is an object error naming
its field; the rest load."""

from __future__ import annotations

from typing import Any

import pytest
from cilium_kit import cnp

from netpol_tui.core import wording
from netpol_tui.core.cilium.model import CiliumPolicy
from netpol_tui.core.cilium.objects import collect
from netpol_tui.core.cilium.parse import CiliumParse, parse_cilium_object
from netpol_tui.core.model import Origin
from netpol_tui.core.validation import Fault

PORT0 = "spec.ingress[0].toPorts[0].ports[0].port"


def parse(doc: dict[str, Any]) -> CiliumParse:
    return parse_cilium_object(doc, Origin("f.yaml", 2))


def ports(port: Any) -> dict[str, Any]:
    return {
        "endpointSelector": {},
        "ingress": [{"toPorts": [{"ports": [{"port": port, "protocol": "TCP"}]}]}],
    }


@pytest.mark.parametrize(
    ("port", "code", "fault"),
    [
        ("٨٠", "bad_port_name", Fault.NON_ASCII_DIGITS),  # Arabic-Indic 80: was port 80
        ("８０", "bad_port_name", Fault.NON_ASCII_DIGITS),  # full-width 80
        ("²", "bad_port_name", Fault.NON_ASCII_DIGITS),  # a digit to str.isdigit, a traceback to int()
        ("80/TCP", "bad_port_name", Fault.PORT_NAME_CHARS),
        ("http--alt", "bad_port_name", Fault.PORT_NAME_DOUBLE_HYPHEN),
        ("a-very-long-port-name", "bad_port_name", Fault.TOO_LONG),
        ("+80", "bad_port_name", Fault.PORT_NAME_CHARS),
        (" 80", "bad_port_name", Fault.PORT_NAME_CHARS),
        ("70000", "cilium_bad_port", None),
    ],
)
def test_a_bad_port_is_an_object_error_naming_the_field(port: str, code: str, fault: Fault | None) -> None:
    out = parse(cnp("bad", ports(port)))
    assert out.obj is None
    [problem] = out.problems
    assert (problem.code, problem.field, problem.obj) == (code, PORT0, "CiliumNetworkPolicy cilium-test/bad")
    assert getattr(problem, "fault", None) == fault
    assert port in wording.problem_text(problem)


@pytest.mark.parametrize(
    ("port", "number", "name"), [("80", 80, ""), ("0", 0, ""), (443, 443, ""), ("HTTP", 0, "http")]
)
def test_good_ports_still_read(port: Any, number: int, name: str) -> None:
    out = parse(cnp("good", ports(port)))
    assert out.problems == [] and isinstance(out.obj, CiliumPolicy)
    (pp,) = out.obj.rules[0].ingress[0].to_ports[0].ports
    assert (pp.port, pp.name) == (number, name)


def test_an_icmp_type_in_non_ascii_digits_is_refused() -> None:
    for text in ("٨", "²"):
        spec = {"endpointSelector": {}, "ingress": [{"icmps": [{"fields": [{"type": text}]}]}]}
        out = parse(cnp("icmp", spec))
        assert out.obj is None
        assert [(p.code, p.field) for p in out.problems] == [
            ("cilium_bad_icmp_type", "spec.ingress[0].icmps[0].fields[0].type")
        ]
    ok = parse(cnp("icmp", {"endpointSelector": {}, "ingress": [{"icmps": [{"fields": [{"type": "8"}]}]}]}))
    assert ok.problems == [] and isinstance(ok.obj, CiliumPolicy)


@pytest.mark.parametrize(
    ("spec", "code", "field", "fault"),
    [
        (
            {"endpointSelector": {"matchLabels": {"app": "bad value!"}}, "ingress": [{}]},
            "bad_label_value",
            "spec.endpointSelector.matchLabels.app",
            Fault.LABEL_CHARS,
        ),
        (
            {"endpointSelector": {"matchLabels": {"k8s:app": "x" * 64}}, "ingress": [{}]},
            "bad_label_value",
            "spec.endpointSelector.matchLabels.k8s:app",
            Fault.TOO_LONG,
        ),
        (
            {"endpointSelector": {"matchLabels": {"k8s:-app": "x"}}, "ingress": [{}]},
            "bad_label_key",
            "spec.endpointSelector.matchLabels",
            Fault.LABEL_CHARS,
        ),
        (
            {
                "endpointSelector": {},
                "ingress": [{"fromEndpoints": [{"matchLabels": {"Bad_Prefix/app": "web"}}]}],
            },
            "bad_label_key",
            "spec.ingress[0].fromEndpoints[0].matchLabels",
            Fault.LABEL_PREFIX,
        ),
        (
            {
                "endpointSelector": {
                    "matchExpressions": [{"key": "app", "operator": "In", "values": ["ok", "not ok"]}]
                },
                "ingress": [{}],
            },
            "bad_label_value",
            "spec.endpointSelector.matchExpressions[0].values[1]",
            Fault.LABEL_CHARS,
        ),
        (
            {
                "endpointSelector": {"matchExpressions": [{"key": "k8s:a b", "operator": "Exists"}]},
                "ingress": [{}],
            },
            "bad_label_key",
            "spec.endpointSelector.matchExpressions[0].key",
            Fault.LABEL_CHARS,
        ),
    ],
)
def test_bad_label_keys_and_values_are_object_errors(
    spec: dict[str, Any], code: str, field: str, fault: Fault
) -> None:
    out = parse(cnp("labels", spec))
    assert out.obj is None
    [problem] = out.problems
    assert (problem.code, problem.field, getattr(problem, "fault", None)) == (code, field, fault)


def test_bad_metadata_labels_are_refused_too() -> None:
    doc = cnp("meta", {"endpointSelector": {}, "ingress": [{}]})
    doc["metadata"]["labels"] = {"team": "a/b"}
    out = parse(doc)
    assert out.obj is None and [(p.code, p.field) for p in out.problems] == [
        ("bad_label_value", "metadata.labels.team")
    ]


def test_cilium_label_forms_still_read() -> None:
    """Source prefixes, reserved labels, the namespace keys and numbers YAML made of label values: all valid."""
    spec = {
        "endpointSelector": {"matchLabels": {"k8s:app": "web", "any:version": 2}},
        "ingress": [
            {
                "fromEndpoints": [
                    {
                        "matchLabels": {
                            "k8s:io.kubernetes.pod.namespace": "shop",
                            "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name": "shop",
                            "reserved:host": "",
                        },
                        "matchExpressions": [{"key": "k8s:tier", "operator": "NotIn", "values": ["db"]}],
                    }
                ]
            }
        ],
    }
    out = parse(cnp("good", spec))
    assert out.problems == [] and isinstance(out.obj, CiliumPolicy)


def test_one_bad_object_does_not_stop_the_others() -> None:
    objs = collect([cnp("bad", ports("٨٠")), cnp("good", ports("80"))])
    assert [p.name for p in objs.policies] == ["good"]
    assert [(p.code, p.field) for p in objs.problems] == [("bad_port_name", PORT0)]


def _service(port: Any, target: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "db", "namespace": "prod"},
        "spec": {
            "selector": {"app": "db"},
            "ports": [{"port": port, "targetPort": target, "protocol": "TCP"}],
        },
    }


@pytest.mark.parametrize(
    ("port", "target", "code", "field"),
    [
        (0, 5432, "bad_port", "spec.ports[0].port"),
        (70000, 5432, "bad_port", "spec.ports[0].port"),
        (5432, -1, "bad_port", "spec.ports[0].targetPort"),
        (5432, "٨٠", "bad_port_name", "spec.ports[0].targetPort"),
        (5432, "5432", "bad_port_name", "spec.ports[0].targetPort"),  # a string is a name to the API server
        (5432, "pg_sql", "bad_port_name", "spec.ports[0].targetPort"),
    ],
)
def test_service_ports_are_checked(port: Any, target: Any, code: str, field: str) -> None:
    out = parse(_service(port, target))
    assert out.obj is None
    assert [(p.code, p.field) for p in out.problems] == [(code, field)]


def test_good_service_ports_still_read() -> None:
    for target in (5432, "pg", None):
        out = parse(_service(5432, target))
        assert out.problems == [] and out.obj is not None
