"""Shared by the TUI commands: build the app, run it, stop its sources, turn setup errors into one line."""

from __future__ import annotations

from netpol_tui.cli import CliError


def run_app(build, args) -> int:
    from netpol_tui.core.filters import FilterError

    try:
        app = build(args)
    except FilterError as exc:
        raise CliError(str(exc)) from None
    try:
        app.run()
    finally:
        hook = getattr(app, "_on_exit_hook", None)
        if hook is not None:
            try:
                hook()
            except Exception:  # noqa: BLE001
                pass
    return int(app.return_code or 0)
