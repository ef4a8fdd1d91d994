"""`netpol-tui demo`: the TUI on the built-in shop, streamed through the real gRPC path from a loopback server."""

from __future__ import annotations

import argparse

from netpol_tui.cli.commands._tui import run_app
from netpol_tui.cli.config import tui_options


def run(args: argparse.Namespace) -> int:
    from netpol_tui.cli.app_factory import app_for_demo

    built = app_for_demo(tui_options(args), rate=float(getattr(args, "rate", 40.0)))
    return run_app(built, debug=bool(getattr(args, "debug", False)))
