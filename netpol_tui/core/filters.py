"""Compatibility names: the flow filters now live in core/flowquery.py (the TUI words in
core/flowwords.py) and the time formats in core/timefmt.py.

Import from those modules in new code; this module only re-exports them for callers not yet switched.
"""

from netpol_tui.core.flowquery import (
    DIRECTIONS,
    FILTER_PROTOCOLS,
    VERDICTS,
    WORD_KEYS,
    FilterError,
    FilterSpec,
    FlowQuery,
    parse_label_selector,
    parse_since,
    split_pod,
    to_cilium_selector,
)
from netpol_tui.core.flowwords import parse_filter_words
from netpol_tui.core.timefmt import format_time_ns, parse_duration_ns, parse_time_ns

__all__ = [
    "DIRECTIONS",
    "FILTER_PROTOCOLS",
    "VERDICTS",
    "WORD_KEYS",
    "FilterError",
    "FilterSpec",
    "FlowQuery",
    "format_time_ns",
    "parse_duration_ns",
    "parse_filter_words",
    "parse_label_selector",
    "parse_since",
    "parse_time_ns",
    "split_pod",
    "to_cilium_selector",
]
