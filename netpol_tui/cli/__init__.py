"""Command line: argv -> typed configuration -> one command (netpol_tui.cli.commands.*).

The parser (parser.py) follows design/cli.md; config.py turns its namespace into the typed values the layers below
take (HubbleConfig, ClusterConfig, FlowQuery, TuiOptions): nothing below the CLI sees a flag. Each command module
has `run(args) -> int`. A problem meant for a person (`CliError`, any source's `SourceError`, a bad filter) is
printed on stderr as one line, exit status 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from netpol_tui.cli import wording as words
from netpol_tui.cli.errors import CliError
from netpol_tui.cli.parser import COMMANDS, build_parser, parse_args

# the inputs that may be "-" (stdin), by argparse dest; only one of them can have it
STDIN_INPUTS = (
    ("file", "FILE"),
    ("flows", "--flows"),
    ("cluster", "--cluster"),
    ("against", "--against"),
    ("with_", "--with"),
)


def stdin_readers(args: argparse.Namespace) -> list[str]:
    """The flags of `args` that read stdin ("-")."""
    return [flag for dest, flag in STDIN_INPUTS if getattr(args, dest, None) == "-"]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parse_args(parser, argv)  # an unknown flag: that command's usage, exit 2
    name = args.command or "live"
    debug = bool(getattr(args, "debug", False))
    from netpol_tui.core.flowquery import FilterError
    from netpol_tui.core.wording.inert import inert_lines
    from netpol_tui.sources.errors import SourceError

    try:
        readers = stdin_readers(args)
        if len(readers) > 1:
            raise CliError(words.stdin_twice(readers))
        module = importlib.import_module(f"netpol_tui.cli.commands.{name}")
        return int(module.run(args) or 0)
    except (CliError, SourceError, FilterError) as exc:
        print(f"netpol-tui: {inert_lines(str(exc))}", file=sys.stderr)  # names from outside: made inert
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
    except Exception as exc:  # noqa: BLE001 - a bug: one line (exit 2, never 1 = "denied"), traceback on --debug
        if debug:
            traceback.print_exc()
        detail = "".join(c if c.isprintable() else repr(c)[1:-1] for c in " ".join(str(exc).split()))
        print(f"netpol-tui: {words.internal_error(type(exc).__name__, detail)}", file=sys.stderr)
        return 2


__all__ = ["COMMANDS", "CliError", "build_parser", "main", "stdin_readers"]


if __name__ == "__main__":
    raise SystemExit(main())
