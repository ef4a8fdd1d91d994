"""Shared by the TUI commands: run the app, then stop what the factory started (port-forward, demo server)."""

from __future__ import annotations

from netpol_tui.cli.app_factory import BuiltApp


def run_app(built: BuiltApp) -> int:
    try:
        built.app.run()
    finally:
        built.close()
    return int(built.app.return_code or 0)
