"""A yes/no question before handing over something risky (a fix that opens the cloud metadata address)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from netpol_tui.ui import strings


class ConfirmDialog(ModalScreen[bool]):
    """Dismissed with True only on an explicit `y`; `n`, esc (and any way out) answer False."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", strings.KEYS["yes"]),
        Binding("n,escape", "answer(False)", strings.KEYS["no"]),
    ]
    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical { width: 80; max-width: 95%; height: auto; border: round #ffaf00;
        background: $panel; padding: 0 1; }
    ConfirmDialog #question { text-style: bold; }
    ConfirmDialog #keys { color: $text-muted; }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(self.text, id="question", markup=False)
            yield Static(strings.CONFIRM_KEYS, id="keys", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
