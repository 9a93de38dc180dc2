"""A content-hash cache of rendered diagrams: an unchanged design is never rendered again.

The key covers everything a render depends on: the DOT text, the icons' bytes, the Graphviz
version, the render engine, flowdocs' post-processing, the format and the dpi. Entries are
plain files named by their key, written atomically, so concurrent builds can share a cache
folder.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from flowdocs import __version__
from flowdocs.files import atomic_write
from flowdocs.render.graphviz import RenderOptions, renderer_id
from flowdocs.render.icons import icons_digest


def render_key(dot_text: str, fmt: str, dpi: int) -> str:
    """The content hash of one rendered output."""
    digest = hashlib.sha256()
    for part in (__version__, renderer_id(), icons_digest(), fmt,
                 str(dpi), dot_text):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass
class RenderCache:
    """Rendered outputs by content hash under `root`; `hits` and `misses` count look-ups.

    `RenderCache.at(folder)` returns one shared instance per folder, so callers that render
    design by design (the site builder) can read the counts afterwards.
    """

    root: Path
    hits: int = 0
    misses: int = 0
    _instances: ClassVar[dict[Path, RenderCache]] = {}

    @classmethod
    def at(cls, root: Path) -> RenderCache:
        key = Path(root).resolve()
        if key not in cls._instances:
            cls._instances[key] = cls(key)
        return cls._instances[key]

    def path(self, key: str, fmt: str) -> Path:
        return self.root / "diagrams" / key[:2] / f"{key}.{fmt}"

    def lookup(self, dot_text: str, options: RenderOptions) -> dict[str, bytes] | None:
        """Every format's bytes, or None (a miss) if any one is missing."""
        found: dict[str, bytes] = {}
        for fmt in options.formats:
            try:
                found[fmt] = self.path(render_key(dot_text, fmt, options.dpi), fmt).read_bytes()
            except OSError:
                self.misses += 1
                return None
        self.hits += 1
        return found

    def store(self, dot_text: str, options: RenderOptions, outputs: dict[str, bytes]) -> None:
        for fmt, data in outputs.items():
            atomic_write(self.path(render_key(dot_text, fmt, options.dpi), fmt), data)
