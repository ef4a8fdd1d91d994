"""Writing the files we hand over (fixes, proposals) into a folder the user chose, and nowhere else.

`write_new_file(directory, file_name, text)`: the file is created, never opened when it exists (a numeric suffix is
added instead: `x.yaml`, `x-1.yaml`, ...), never through a symbolic link, never outside `directory`. The names come
from `core/filenames.py` (safe names from what came from the cluster).
"""

from __future__ import annotations

import os
from pathlib import Path

MAX_SUFFIX = 10_000


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


__all__ = ["OutsideDirectory", "write_new_file"]
