"""The one cache of flowdocs: every output it can reuse, stored under its content hash.

`flowdocs render`, `flowdocs build` and the MkDocs plugin share it. There is one key scheme:
`content_key(kind, *parts)`, a sha256 over the kind and every part that affects the output,
each length-prefixed so that no two lists of parts hash alike. What goes into each kind's
key is decided where the output is made, and says so there:

- `diagram`: one rendered format of a DOT text (`batch.py`: DOT, format, dpi, renderer).
- `design`: a design file loaded, resolved and drawn (`designs.py`: flowdocs' code, the file,
  every base it extends, and the user's catalog, by its digest, when one is given).
- `page`, `index`: a site page and the design's row on the index (`write/site.py`).

An output may depend on files that are found only while making it: a variant's bases. Such
an output is stored under a key over every file it read, and a small `inputs` entry, keyed
by what is known beforehand, lists the other files to hash (`recall` and `remember`).

Entries are plain files named by their key and written atomically, so concurrent builds may
share a folder. Reading is defensive: a key that is not a sha256 hex digest names no entry,
a missing, unreadable or malformed entry is a miss, and nothing read from an entry ever
decides where an output is written (callers validate names they read, see `SAFE_NAME`).
Standard library only, on purpose: a warm build must not pay for importing the pipeline.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import flowdocs
from flowdocs.errors import FlowdocsError
from flowdocs.files import ReadError, atomic_write, read_design_bytes

FORMAT = "1"  # bumped when an entry's shape changes: old entries are then never read
KINDS = ("diagram", "design", "page", "index", "inputs")
KEY = re.compile(r"[0-9a-f]{64}")
# A design name read back from an entry is a file name; this is the model's rule for a
# design's name (load/model.py), so a tampered entry cannot name `../x`.
SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
PACKAGE_SUFFIXES = (".py", ".yaml", ".json", ".j2")
# Libraries whose version can change what flowdocs writes.
LIBRARIES = ("diagrams", "jinja2", "markupsafe", "pydantic", "pyyaml")

Part = str | bytes


class CacheError(FlowdocsError):
    """The cache folder cannot be written."""


def content_key(kind: str, *parts: Part) -> str:
    """The key of an output of `kind` made from `parts`: a sha256 hex digest."""
    digest = hashlib.sha256(f"flowdocs cache {FORMAT}\0{kind}\0".encode())
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def is_key(value: object) -> bool:
    return isinstance(value, str) and KEY.fullmatch(value) is not None


def is_safe_name(value: object) -> bool:
    return isinstance(value, str) and SAFE_NAME.fullmatch(value) is not None


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """flowdocs' own code, data and templates, the Python and library versions: a new
    flowdocs (or a local edit) makes everything anew."""
    package = Path(flowdocs.__file__).resolve().parent
    parts: list[Part] = [sys.version]
    for library in LIBRARIES:
        try:
            parts.append(f"{library} {metadata.version(library)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{library} missing")
    for path in sorted(package.rglob("*")):
        if path.suffix in PACKAGE_SUFFIXES and "__pycache__" not in path.parts:
            parts += [path.relative_to(package).as_posix(), path.read_bytes()]
    return content_key("code", *parts)


def folder_fingerprint(folder: Path | None) -> str:
    """Every file under `folder` (a user's template folder), by relative path and content."""
    if folder is None:
        return "none"
    parts: list[Part] = []
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
    return content_key("folder", *parts)


class Cache:
    """Entries under `root/<kind>/<key[:2]>/<key>`; `hits` and `misses` count look-ups."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.hits = 0
        self.misses = 0

    def path(self, kind: str, key: str) -> Path:
        """Where the entry `key` of `kind` is; ValueError for a key that is not a sha256
        hex digest (it could name another folder)."""
        if kind not in KINDS or not is_key(key):
            raise ValueError(f"not a cache entry: {kind}/{key!r}")
        return self.root / kind / key[:2] / key

    def read(self, kind: str, key: str) -> bytes | None:
        """The entry's bytes, or None: a bad key, a missing or unreadable entry."""
        if kind not in KINDS or not is_key(key):
            return None
        try:
            return self.path(kind, key).read_bytes()
        except OSError:
            return None

    def read_json(self, kind: str, key: str) -> dict[str, Any] | None:
        """The entry as a JSON object, or None (also when it is not one: a corrupt entry)."""
        data = self.read(kind, key)
        if data is None:
            return None
        try:
            document = json.loads(data)
        except ValueError:
            return None
        return document if isinstance(document, dict) else None

    def write(self, kind: str, key: str, data: bytes | str) -> Path:
        path = self.path(kind, key)
        try:
            atomic_write(path, data)
        except OSError as error:
            raise CacheError(f"cannot write the cache folder {self.root}: "
                             f"{error.strerror or error}; choose another with --cache-dir "
                             f"(or the plugin's cache_dir)") from None
        return path

    def write_json(self, kind: str, key: str, document: dict[str, Any]) -> Path:
        return self.write(kind, key, json.dumps(document, ensure_ascii=False, sort_keys=True))

    def count(self, hit: bool) -> None:
        if hit:
            self.hits += 1
        else:
            self.misses += 1

    def recall(self, kind: str, known: Sequence[Part]) -> tuple[str, dict[str, Any]] | None:
        """The entry made from the files `known` identifies and the files it found while
        made (listed in its `inputs` entry, hashed again now), with its key; None on a miss."""
        listed = self.read_json("inputs", content_key("inputs", kind, *known))
        paths = listed.get("paths") if listed is not None else None
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            return None
        found = []
        for path in paths:
            text = read_text(path)
            if text is None:
                return None
            found.append((path, text))
        key = found_key(kind, known, found)
        entry = self.read_json(kind, key)
        return None if entry is None else (key, entry)

    def remember(self, kind: str, known: Sequence[Part], found: Sequence[tuple[str, str]],
                 entry: dict[str, Any]) -> str:
        """Store `entry`, made from `known` and the files `found` on the way ((path, text)
        pairs, as they were read); returns its key."""
        key = found_key(kind, known, found)
        self.write_json(kind, key, entry)
        self.write_json("inputs", content_key("inputs", kind, *known),
                        {"paths": [path for path, _ in found]})
        return key


def found_key(kind: str, known: Sequence[Part], found: Iterable[tuple[str, str]]) -> str:
    """The key over what was known and every file found (path and text)."""
    parts: list[Part] = [content_key("inputs", kind, *known)]
    for path, text in found:
        parts += [path, text]
    return content_key(kind, *parts)


def read_text(path: str) -> str | None:
    """A design file's text as the loader reads it, or None if it cannot be read. Files are
    read through `flowdocs.files`, so a path listed in an entry can only be hashed: a
    regular file, of bounded size."""
    from flowdocs.load.decoding import decode
    from flowdocs.load.parsing import ParseError

    try:
        return decode(read_design_bytes(os.fspath(path)))
    except (ReadError, ParseError):
        return None
