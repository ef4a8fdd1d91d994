"""Shared by the TUI commands: run the app, then stop what the factory started (port-forward, demo server).

An exception that ends the app (Textual catches it, prints its own traceback and exits with status 1) is raised
again here, so that cli.main says it in one line and exits 2, like any other internal error; Textual's
traceback is printed only with --debug. Textual has no public hook for either (the exception that ended the
app, and whether its traceback is printed), so this module reads `_exception` and wraps
`_print_error_renderables` — the one place in netpol-tui that touches them, each guarded by getattr.
"""

from __future__ import annotations

from typing import Any

from netpol_tui.cli.app_factory import BuiltApp


def run_app(built: BuiltApp, debug: bool = False) -> int:
    app: Any = built.app
    printer = getattr(app, "_print_error_renderables", None)
    if not debug and callable(printer):

        def quiet() -> None:  # Textual's traceback only with --debug; exit messages still shown
            if getattr(app, "_exception", None) is not None:
                app._exit_renderables.clear()
            printer()

        app._print_error_renderables = quiet
    try:
        app.run()
    finally:
        built.close()
    error = getattr(app, "_exception", None)
    if isinstance(error, Exception):
        raise error
    return int(app.return_code or 0)
