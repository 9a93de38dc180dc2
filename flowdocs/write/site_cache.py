"""A cache of one whole site generation, keyed by every input it depends on.

`mkdocs build` and every `mkdocs serve` rebuild run in a fresh configuration, and most of
them see designs that have not changed. Loading and resolving designs is cheap, but the
imports it needs (pydantic models, Graphviz's version for the diagram cache key) cost more
than the rest of a warm build. So the plugin first hashes its inputs, and when nothing
changed it reuses the pages, warnings and diagram files of the last build without importing
any of that. The key covers:

- the plugin's options;
- every file under the design folders and the template override folder;
- flowdocs' own source, data and templates (a new version or a local edit);
- the `dot` executable's path, size and modification time (another Graphviz draws otherwise).

A variant may extend a base design outside the design folders (`extends: ../shared/b.yaml`),
which the key cannot know of before the designs are read. So each generation also records
the hash of every design file it read, bases included, and is reused only while they match.

Standard library only, on purpose: importing this module must stay cheap.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flowdocs.files import atomic_write

PACKAGE = Path(__file__).resolve().parent.parent
PACKAGE_SUFFIXES = (".py", ".yaml", ".json", ".j2")
MANIFEST = "manifest.json"
FORMAT = 2  # bumped when the manifest's shape changes


@dataclass
class CachedSite:
    """What a generation produced: pages by uri, diagram files by uri, warning lines, and
    the hash of every design file it read, by path."""

    pages: dict[str, str] = field(default_factory=dict)
    diagrams: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)

    def complete(self) -> bool:
        """Every diagram file is still there (a cleaned cache folder is a miss), and every
        design file read, a base outside the design folders included, is unchanged."""
        return all(Path(p).is_file() for p in self.diagrams.values()) and \
            all(file_hash(Path(p)) == h for p, h in self.inputs.items())


def file_hashes(paths: Iterable[str]) -> dict[str, str]:
    """The hash of each file, by absolute path (a later build may run from another working
    folder), as `CachedSite.inputs` records them."""
    return {os.path.abspath(path): file_hash(Path(path)) for path in paths}


def file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def input_key(options: dict[str, object],
              inputs: Iterable[tuple[Path | None, tuple[str, ...] | None]]) -> str:
    """A hash of the options and of every file the generation reads: each input is a file
    or folder, with the suffixes to read in it (None: every file)."""
    digest = hashlib.sha256(json.dumps([FORMAT, options], sort_keys=True, default=str)
                            .encode("utf-8"))
    for root, suffixes in inputs:
        if root is not None:
            _hash_tree(digest, Path(root), suffixes)
    _hash_tree(digest, PACKAGE, PACKAGE_SUFFIXES)
    dot = shutil.which("dot")
    if dot is not None:
        stat = os.stat(dot)
        digest.update(f"dot\0{dot}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def load(folder: Path, key: str) -> CachedSite | None:
    """The cached generation for `key`, or None."""
    try:
        document = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("key") != key:
        return None
    try:
        cached = CachedSite(**document["site"])
    except (KeyError, TypeError):
        return None
    return cached if cached.complete() else None


def store(folder: Path, key: str, site: CachedSite) -> None:
    """Keep `site` as the generation for `key` (one entry: the last build)."""
    atomic_write(folder / MANIFEST, json.dumps({"key": key, "site": asdict(site)},
                                               ensure_ascii=False))


def _hash_tree(digest, root: Path, suffixes: tuple[str, ...] | None) -> None:
    if root.is_file():
        files = [root]
    elif root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                       and (suffixes is None or p.suffix in suffixes))
    else:
        digest.update(f"missing\0{root}".encode())
        return
    for path in files:
        digest.update(f"{path.relative_to(root) if path != root else path.name}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")
