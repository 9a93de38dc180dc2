"""Design files as they are at a git revision, for `flowdocs diff main` and `A..B`.

The files are taken with `git archive` (any revision git knows: a branch, a tag, a commit,
`origin/main`, `HEAD~1`) and unpacked into a temporary folder, so that a variant finds its
base beside it as it would in the working tree; messages name them `REVISION:PATH`. Only the
paths asked for are unpacked, so a variant whose base lies outside them is a located error.
git runs as a plain subprocess with no shell; nothing touches the network.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flowdocs.errors import FlowdocsError
from flowdocs.files import PathArg

# A revision is never read with more than this, so that a mistaken path (the whole
# repository of a monorepo) fails plainly rather than filling the disk.
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024


class RevisionError(FlowdocsError):
    """git cannot give the designs at a revision: not a repository, an unknown revision."""


@dataclass(frozen=True)
class Checkout:
    """`paths` (as the user gave them, relative to the current folder) at `revision`,
    unpacked under `root`; `missing` are those the revision does not have."""

    revision: str
    root: Path  # where the current folder's paths are
    top: Path  # the top of the repository
    paths: tuple[str, ...]
    missing: tuple[str, ...]

    def local(self, path: str) -> Path:
        return self.root / path

    def display(self, file: PathArg) -> str:
        """`main:designs/b.yaml`: what messages call a file of the checkout, as git names
        it (from the top of the repository, whatever the current folder)."""
        return f"{self.revision}:{Path(file).relative_to(self.top).as_posix()}"


@contextmanager
def checked_out(revision: str, paths: list[str], cwd: str = ".") -> Iterator[Checkout]:
    """The design `paths` at `revision`, in a temporary folder removed afterwards."""
    _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], cwd,
         f"unknown git revision '{revision}'")
    prefix = _git(["rev-parse", "--show-prefix"], cwd, "not in a git repository").decode()
    prefix = prefix.strip()
    # git reads the paths below from the top of the repository, where the user's paths
    # (relative to the current folder) are `prefix` + path.
    top = _git(["rev-parse", "--show-toplevel"], cwd, "not in a git repository").decode()
    top = top.strip()
    present: list[tuple[str, str]] = []
    missing: list[tuple[str, str]] = []
    for path in paths:
        spec = os.path.normpath(os.path.join(prefix, path)).replace(os.sep, "/")
        if spec == ".." or spec.startswith("../"):
            raise RevisionError(f"{path} is outside the git repository")
        found = _git(["ls-tree", "--name-only", revision, "--", spec], top, "")
        (present if found.strip() else missing).append((path, spec))
    with tempfile.TemporaryDirectory(prefix="flowdocs-diff-") as folder:
        root = Path(folder)
        if present:
            archive = _git(["archive", "--format=tar", revision, "--",
                            *(spec for _, spec in present)], top,
                           f"git archive of {revision} failed")
            _unpack(archive, root)
        # The user's paths are relative to the current folder, which is `prefix` in the
        # repository: the checkout is looked at from there.
        yield Checkout(revision, root / prefix if prefix else root, root,
                       tuple(p for p, _ in present), tuple(p for p, _ in missing))


def _git(arguments: list[str], cwd: str, failure: str) -> bytes:
    try:
        done = subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise RevisionError("git is not installed: comparing revisions needs it") from None
    if done.returncode != 0:
        if not failure:
            return b""
        said = done.stderr.decode(errors="replace").strip().splitlines()
        raise RevisionError(f"{failure}{': ' + said[-1] if said else ''}")
    if len(done.stdout) > MAX_ARCHIVE_BYTES:
        raise RevisionError(f"the designs at this revision are over {MAX_ARCHIVE_BYTES:,} "
                            "bytes: name the design folder, not the repository")
    return done.stdout


def _unpack(archive: bytes, root: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        # git archive writes plain files and folders; the data filter refuses anything
        # else (links out of the folder, devices), whatever the repository holds.
        tar.extractall(root, filter="data")
