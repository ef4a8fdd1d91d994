"""`netpol-tui demo`: the TUI on the built-in shop, streamed through the real gRPC path from a loopback server."""

from __future__ import annotations

from netpol_tui.commands._tui import run_app


def run(args) -> int:
    from netpol_tui.app_factory import app_for_demo

    return run_app(app_for_demo, args)
