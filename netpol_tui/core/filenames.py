"""Safe file names for what we write from names that came from the cluster (a fix's policy name).

`fix_file_name(kind, namespace, name)` -> `<kind>-<namespace>-<name>.yaml` (design/cli.md's `--fixes-out`
naming; `<kind>-<name>.yaml` for a cluster-scoped kind): one path component, every character outside
`A-Z a-z 0-9 . _ -` replaced by `_`, no leading dot, at most MAX_NAME characters (a long name keeps a short
digest of the whole so that two long names stay apart).
Writing them (never over an existing file, never out of the folder) is `sources/output_files.py`: I/O is not core's.
"""

from __future__ import annotations

import hashlib
import re

MAX_NAME = 200  # below every common file system's 255-byte limit, with room for a numeric suffix

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


__all__ = ["MAX_NAME", "fix_file_name", "safe_component"]
