"""The file-system edge: every design byte the pipeline reads, and every output it writes.

The core stages (load, resolve, analyse) never touch the disk themselves (the architecture
test checks it): they read through these functions, which bound what they read and refuse
what is not a regular file (a FIFO would hang a build, `/dev/zero` would never end).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from flowdocs.errors import FlowdocsError

DESIGN_SUFFIXES = (".yaml", ".yml", ".json")
# A generated estate of 3,000 subnets (benchmarks/estate.py: 300 spokes, 3,000 workloads,
# 15,000 routes) is 2.5 MB of YAML, 4 MB of indented JSON, and validates in about 3 s.
# 8 MiB holds about 9,500 such subnets in YAML (8 s to validate), more than any estate we
# know of; a larger file is a mistake or an attack, refused before it is read.
MAX_DESIGN_BYTES = 8 * 1024 * 1024
PathArg = str | os.PathLike[str]


class NoDesignsError(FlowdocsError):
    """A path names no design file."""


class ReadError(FlowdocsError):
    """A file that cannot be read: the message says why, without the path (the caller
    locates it)."""


class TooLargeError(ReadError):
    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(f"file too large: {_mebibytes(size)} ({size:,} bytes); the limit is "
                         f"{_mebibytes(limit)} ({limit:,} bytes)")


def _mebibytes(size: int) -> str:
    """`8 MiB`, `30.2 MiB`: never `8.0 MiB` for a file just past an 8 MiB limit."""
    return f"{size // 2**20} MiB" if size % 2**20 == 0 else f"{size / 2**20:.2f} MiB"


def find_design_files(paths: Iterable[PathArg]) -> list[Path]:
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


def read_design_bytes(path: PathArg, limit: int = MAX_DESIGN_BYTES) -> bytes:
    """The bytes of a design file (or a price file), at most `limit` of them.

    Raises ReadError (TooLargeError past the limit) with a message fit for a diagnostic.
    """
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise ReadError("cannot read the file: not a regular file")
        if info.st_size > limit:
            raise TooLargeError(info.st_size, limit)
        with open(path, "rb") as stream:
            data = stream.read(limit + 1)
    except OSError as error:
        raise ReadError(f"cannot read the file: {error.strerror or error}") from None
    if len(data) > limit:  # a file that grew while it was read
        raise TooLargeError(len(data), limit)
    return data


def real_path(path: PathArg) -> str:
    """`path` with symbolic links and `..` resolved: two names of one file compare equal."""
    return os.path.realpath(path)


def design_names_beside(path: PathArg) -> list[str]:
    """The names of the design files in the folder of `path` (for did-you-mean)."""
    try:
        return sorted(n for n in os.listdir(os.path.dirname(path) or ".")
                      if n.endswith(DESIGN_SUFFIXES))
    except OSError:
        return []


def packaged_text(name: str) -> str:
    """A data file shipped inside the package (`data/catalog.yaml`)."""
    return resources.files("flowdocs").joinpath(name).read_text("utf-8")


def atomic_write(path: PathArg, data: bytes | str) -> bool:
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
