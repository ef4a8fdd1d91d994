"""Issue 11 point 10 (validation): values the API server rejects are object errors naming the file, the object
and the field; that object is left out, the rest loads. Port names (IANA_SVC_NAME), non-ASCII digits, label keys
and values in metadata.labels and in selectors (matchLabels, matchExpressions keys and values)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netpol_tui.core.manifests import parse_objects
from netpol_tui.core.problems import BadLabelKey, BadLabelValue, BadPortName
from netpol_tui.core.validation import (
    Fault,
    ascii_number,
    label_key_fault,
    label_value_fault,
    port_name_fault,
)
from netpol_tui.core.wording import problem_text
from netpol_tui.sources.manifests_io import load_manifests


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("http", None),
        ("metrics-9090", None),
        ("a", None),
        ("x" * 15, None),
        ("80/TCP", Fault.PORT_NAME_CHARS),
        ("HTTP", Fault.PORT_NAME_CHARS),
        ("x" * 16, Fault.TOO_LONG),
        ("8080", Fault.PORT_NAME_NO_LETTER),
        ("-http", Fault.PORT_NAME_EDGE_HYPHEN),
        ("http-", Fault.PORT_NAME_EDGE_HYPHEN),
        ("my--port", Fault.PORT_NAME_DOUBLE_HYPHEN),
        ("٨٠", Fault.NON_ASCII_DIGITS),
        ("", Fault.EMPTY),
    ],
)
def test_port_names(text: str, fault: Fault | None) -> None:
    assert port_name_fault(text) == fault


def test_ascii_numbers_only() -> None:
    assert ascii_number("8080") == 8080
    for text in ("٨٠", "８０", "+80", " 80", "8_0", "", "80\n"):
        assert ascii_number(text) is None, text


@pytest.mark.parametrize(
    ("key", "fault"),
    [
        ("app", None),
        ("app.kubernetes.io/name", None),
        ("k8s-app", None),
        ("A_b.C-d", None),
        ("x" * 63, None),
        ("x" * 64, Fault.TOO_LONG),
        ("-app", Fault.LABEL_CHARS),
        ("app_", Fault.LABEL_CHARS),
        ("a b", Fault.LABEL_CHARS),
        ("Example.com/app", Fault.LABEL_PREFIX),
        ("/app", Fault.LABEL_PREFIX),
        ("exa_mple.com/app", Fault.LABEL_PREFIX),
        ("example.com/", Fault.EMPTY),
        ("a" * 254 + "/app", Fault.LABEL_PREFIX_TOO_LONG),
        ("", Fault.EMPTY),
        ("\x1b[2J", Fault.LABEL_CHARS),
        ("äpp", Fault.LABEL_CHARS),
    ],
)
def test_label_keys(key: str, fault: Fault | None) -> None:
    assert label_key_fault(key) == fault


@pytest.mark.parametrize(
    ("value", "fault"),
    [
        ("", None),
        ("v1.2_3-x", None),
        ("x" * 63, None),
        ("x" * 64, Fault.TOO_LONG),
        ("~", Fault.LABEL_CHARS),
        ("a/b", Fault.LABEL_CHARS),
        ("-a", Fault.LABEL_CHARS),
        ("٨٠", Fault.LABEL_CHARS),
    ],
)
def test_label_values(value: str, fault: Fault | None) -> None:
    assert label_value_fault(value) == fault


def _policy(name: str, ingress_rule: dict, selector: dict | None = None) -> dict:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": "prod"},
        "spec": {"podSelector": selector or {}, "ingress": [ingress_rule]},
    }


BAD = [
    # (object, expected problem type, field path, value)
    (
        _policy("slash", {"ports": [{"port": "80/TCP"}]}),
        BadPortName,
        "spec.ingress[0].ports[0].port",
        "80/TCP",
    ),
    (_policy("upper", {"ports": [{"port": "HTTP"}]}), BadPortName, "spec.ingress[0].ports[0].port", "HTTP"),
    (
        _policy("long", {"ports": [{"port": "a" * 16}]}),
        BadPortName,
        "spec.ingress[0].ports[0].port",
        "a" * 16,
    ),
    (_policy("digits", {"ports": [{"port": "٨٠"}]}), BadPortName, "spec.ingress[0].ports[0].port", "٨٠"),
    (_policy("quoted", {"ports": [{"port": "80"}]}), BadPortName, "spec.ingress[0].ports[0].port", "80"),
    (
        _policy("sel-key", {}, {"matchLabels": {"Bad.Prefix/app": "db"}}),
        BadLabelKey,
        "spec.podSelector.matchLabels",
        "Bad.Prefix/app",
    ),
    (
        _policy("sel-value", {"from": [{"podSelector": {"matchLabels": {"app": "a b"}}}]}),
        BadLabelValue,
        "spec.ingress[0].from[0].podSelector.matchLabels.app",
        "a b",
    ),
    (
        _policy("expr-key", {}, {"matchExpressions": [{"key": "-x", "operator": "Exists"}]}),
        BadLabelKey,
        "spec.podSelector.matchExpressions[0].key",
        "-x",
    ),
    (
        _policy(
            "expr-value",
            {},
            {"matchExpressions": [{"key": "x", "operator": "In", "values": ["ok", "x" * 64]}]},
        ),
        BadLabelValue,
        "spec.podSelector.matchExpressions[0].values[1]",
        "x" * 64,
    ),
    (
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "prod", "labels": {"app": "\x1b]0;title\x07"}},
        },
        BadLabelValue,
        "metadata.labels.app",
        "\x1b]0;title\x07",
    ),
    (
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n", "labels": {"a/b/c": "x"}}},
        BadLabelKey,
        "metadata.labels",
        "a/b/c",
    ),
]


def test_each_rejected_value_is_an_object_error_and_the_rest_loads() -> None:
    good = _policy("good", {"ports": [{"port": "http"}, {"port": 8080, "endPort": 8090}]})
    parsed = parse_objects([obj for obj, *_ in BAD] + [good])
    assert [p.name for p in parsed.policies] == ["good"]
    assert parsed.pods == [] and parsed.namespaces == []
    assert len(parsed.problems) == len(BAD)
    for problem, (_, kind, field, value) in zip(parsed.problems, BAD, strict=True):
        assert isinstance(problem, kind), problem
        assert problem.field == field
        assert problem.value == value
        assert problem.obj  # the object named


def test_problem_lines_name_file_object_and_field(tmp_path: Path) -> None:
    path = tmp_path / "cluster.json"
    path.write_text(json.dumps({"kind": "List", "items": [obj for obj, *_ in BAD[:2]]}))
    parsed = load_manifests(str(path))
    texts = [problem_text(p) for p in parsed.problems]
    assert texts[0] == (
        f"{path}, document 1, NetworkPolicy prod/slash, spec.ingress[0].ports[0].port: '80/TCP' is not a port: "
        "a number, or a name of lowercase letters a-z, digits and '-' (object skipped)"
    )
    assert "NetworkPolicy prod/upper" in texts[1] and "'HTTP' is not a port" in texts[1]


def test_a_port_filter_with_non_ascii_digits_is_refused() -> None:
    from netpol_tui.core.flowquery import FilterError, FlowQuery

    for flag in ("ports", "from_ports", "to_ports"):
        with pytest.raises(FilterError):
            FlowQuery.from_flags(**{flag: ["٨٠"]})
    assert FlowQuery.from_flags(ports=["80"]).whitelist


def _pod(name: str, ports: list[dict[str, object]]) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "prod", "labels": {"app": name}},
        "spec": {"containers": [{"name": "c", "ports": ports}]},
        "status": {"podIP": "10.0.0.9"},
    }


def test_container_ports_get_the_api_servers_checks() -> None:
    """A pod's named ports are what a policy's named port resolves to: a name or number the API server refuses
    makes the pod an object error naming the field (the rest loads)."""
    from netpol_tui.core.problems import BadPort

    bad = [
        (
            _pod("digits", [{"containerPort": 80, "name": "٨٠"}]),
            BadPortName,
            "spec.containers[0].ports[0].name",
        ),
        (
            _pod("upper", [{"containerPort": 80, "name": "HTTP"}]),
            BadPortName,
            "spec.containers[0].ports[0].name",
        ),
        (_pod("zero", [{"containerPort": 0}]), BadPort, "spec.containers[0].ports[0].containerPort"),
        (_pod("big", [{"containerPort": 70000}]), BadPort, "spec.containers[0].ports[0].containerPort"),
    ]
    good = _pod("good", [{"containerPort": 8080, "name": "http"}, {"containerPort": 9090}])
    parsed = parse_objects([obj for obj, *_ in bad] + [good])
    assert [p.name for p in parsed.pods] == ["good"]
    assert [(type(p), p.field) for p in parsed.problems] == [(kind, field) for _, kind, field in bad]
    assert [(c.port, c.name) for c in parsed.pods[0].ports] == [(8080, "http"), (9090, "")]
