"""`?`: every key, grouped, from strings.HELP."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from netpol_tui.ui import strings


class HelpDialog(ModalScreen[None]):
    BINDINGS = [("escape,q,question_mark", "dismiss", strings.KEYS["close"])]
    DEFAULT_CSS = """
    HelpDialog { align: center middle; }
    HelpDialog > VerticalScroll { width: 100; max-width: 95%; height: auto; max-height: 75%;
        border: round #87afd7; background: $panel; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold #ffd75f", no_wrap=True)
        table.add_column()
        for key, text in strings.HELP:
            if not text:
                table.add_row(Text(key, style="bold underline #87afd7"), "")
            else:
                table.add_row(key, text)
        table.add_row("", "")
        table.add_row(strings.HELP_PODS_PANE, strings.MARKS_LEGEND)
        with VerticalScroll() as vs:
            vs.border_title = strings.HELP_TITLE
            yield Static(table)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
