"""Every sentence a user reads, in one place: the TUI, `trace`, `explain` and the golden tests say the same thing.

Standard library only. Functions here turn the core's data (verdicts, explanations, problems, status events) into
words; nothing else in the program composes user-facing prose.
"""

from __future__ import annotations
