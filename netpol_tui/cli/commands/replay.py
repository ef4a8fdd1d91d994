"""`netpol-tui replay FILE|- [--cluster PATH]`: the TUI over a `hubble observe -o jsonpb` capture."""

from __future__ import annotations

import argparse

from netpol_tui.cli.commands._tui import run_app
from netpol_tui.cli.config import cluster_config, tui_options


def run(args: argparse.Namespace) -> int:
    from netpol_tui.cli.app_factory import app_for_replay

    built = app_for_replay(str(args.file), cluster_config(args), tui_options(args))
    return run_app(built, debug=bool(getattr(args, "debug", False)))
