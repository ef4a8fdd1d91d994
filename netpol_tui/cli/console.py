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
from rich.text import Text

PIPE_WIDTH = 10_000  # no sentence is that long; only a safety bound for renderables that need a width


def report_console(file: TextIO | None = None) -> Console:
    out = file or sys.stdout
    isatty = getattr(out, "isatty", None)
    if callable(isatty) and isatty():
        return Console(file=out)
    return Console(file=out, soft_wrap=True, width=PIPE_WIDTH)


class ReportLines:
    """The lines of a headless report. On a terminal (or with colours forced): through rich, styled, YAML
    highlighted. To a pipe or a file without colours: the same characters rich prints there, written directly
    (rich renders each line through its segment machinery and lexes every YAML block: most of a large report's
    time, for no visible difference).
    """

    def __init__(self, file: TextIO | None = None) -> None:
        self.console = report_console(file)
        self.plain = not self.console.is_terminal and self.console.color_system is None
        self._write = self.console.file.write

    def line(self, text: str = "", style: str | None = None) -> None:
        """One line of text (never read as markup)."""
        if self.plain:
            self._write(text.expandtabs(8) + "\n" if "\t" in text else text + "\n")
        else:
            self.console.print(Text(text, style=style or ""))

    def yaml(self, text: str, indent: int = 0) -> None:
        """A YAML document, indented by `indent` spaces."""
        if self.plain:
            body = textwrap.indent(text.rstrip("\n"), " " * indent) if indent else text.rstrip("\n")
            self._write(body + "\n")
        else:
            self.console.print(yaml_block(text, indent))


def yaml_block(text: str, indent: int = 0) -> RenderableType:
    """YAML, highlighted on a terminal, indented by `indent` spaces without padding the lines' ends."""
    body = textwrap.indent(text.rstrip("\n"), " " * indent) if indent else text.rstrip("\n")
    return Syntax(body, "yaml", theme="ansi_dark", background_color="default")


__all__ = ["PIPE_WIDTH", "ReportLines", "report_console", "yaml_block"]
