"""File-system edge: finding design files and writing outputs atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

DESIGN_SUFFIXES = (".yaml", ".yml", ".json")


class NoDesignsError(Exception):
    """A path names no design file."""


def find_design_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The design files named by `paths`: files as given, folders searched recursively for
    .yaml, .yml and .json files, in sorted order so that output never depends on the disk."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in DESIGN_SUFFIXES
                                and p.is_file() and not p.name.startswith(".")))
        elif path.exists():
            found.append(path)
        else:
            raise NoDesignsError(f"{path}: error: no such file or folder")
    return found


def atomic_write(path: str | os.PathLike, data: bytes | str) -> bool:
    """Write `data` to `path` through a temporary file and a rename, so that a reader never
    sees half a file. Returns False (and writes nothing) when the content is already there."""
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if target.read_bytes() == payload:
            return False
    except OSError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return True
