"""`/`: the filter words (parsed by core.flowwords; errors shown in place, nothing applied until they parse)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from netpol_tui.core.flowquery import FilterError
from netpol_tui.core.flowwords import parse_filter_words
from netpol_tui.ui import strings


class FilterDialog(ModalScreen[str | None]):
    BINDINGS = [("escape", "cancel", strings.KEYS["cancel"])]
    DEFAULT_CSS = """
    FilterDialog { align: center bottom; }
    FilterDialog > Vertical { height: auto; width: 100%; background: $panel; border-top: solid #87afd7; padding: 0 1; }
    FilterDialog #hint { color: $text-muted; }
    FilterDialog #error { color: #ff5f5f; }
    """

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(value=self.words, placeholder=strings.FILTER_PLACEHOLDER, id="filter")
            yield Static(strings.FILTER_HINT, id="hint", markup=False)
            yield Static("", id="error", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        try:
            parse_filter_words(text)
        except FilterError as exc:
            self.query_one("#error", Static).update(str(exc))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
