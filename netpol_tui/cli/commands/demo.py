"""`netpol-tui demo`: the TUI on the built-in shop, streamed through the real gRPC path from a loopback server.

`demo --export DIR` starts no TUI: it writes the shop as DIR/cluster.yaml and a capture of its flows as
DIR/flows.json, for the README's offline examples.
"""

from __future__ import annotations

import argparse

from netpol_tui.cli import wording as words
from netpol_tui.cli.commands._tui import run_app
from netpol_tui.cli.config import tui_options
from netpol_tui.cli.errors import CliError


def run(args: argparse.Namespace) -> int:
    directory = getattr(args, "export", None)
    if directory:
        from netpol_tui.demo.export import export

        try:
            done = export(directory)
        except OSError as exc:
            raise CliError(words.export_cannot_write(directory, exc.strerror or str(exc))) from None
        print(words.demo_exported(str(done.cluster), done.objects, str(done.flows), done.flow_count))
        return 0
    from netpol_tui.cli.app_factory import app_for_demo

    built = app_for_demo(tui_options(args), rate=float(getattr(args, "rate", 40.0)))
    return run_app(built, debug=bool(getattr(args, "debug", False)))
