"""`explain`'s fixes, merged: one patch per policy for all the drop groups, and `--fixes-out DIR` writing them.

A fix that opens the cloud metadata address (the group has a MetadataAddress finding) is kept out of the merged
patches and of the files: it is shown on its own in the report, never handed over by default.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from netpol_tui.cli import wording as words
from netpol_tui.cli.errors import CliError
from netpol_tui.core.aggregate import DropGroup
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.filenames import OutsideDirectory, fix_file_name, write_new_file
from netpol_tui.core.findings import MetadataAddress
from netpol_tui.core.merge_fixes import MergedFixes, fix_key, merge_verified
from netpol_tui.core.suggest import Fix
from netpol_tui.core.wording.inert import inert


@dataclass(frozen=True, slots=True)
class GroupFixes:
    merged: MergedFixes
    withheld: tuple[DropGroup, ...]  # groups whose fix opens the metadata address: not merged, not written
    groups_per_policy: dict[tuple[str, str, str], int]  # how many drop groups each merged patch covers


def merge_groups(groups: Iterable[DropGroup], snapshot: ClusterSnapshot) -> GroupFixes:
    chosen = []
    withheld = []
    per_policy: dict[tuple[str, str, str], int] = {}
    for group in groups:
        expl = group.explanation
        if expl is None or not expl.fixes:
            continue
        if expl.has(MetadataAddress):
            withheld.append(group)
            continue
        chosen.append((expl.verdict, expl.fixes))
        for key in {fix_key(f) for f in expl.fixes}:
            per_policy[key] = per_policy.get(key, 0) + 1
    return GroupFixes(merge_verified(snapshot, chosen), tuple(withheld), per_policy)


def write_fixes(directory: str, fixes: Iterable[Fix], force: bool) -> list[Path]:
    """One file per fix, `<kind>-<namespace>-<name>.yaml`, in `directory` (created if missing). A file that
    exists is an error naming it (nothing written) unless `force`; a symbolic link is never followed."""
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise CliError(words.fixes_out_not_a_directory(inert(directory)))
    targets = [(fix_file_name(f.kind, f.namespace, f.name), f.yaml) for f in fixes]
    existing = [name for name, _ in targets if (root / name).exists() or (root / name).is_symlink()]
    if existing and not force:
        raise CliError(words.fixes_out_exist(inert(directory), [inert(n) for n in existing]))
    written: list[Path] = []
    try:
        root.mkdir(parents=True, exist_ok=True)
        for name, text in targets:
            path = root / name
            if path.is_symlink():
                raise CliError(words.fixes_out_symlink(inert(str(path))))
            if path.exists():  # --force
                path.write_text(text, encoding="utf-8")
                written.append(path)
            else:
                written.append(write_new_file(root, name, text))
    except OutsideDirectory as exc:  # never with fix_file_name's names
        raise CliError(words.fixes_out_cannot_write(inert(directory), str(exc))) from None
    except OSError as exc:
        raise CliError(words.fixes_out_cannot_write(inert(directory), exc.strerror or str(exc))) from None
    return written


__all__ = ["GroupFixes", "merge_groups", "write_fixes"]
