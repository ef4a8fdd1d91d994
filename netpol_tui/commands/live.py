"""`netpol-tui` (no command): the TUI on live Hubble flows and the live kube API (or --cluster PATH)."""

from __future__ import annotations

from netpol_tui.commands._tui import run_app


def run(args) -> int:
    from netpol_tui.app_factory import app_for_live

    return run_app(app_for_live, args)
