"""argv -> typed configuration (cli/config.py): the same values whether a flag comes before or after the command,
and the layers below get dataclasses, never the argparse namespace."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from netpol_tui.cli import build_parser, main
from netpol_tui.cli.config import cluster_config, filter_words, flow_query, hubble_config, relay, tui_options
from netpol_tui.core.flowquery import FilterError, FlowQuery
from netpol_tui.sources.cluster_loader import ClusterConfig
from netpol_tui.sources.hubble import HubbleConfig
from netpol_tui.ui.options import TuiOptions

T0 = 1_767_225_600_000_000_000
FILTERS = ["--pod", "shop/api", "-n", "shop", "-l", "app=x", "--verdict", "DROPPED", "--port", "53"]
HUBBLE = [
    "--server",
    "relay:4245",
    "--tls",
    "--tls-ca-cert-files",
    "a.pem",
    "b.pem",
    "--tls-server-name",
    "n",
]
CLUSTER = ["--cluster", "c.yaml", "--kubeconfig", "kc", "--context", "ctx", "--kube-namespace", "ns1"]


def parse(argv: list[str]):  # type: ignore[no-untyped-def]
    return build_parser().parse_args(argv)


@pytest.mark.parametrize(
    "argv",
    [
        [*HUBBLE, *FILTERS, *CLUSTER, "explain", "--flows", "f"],
        ["explain", "--flows", "f", *HUBBLE, *FILTERS, *CLUSTER],
        [*CLUSTER, "explain", *HUBBLE, "--flows", "f", *FILTERS],
    ],
)
def test_the_same_typed_config_before_and_after_the_command(argv: list[str]) -> None:
    args = parse(argv)
    assert cluster_config(args) == ClusterConfig(
        path="c.yaml", kubeconfig="kc", context="ctx", namespace="ns1"
    )
    hub = hubble_config(args)
    assert isinstance(hub, HubbleConfig)
    assert (hub.server, hub.tls, hub.tls_ca_cert_files, hub.tls_server_name) == (
        "relay:4245",
        True,
        ("a.pem", "b.pem"),
        "n",
    )
    assert hub.tls_client_cert_file is None and hub.timeout == 5.0
    expected = FlowQuery.from_flags(
        pods=["shop/api"], namespaces=["shop"], labels=["app=x"], verdicts=["DROPPED"], ports=["53"]
    )
    assert flow_query(args) == expected
    assert filter_words(args) == "pod:shop/api ns:shop label:app=x verdict:DROPPED port:53"


def test_defaults_without_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUBBLE_SERVER", raising=False)
    args = parse(["explain", "--flows", "f"])
    assert cluster_config(args) == ClusterConfig()
    assert flow_query(args) == FlowQuery()
    assert hubble_config(args).server == "localhost:4245"
    assert tui_options(parse([])) == TuiOptions()


def test_command_decided_fields_override_the_flags() -> None:
    args = parse(["explain", "--server", "h:1", "--last", "7"])
    hub = hubble_config(args, query=flow_query(args), follow=False, last=args.last)
    assert (hub.server, hub.follow, hub.last, hub.query) == ("h:1", False, 7, FlowQuery())
    assert dataclasses.is_dataclass(hub) and hub.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_tui_options_from_flags() -> None:
    args = parse(
        ["replay", "cap.json", "--pod", "shop/api", "--since", "5m", "-l", "team=a b", "--buffer", "7"]
    )
    opts = tui_options(args, narrow_live=False)
    assert opts == TuiOptions(buffer=7, words='pod:shop/api label:"team=a b" since:5m', narrow_live=False)


def test_a_bad_filter_flag_is_a_filter_error_naming_the_flag() -> None:
    with pytest.raises(FilterError) as err:
        flow_query(parse(["explain", "--flows", "f", "-n", "a/b"]))
    assert "--namespace a/b" in str(err.value)


def test_relay_without_dash_p_is_the_server_flag() -> None:
    args = parse(["--server", "relay:80", "explain"])
    assert relay(args, cluster_config(args)) == ("relay:80", None)


def test_source_errors_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such-kubeconfig"
    code = main(["snapshot", str(tmp_path / "out"), "--kubeconfig", str(missing)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("netpol-tui: ") and str(missing) in err
    assert "Traceback" not in err


def test_bad_filter_flags_exit_2_before_anything_starts(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["explain", "--flows", "-", "--port", "http"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("netpol-tui: ") and "--port" in err
