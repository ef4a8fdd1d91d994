"""The CLI's own error: a problem the user can fix, printed as one line on stderr, exit status 2."""

from __future__ import annotations


class CliError(Exception):
    """A problem the user can fix: printed as one line on stderr, exit status 2."""


__all__ = ["CliError"]
