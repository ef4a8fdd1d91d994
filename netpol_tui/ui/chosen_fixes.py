"""Fixes chosen in this session, and the drop groups marked to be fixed together (issue 15 point 1).

A fix handed over with `c` or `s` is "chosen". A later fix that patches the same policy (kind, namespace, name)
builds on the chosen ones: `combine` merges them into one patch per policy with core/merge_fixes.py's
`merge_verified` (every chosen drop re-evaluated with all the patches applied), so applying the last copied or
saved patch allows every drop chosen for that policy. `s` writes a policy's merged patch to the file it saved the
policy to before and says it updated it (a file changed since is kept: a new name is used).

Marks: `m` marks a drop group (the selected flow's group, or the selected group); `c`/`s` then hand over the merged
patches of every marked group, one document (or one file) per policy.

This module holds state and pure functions only (no widgets): the main screen calls it on the UI thread, and
`combine` also from a worker thread (it reads only what it is given).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from textual.message import Message

from netpol_tui.core.aggregate import DropGroup, GroupKey, group_key
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import Verdict
from netpol_tui.core.explain import Explanation
from netpol_tui.core.filenames import fix_file_name
from netpol_tui.core.merge_fixes import FixKey, fix_key, merge_verified
from netpol_tui.core.model import Flow
from netpol_tui.core.suggest import Fix
from netpol_tui.sources.output_files import write_new_file
from netpol_tui.ui import strings
from netpol_tui.ui.rendering import metadata_opened

MARKABLE_VERDICTS = ("DROPPED", "AUDIT")


def policy_name(key: FixKey) -> str:
    """`namespace/name` of a fix's policy (`name` for a cluster-wide one)."""
    _, namespace, name = key
    return f"{namespace}/{name}" if namespace else name


def group_label(key: GroupKey) -> str:
    """`source → destination port/protocol` of a drop group."""
    source, destination, port, protocol, reply = key[0], key[1], key[2], key[3], key[6]
    where = f"{port}/{protocol}" if port else protocol
    if reply:  # a reply group is keyed by the server's port, the replies' source port
        where = f"{strings.REPLY_MARK}{where}"
    return f"{source} → {destination} {where}".rstrip()


@dataclass(frozen=True, slots=True, eq=False)
class ChosenDrop:
    """A dropped connection whose fixes were chosen (or are about to be): identified by its drop group."""

    key: GroupKey
    flow: Flow
    verdict: Verdict
    fixes: tuple[Fix, ...]
    snapshot: ClusterSnapshot | None  # the snapshot its fixes were computed on (None: not known)

    @property
    def policies(self) -> frozenset[FixKey]:
        return frozenset(fix_key(f) for f in self.fixes)

    @property
    def metadata(self) -> list[str]:
        """The metadata addresses its own fixes open."""
        out: list[str] = []
        for fix in self.fixes:
            out += [a for a in metadata_opened(fix.manifest) if a not in out]
        return out


def chosen_drop(expl: Explanation | None, snapshot: ClusterSnapshot | None) -> ChosenDrop | None:
    """The explained drop as a chosen drop, its fixes computed on `snapshot` (None without a flow or a fix)."""
    if expl is None or expl.flow is None or not expl.fixes:
        return None
    return ChosenDrop(group_key(expl.flow), expl.flow, expl.verdict, tuple(expl.fixes), snapshot)


@dataclass(frozen=True, slots=True)
class PolicyPatch:
    """One policy's patch: merged with `earlier` fixes chosen before, allowing `allows` chosen drops."""

    fix: Fix
    earlier: int = 0
    allows: int = 1

    @property
    def key(self) -> FixKey:
        return fix_key(self.fix)

    @property
    def policy(self) -> str:
        return policy_name(self.key)

    @property
    def yaml(self) -> str:
        text = self.fix.yaml
        return text if text.endswith("\n") else text + "\n"


@dataclass(frozen=True, slots=True)
class Combined:
    """What `c`/`s` hand over: one patch per policy, for the new drops (built on the earlier chosen ones)."""

    patches: tuple[PolicyPatch, ...]
    drops: tuple[ChosenDrop, ...]  # the new drops (chosen once handed over)
    unfixed: int = 0  # chosen drops still denied with every patch applied
    without_fix: int = 0  # marked groups that have no fix (left out)
    left_out: tuple[ChosenDrop, ...] = ()  # marked drops whose fix opens the metadata address (not confirmed)

    @property
    def text(self) -> str:
        """One YAML stream: one document per policy."""
        return "---\n".join(p.yaml for p in self.patches)

    @property
    def merged(self) -> tuple[PolicyPatch, ...]:
        """The patches that build on earlier chosen fixes or join several drops."""
        return tuple(p for p in self.patches if p.earlier or p.allows > 1)

    @property
    def metadata(self) -> list[str]:
        out: list[str] = []
        for d in self.drops:
            out += [a for a in d.metadata if a not in out]
        return out


