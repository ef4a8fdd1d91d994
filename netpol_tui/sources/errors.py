"""The base of every source's exception: a problem with an input the user can fix, `str()` is one sentence.

The CLI turns any `SourceError` into that one line on stderr and exit status 2; the TUI shows it in its status.
Each source subclasses it beside its own code (`KubeError`, `HubbleError`, ...).
"""

from __future__ import annotations


class SourceError(Exception):
    """A source cannot be used (bad address, unreadable file, refused credentials ...): one sentence."""


__all__ = ["SourceError"]
