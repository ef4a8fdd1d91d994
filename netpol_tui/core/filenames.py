"""Safe file names for what we write from names that came from the cluster (a fix's policy name).

`fix_file_name(kind, namespace, name)` -> `<kind>-<namespace>-<name>.yaml` (design/cli.md's `--fixes-out`
naming; `<kind>-<name>.yaml` for a cluster-scoped kind): one path component, every character outside
`A-Z a-z 0-9 . _ -` replaced by `_`, no leading dot, at most MAX_NAME characters (a long name keeps a short
digest of the whole so that two long names stay apart).
`write_new_file(directory, file_name, text)` writes into `directory` and nowhere else: the file is created, never
opened when it exists (a numeric suffix is added instead: `x.yaml`, `x-1.yaml`, ...), never through a symbolic link.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

MAX_NAME = 200  # below every common file system's 255-byte limit, with room for a numeric suffix
MAX_SUFFIX = 10_000

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_component(text: str) -> str:
    """`text` as one safe path component part (may be empty)."""
    return _UNSAFE.sub("_", text)


def fix_file_name(kind: str, namespace: str, name: str) -> str:
    """The file name for the fix of policy `namespace/name` of `kind` (see the module docstring)."""
    parts = [safe_component(p) for p in (kind or "NetworkPolicy", namespace, name) if p]
    stem = "-".join(parts) or "fix"
    if stem.startswith("."):
        stem = "_" + stem[1:]
    if len(stem) > MAX_NAME:
        digest = hashlib.sha256(f"{kind}\0{namespace}\0{name}".encode()).hexdigest()[:12]
        stem = f"{stem[: MAX_NAME - 13]}-{digest}"
    return stem + ".yaml"


class OutsideDirectory(ValueError):
    """The file name would put the file outside the directory (never with `fix_file_name`'s names)."""


def write_new_file(directory: str | os.PathLike[str], file_name: str, text: str) -> Path:
    """Create `directory/file_name` (or `stem-N.yaml` when taken) holding `text`; returns the path written.

    Raises OutsideDirectory when `file_name` is not a plain name that stays in `directory`, OSError when the
    file cannot be written.
    """
    folder = Path(directory).resolve()
    if file_name in ("", ".", "..") or Path(file_name).name != file_name or "\\" in file_name:
        raise OutsideDirectory(file_name)
    stem, dot, ext = file_name.rpartition(".")
    if not dot:
        stem, ext = file_name, ""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for n in range(MAX_SUFFIX):
        candidate = file_name if n == 0 else f"{stem}-{n}{dot}{ext}"
        path = folder / candidate
        if path.is_symlink():  # taken, and never followed
            continue
        if path.resolve().parent != folder:  # a name that resolves elsewhere: never followed
            raise OutsideDirectory(file_name)
        try:
            fd = os.open(path, flags, 0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        return path
    raise FileExistsError(str(folder / file_name))


__all__ = ["MAX_NAME", "OutsideDirectory", "fix_file_name", "safe_component", "write_new_file"]