def as_is(drop: ChosenDrop) -> Combined:
    """The drop's own fixes, one patch per policy, merged with nothing."""
    return Combined(tuple(PolicyPatch(f) for f in drop.fixes), (drop,))


def related(earlier: Sequence[ChosenDrop], new: Sequence[ChosenDrop]) -> list[ChosenDrop]:
    """The earlier chosen drops whose fixes share a policy with the new ones (directly or through another)."""
    ids = {d.key for d in new}
    pool = [d for d in earlier if d.key not in ids]
    keys: set[FixKey] = set().union(*(d.policies for d in new)) if new else set()
    out: list[ChosenDrop] = []
    grew = True
    while grew:
        grew = False
        for d in pool:
            if d not in out and d.policies & keys:
                out.append(d)
                keys |= d.policies
                grew = True
    return [d for d in pool if d in out]  # in the order they were chosen


def needs_merge(earlier: Sequence[ChosenDrop], new: Sequence[ChosenDrop]) -> bool:
    """More than one drop's fixes make the patches (a merge, worth a worker thread)."""
    return len(new) > 1 or bool(related(earlier, new))


def combine(earlier: Sequence[ChosenDrop], new: Sequence[ChosenDrop], snapshot: ClusterSnapshot) -> Combined:
    """The patches for `new`: one per policy, built on the earlier chosen drops' fixes of the same policies and
    verified (merge_verified re-evaluates every drop with all patches applied; one still denied is fixed again).

    A drop chosen on an older snapshot brings no fix text (its patch was against the old policy): it is fixed
    again on top of the others when the current snapshot still denies it. The patches of policies only the
    earlier drops touch are not handed over again."""
    before = related(earlier, new)
    if not before and len(new) == 1:
        return as_is(new[0])
    drops = [*before, *new]
    result = merge_verified(snapshot, [(d.verdict, d.fixes if d.snapshot is snapshot else ()) for d in drops])
    unfixed = {id(v) for v in result.unfixed}
    order: list[FixKey] = []
    for d in new:
        order += [fix_key(f) for f in d.fixes if fix_key(f) not in order]
    earlier_keys: set[FixKey] = set().union(*(d.policies for d in before)) if before else set()
    patches: list[PolicyPatch] = []
    for fix in result.fixes:
        key = fix_key(fix)
        if key not in order and key in earlier_keys:
            continue  # handed over before, unchanged for the new drops
        patches.append(
            PolicyPatch(
                fix,
                earlier=sum(1 for d in before if key in d.policies),
                allows=sum(1 for d in drops if key in d.policies and id(d.verdict) not in unfixed),
            )
        )
    patches.sort(key=lambda p: order.index(p.key) if p.key in order else len(order))
    return Combined(tuple(patches), tuple(new), unfixed=len(unfixed))


# ---- saving: a policy's file is updated, never silently replaced ----------------------------------------------
@dataclass(frozen=True, slots=True)
class SavedFile:
    path: Path
    text: str  # what we wrote (a file changed since is not ours to replace)


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    path: Path
    updated: bool = False  # the policy's earlier file now holds the merged patch
    kept: str = ""  # the name of a file left as it was (it exists, or was changed since we saved it)
    changed: bool = False  # `kept` is our earlier file, changed since


