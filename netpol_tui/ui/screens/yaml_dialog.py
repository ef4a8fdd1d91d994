"""`y`: the YAML of the policies involved (closest first); pick one on the left."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static

from netpol_tui.core.wording.inert import inert
from netpol_tui.ui import strings
from netpol_tui.ui.rendering import yaml_renderable


class YamlDialog(ModalScreen[None]):
    BINDINGS = [("escape,q,y", "close", strings.KEYS["close"]), ("c", "copy", strings.KEYS["copy_yaml"])]
    DEFAULT_CSS = """
    YamlDialog { align: center middle; }
    YamlDialog > Horizontal { width: 95%; height: 90%; border: round #87afd7; background: $panel; }
    YamlDialog OptionList { width: 36; height: 100%; }
    YamlDialog VerticalScroll { width: 1fr; padding: 0 1; }
    """

    def __init__(self, items: list[tuple[str, str]]) -> None:
        super().__init__()
        self.items = items  # (policy key, YAML)

    def compose(self) -> ComposeResult:
        with Horizontal() as h:
            h.border_title = strings.YAML_TITLE
            yield OptionList(*[inert(k) for k, _ in self.items], id="policies")  # names from outside
            with VerticalScroll():
                yield Static(yaml_renderable(self.items[0][1]) if self.items else "", id="yaml")

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        if self.items:
            ol.highlighted = 0
        ol.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#yaml", Static).update(yaml_renderable(self.items[event.option_index][1]))

    @property
    def current(self) -> str:
        idx = self.query_one(OptionList).highlighted or 0
        return self.items[idx][1] if self.items else ""

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.current)
        self.app.notify(strings.yaml_copied(), title=strings.NOTIFY_TITLES["copied"])

    def action_close(self) -> None:
        self.dismiss(None)
