"""`netpol-tui replay FILE|- [--cluster PATH]`: the TUI over a `hubble observe -o jsonpb` capture."""

from __future__ import annotations

from netpol_tui.commands._tui import run_app


def run(args) -> int:
    from netpol_tui.app_factory import app_for_replay

    return run_app(app_for_replay, args)