def _replace_file(path: Path, text: str) -> None:
    """Write `text` to `path` through a new file in the same directory renamed over it (never follows a link)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _unchanged(saved: SavedFile) -> bool:
    try:
        if saved.path.is_symlink() or not saved.path.is_file():
            return False
        return saved.path.read_text(encoding="utf-8") == saved.text
    except (OSError, UnicodeDecodeError):
        return False


def save_patch(
    directory: str | os.PathLike[str], fix: Fix, text: str, saved: SavedFile | None
) -> SaveOutcome:
    """Save one policy's patch: into the file saved for that policy before (it is updated, and said so) when it
    still holds what we wrote; else a new file (`write_new_file`: never over an existing one). Raises OSError or
    ValueError (output_files.OutsideDirectory) like write_new_file."""
    if saved is not None and _unchanged(saved):
        _replace_file(saved.path, text)
        return SaveOutcome(saved.path, updated=True)
    name = fix_file_name(fix.kind, fix.namespace, fix.name)
    path = write_new_file(directory, name, text)
    if saved is not None and saved.path.exists():
        return SaveOutcome(path, kept=saved.path.name, changed=True)
    return SaveOutcome(path, kept="" if path.name == name else name)


# ---- the session's state (UI thread) ---------------------------------------------------------------------------
@dataclass
class ChosenFixes:
    drops: dict[GroupKey, ChosenDrop] = field(default_factory=dict)  # in the order chosen
    saved: dict[FixKey, SavedFile] = field(default_factory=dict)
    marks: dict[GroupKey, Flow] = field(default_factory=dict)  # a flow of each marked group, in marking order
    # per policy: the drops its last patch handed over allows
    allows: dict[FixKey, int] = field(default_factory=dict)
    version: int = 0  # changes whenever the chosen drops change (keys the fix pane's rendering)

    @property
    def earlier(self) -> list[ChosenDrop]:
        return list(self.drops.values())

    def commit(self, combined: Combined) -> None:
        """The combination was handed over: its drops are chosen (a drop chosen again replaces its entry)."""
        for d in combined.drops:
            self.drops.pop(d.key, None)
            self.drops[d.key] = d
        for p in combined.patches:
            self.allows[p.key] = p.allows
        self.version += 1

    def remember_save(self, fix: Fix, outcome: SaveOutcome, text: str) -> None:
        self.saved[fix_key(fix)] = SavedFile(outcome.path, text)

    # marks
    def toggle_mark(self, flow: Flow) -> bool:
        """Mark the flow's drop group, or unmark it; True when it is marked now."""
        key = group_key(flow)
        if key in self.marks:
            del self.marks[key]
            return False
        self.marks[key] = flow
        return True

    def clear_marks(self) -> int:
        n = len(self.marks)
        self.marks.clear()
        return n

    def is_marked(self, flow: Flow) -> bool:
        return bool(self.marks) and group_key(flow) in self.marks

    def is_group_marked(self, group: DropGroup) -> bool:
        return bool(self.marks) and group.key in self.marks

    # what the fix pane says about the selected drop's fix
    def notes(self, expl: Explanation | None) -> list[tuple[str, int, int, bool]]:
        """Per policy of the explanation's fixes that other chosen drops share: (policy, earlier chosen drops of
        that policy, drops the merged patch allows (0: not merged yet), whether this drop is chosen)."""
        if expl is None or expl.flow is None or not expl.fixes or not self.drops:
            return []
        mine = group_key(expl.flow)
        chosen = mine in self.drops
        out: list[tuple[str, int, int, bool]] = []
        for key in dict.fromkeys(fix_key(f) for f in expl.fixes):
            others = [d for d in self.drops.values() if d.key != mine and key in d.policies]
            if others:
                allows = self.allows.get(key, 0) if chosen else 0
                out.append((policy_name(key), len(others), allows, chosen))
        return out


class FixesCombined(Message):
    """A worker's combination for `c` (verb "copy") or `s` ("save"), `marked` for the marked groups. `full`
    includes the marked drops whose fixes open the metadata address (asked about first), `combined` leaves them
    out."""

    def __init__(
        self,
        verb: str,
        marked: bool,
        combined: Combined,
        full: Combined | None = None,
        expl: Explanation | None = None,
    ) -> None:
        super().__init__()
        self.expl = expl  # the selected drop's explanation (one fix handed over: its connection is tracked)
        self.verb = verb
        self.marked = marked
        self.combined = combined
        self.full = full


def combine_marked(
    flows: Sequence[Flow],
    earlier: Sequence[ChosenDrop],
    snapshot: ClusterSnapshot,
    explain: Callable[[Flow, ClusterSnapshot], Explanation],
) -> tuple[Combined, Combined | None]:
    """The marked groups' patches (worker thread): each flow explained with its fixes (`explain(flow, snapshot)`),
    combined without the drops whose fixes open the metadata address, and (only when there are some) with them."""
    drops: list[ChosenDrop] = []
    without = 0
    for flow in flows:
        d = chosen_drop(explain(flow, snapshot), snapshot)
        if d is None:
            without += 1
        else:
            drops.append(d)
    safe = [d for d in drops if not d.metadata]
    risky = tuple(d for d in drops if d.metadata)
    base = combine(earlier, safe, snapshot) if safe else Combined((), ())
    base = Combined(base.patches, base.drops, base.unfixed, without_fix=without, left_out=risky)
    if not risky:
        return base, None
    full = combine(earlier, drops, snapshot)
    return base, Combined(full.patches, full.drops, full.unfixed, without_fix=without)


__all__ = [
    "as_is",
    "ChosenDrop",
    "ChosenFixes",
    "Combined",
    "FixesCombined",
    "PolicyPatch",
    "SaveOutcome",
    "SavedFile",
    "chosen_drop",
    "combine",
    "combine_marked",
    "group_label",
    "needs_merge",
    "policy_name",
    "related",
    "save_patch",
]
