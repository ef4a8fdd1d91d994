"""`explain`'s fixes, merged: one patch per policy for all the drop groups, and `--fixes-out DIR` writing them.

A fix that opens the cloud metadata address (the group has a MetadataAddress finding) is kept out of the merged
patches and of the files: it is shown on its own in the report, never handed over by default. So is a merged patch
that newly lets one of its pods reach the metadata address (checked with the evaluator: a deny removed, a wide
ipBlock), though the drops it was for name another address.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from netpol_tui.cli import wording as words
from netpol_tui.cli.errors import CliError
from netpol_tui.core.aggregate import DropGroup
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.explain import METADATA_IPS
from netpol_tui.core.filenames import fix_file_name
from netpol_tui.core.findings import MetadataAddress
from netpol_tui.core.merge_fixes import MergedFixes, apply_fixes, fix_key, merge_verified
from netpol_tui.core.suggest import Fix
from netpol_tui.core.wording.inert import inert
from netpol_tui.sources.output_files import OutsideDirectory, write_new_file


@dataclass(frozen=True, slots=True)
class GroupFixes:
    merged: MergedFixes
    withheld: tuple[DropGroup, ...]  # groups whose fix opens the metadata address: not merged, not written
    groups_per_policy: dict[tuple[str, str, str], int]  # how many drop groups each merged patch covers
    # merged patches that newly open the metadata address to one of their pods: not in `merged`, not written
    withheld_fixes: tuple[Fix, ...] = ()


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
    merged = merge_verified(snapshot, chosen)
    opening: list[Fix] = []
    reaching = _newly_reaching_metadata(snapshot, apply_fixes(snapshot, merged.fixes))
    if reaching:  # rare: then find the patches that do it (each one against all the others)
        opening = [
            f
            for f in merged.fixes
            if any(not f.namespace or f.namespace == ns for ns in reaching)
            and opens_metadata(snapshot, f, merged.fixes)
        ]
    if opening:
        merged = replace(merged, fixes=tuple(f for f in merged.fixes if f not in opening))
    return GroupFixes(merged, tuple(withheld), per_policy, tuple(opening))


METADATA_PORT = 80  # the metadata service's port (HTTP)


def _newly_reaching_metadata(
    before: ClusterSnapshot, after: ClusterSnapshot, namespace: str = ""
) -> set[str]:
    """The namespaces of the pods (of `namespace` only, when given) that reach the cloud metadata address in
    `after` and not in `before`."""
    ev_before, ev_after = before.evaluator, after.evaluator
    out: set[str] = set()
    for pod in after.pods.values():
        if (namespace and pod.namespace != namespace) or pod.namespace in out:
            continue
        for ip in sorted(METADATA_IPS):
            if ev_after.allows(
                ev_after.subject_for_pod(pod), ev_after.subject_for_ip(ip), METADATA_PORT, "TCP"
            ) and not ev_before.allows(
                ev_before.subject_for_pod(pod), ev_before.subject_for_ip(ip), METADATA_PORT, "TCP"
            ):
                out.add(pod.namespace)
                break
    return out


def opens_metadata(snapshot: ClusterSnapshot, fix: Fix, fixes: Sequence[Fix]) -> bool:
    """Whether `fix` (one of `fixes`, applied together) lets a pod of its namespace (any pod for a cluster-wide
    policy) reach the cloud metadata address that it could not reach with all of `fixes` but this one."""
    after = apply_fixes(snapshot, fixes)
    without = apply_fixes(snapshot, [f for f in fixes if f is not fix])
    return bool(_newly_reaching_metadata(without, after, fix.namespace))


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


__all__ = ["GroupFixes", "merge_groups", "opens_metadata", "write_fixes"]
