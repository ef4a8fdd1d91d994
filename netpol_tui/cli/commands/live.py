"""`netpol-tui` (no command): the TUI on live Hubble flows and the live kube API (or --cluster PATH)."""

from __future__ import annotations

import argparse

from netpol_tui.cli.commands._tui import run_app
from netpol_tui.cli.config import cluster_config, hubble_config, relay, tui_options


def run(args: argparse.Namespace) -> int:
    from netpol_tui.cli.app_factory import app_for_live

    options = tui_options(args)  # bad filter flags: FilterError before anything starts
    cluster = cluster_config(args)
    server, forwarder = relay(args, cluster)  # KubeError (one line, exit 2) when -P cannot start
    hubble = hubble_config(args, server=server, follow=True)
    built = app_for_live(hubble, cluster, options, forwarder=forwarder)
    return run_app(built, debug=bool(getattr(args, "debug", False)))
