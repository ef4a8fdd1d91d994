"""The shared flags work before and after the command, and the command's defaults never overwrite them."""

from __future__ import annotations

import json
from pathlib import Path

from netpol_tui.cli import build_parser, main

CLUSTER = str(Path(__file__).parent / "core" / "fixtures" / "trace-cluster.yaml")


def test_flags_before_the_command_are_kept() -> None:
    args = build_parser().parse_args(
        ["--cluster", "c.yaml", "-n", "shop", "--server", "h:1", "explain", "--flows", "f"]
    )
    assert (args.cluster, args.namespace, args.server, args.flows) == ("c.yaml", ["shop"], "h:1", "f")


def test_flags_after_the_command_and_defaults() -> None:
    args = build_parser().parse_args(["explain", "--flows", "f", "--pod", "a", "--pod", "b"])
    assert args.pod == ["a", "b"] and args.cluster is None and args.server  # the main parser's default
    assert build_parser().parse_args(["demo"]).buffer == 50_000
    assert build_parser().parse_args(["demo", "--buffer", "10"]).buffer == 10


def test_trace_with_cluster_before_the_command(capsys) -> None:
    code = main(
        [
            "--cluster",
            CLUSTER,
            "trace",
            "--from",
            "prod/worker",
            "--to",
            "prod/db-0",
            "--port",
            "5432",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code in (0, 1) and out["flow"]["destination"] == "prod/db-0"
    assert out["allowed"] is (code == 0)
