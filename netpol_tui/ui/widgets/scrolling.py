"""One helper for the Line-API widgets: a new virtual size without a layout pass of the whole screen."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget


def set_virtual_size(widget: ScrollView, size: Size) -> None:
    """Give `widget` a new virtual size and update its scrollbars, without laying out the screen."""
    widget.set_reactive(Widget.virtual_size, size)
    # The one private Textual call of the program, on purpose: the public way (assigning `virtual_size`, a layout
    # reactive) lays out the whole screen, on every flow batch (about 20 a second) and every new explanation,
    # which alone breaks the loop-lag budget; `_scroll_update` is the step of that layout which sizes a scroll
    # view's own scrollbars, and Textual (8.2) has no public call that does only this.
    widget._scroll_update(size)
