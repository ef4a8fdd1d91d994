"""Every setting the TUI takes from its caller, as one typed value (the CLI builds it; the UI never sees argv)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from netpol_tui.core.manifests import ParseResult


@dataclass(frozen=True, slots=True)
class TuiOptions:
    """What the app is started with. Every field has the default the CLI uses when its flag is absent.

    buffer: flows kept in memory (the flows pane's ring; `--buffer`).
    words: the initial `/` filter: the CLI's filter flags as filter words (`pod:shop/api verdict:DROPPED`), so
        the user sees and edits them in one place. A bad word makes the app's constructor raise FilterError.
    drops_only: start with `d` on (only DROPPED and AUDIT flows shown).
    narrow_live: an unscoped live subscription asks Hubble for drops only (a busy Relay sends more flows than a
        Python client can take); ignored when the feed is not live.
    select_first_drop: select (and explain) the first policy drop once the cluster is known (demo, replay).
    max_groups: distinct drop groups kept (an LRU on the group key).
    save_dir: where `s` writes `<kind>-<namespace>-<name>.yaml` (a safe name, never overwritten).
    show_pods: the pods pane is visible at start (`p` toggles it).
    staged: objects staged on top of the cluster (`--with PATH`, parsed by the CLI): every connection is judged
        under both, rows the two judge differently are marked "would drop" / "would allow". `staged_label`
        names them in the explanation (`--with staged.yaml`).
    """

    buffer: int = 50_000
    words: str = ""
    drops_only: bool = False
    narrow_live: bool = True
    select_first_drop: bool = False
    max_groups: int = 5_000
    save_dir: Path = field(default_factory=lambda: Path("."))
    show_pods: bool = True
    staged: ParseResult | None = None
    staged_label: str = ""


__all__ = ["TuiOptions"]
