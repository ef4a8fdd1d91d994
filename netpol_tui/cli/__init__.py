"""Command line: argv -> typed configuration -> one command (netpol_tui.cli.commands.*).

The parser (parser.py) follows design/cli.md; config.py turns its namespace into the typed values the layers below
take (HubbleConfig, ClusterConfig, FlowQuery, TuiOptions): nothing below the CLI sees a flag. Each command module
has `run(args) -> int`. A problem meant for a person (`CliError`, any source's `SourceError`, a bad filter) is
printed on stderr as one line, exit status 2 — never a traceback.
"""

from __future__ import annotations

import importlib
import os
import sys

from netpol_tui.cli.errors import CliError
from netpol_tui.cli.parser import COMMANDS, build_parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    name = args.command or "live"
    from netpol_tui.core.filters import FilterError
    from netpol_tui.sources.errors import SourceError

    try:
        module = importlib.import_module(f"netpol_tui.cli.commands.{name}")
        return int(module.run(args) or 0)
    except (CliError, SourceError, FilterError) as exc:
        print(f"netpol-tui: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `netpol-tui explain ... | head`: the reader went away; not an error worth a traceback.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return 0


__all__ = ["COMMANDS", "CliError", "build_parser", "main"]


if __name__ == "__main__":
    raise SystemExit(main())
