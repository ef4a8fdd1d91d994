"""The rich Console of the headless reports (`trace`, `explain`).

On a terminal: rich's usual console (its width, colours). To a pipe or a file: no hard wrapping at 80 columns
(soft wrap, a wide width: a line is as long as its sentence) and nothing that pads lines with spaces — the
reports print YAML through `yaml_block`, indented by its text, not by rich padding.
"""

from __future__ import annotations

import sys
import textwrap
from typing import TextIO

from rich.console import Console, RenderableType
from rich.syntax import Syntax

PIPE_WIDTH = 10_000  # no sentence is that long; only a safety bound for renderables that need a width


def report_console(file: TextIO | None = None) -> Console:
    out = file or sys.stdout
    isatty = getattr(out, "isatty", None)
    if callable(isatty) and isatty():
        return Console(file=out)
    return Console(file=out, soft_wrap=True, width=PIPE_WIDTH)


def yaml_block(text: str, indent: int = 0) -> RenderableType:
    """YAML, highlighted on a terminal, indented by `indent` spaces without padding the lines' ends."""
    body = textwrap.indent(text.rstrip("\n"), " " * indent) if indent else text.rstrip("\n")
    return Syntax(body, "yaml", theme="ansi_dark", background_color="default")


__all__ = ["PIPE_WIDTH", "report_console", "yaml_block"]
