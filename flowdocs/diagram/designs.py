"""Rendering design files, with a warm path that does not even load unchanged designs.

The render cache (cache.py) is keyed by DOT text, so a hit still costs loading and resolving
the design. Most runs change nothing, so a second index maps each design file's bytes (with
the flowdocs code, Graphviz, icons, formats and dpi) to its outputs and warnings. When every
file of a run is in that index, the outputs are copied and nothing is loaded. When any file
changed, every design is loaded and resolved as usual (nothing is written unless all are
valid), and only the changed diagrams are rendered.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import flowdocs
from flowdocs.diagram import render_resolutions
from flowdocs.diagram.batch import BatchResult
from flowdocs.diagram.cache import RenderCache, render_key
from flowdocs.diagram.icons import icons_digest
from flowdocs.diagram.render import RenderOptions, dot_version
from flowdocs.files import atomic_write, find_design_files
from flowdocs.pipeline import resolve_designs

PATH_MARK = "\0path\0"  # where a stored warning line names its design file


@dataclass
class DesignRun:
    """What a run rendered, and the warnings of its designs (`FILE:LINE:COL: warning: ...`)."""

    result: BatchResult
    warnings: list[str] = field(default_factory=list)
    designs: int = 0


@functools.cache
def code_fingerprint() -> str:
    """A hash of flowdocs' own code and data: a new flowdocs resolves and draws anew."""
    digest = hashlib.sha256()
    package = Path(flowdocs.__file__).parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yaml", ".json") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def design_key(data: bytes, options: RenderOptions) -> str:
    digest = hashlib.sha256()
    for part in (code_fingerprint(), dot_version(), icons_digest(), ",".join(options.formats),
                 str(options.dpi)):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(data)
    return digest.hexdigest()


def render_design_files(paths: Iterable[str | os.PathLike], out_dir: Path,
                        options: RenderOptions, cache_dir: Path | None = None,
                        workers: int | None = None, show_progress: bool = True) -> DesignRun:
    """Render the diagrams of the design files under `paths` into `out_dir`.

    Raises DesignErrors (nothing written) when any design fails to load or resolve.
    """
    files = find_design_files(paths)
    cache = RenderCache.at(cache_dir) if cache_dir is not None else None
    contents = [f.read_bytes() for f in files]
    if cache is not None:
        warm = _recall_all(cache, files, contents, options, out_dir)
        if warm is not None:
            return warm
    resolved = resolve_designs(files)
    result = render_resolutions([r.resolution for r in resolved], out_dir, options.formats,
                                options.dpi, cache_dir, workers, show_progress)
    run = DesignRun(result, [line for r in resolved for line in r.warning_lines()],
                    len(resolved))
    if cache is not None:
        for design, data in zip(resolved, contents, strict=True):
            name = design.resolution.design.name
            entry = {"name": name, "warnings": [
                line.replace(design.path, PATH_MARK, 1) for line in design.warning_lines()],
                "outputs": {fmt: render_key(result.dots[name], fmt, options.dpi)
                            for fmt in options.formats}}
            atomic_write(_index_path(cache, design_key(data, options)),
                         json.dumps(entry, sort_keys=True))
    return run


def _recall_all(cache: RenderCache, files: list[Path], contents: list[bytes],
                options: RenderOptions, out_dir: Path) -> DesignRun | None:
    """Every design's outputs from the index, or None if any design is new or changed."""
    entries = []
    for data in contents:
        try:
            entries.append(json.loads(_index_path(cache, design_key(data, options)).read_text()))
        except (OSError, ValueError):
            return None
    names = [entry["name"] for entry in entries]
    if len(set(names)) != len(names):
        return None  # the full path reports the duplicate
    outputs = {}
    for entry in entries:
        try:
            outputs[entry["name"]] = {fmt: cache.path(key, fmt).read_bytes()
                                      for fmt, key in entry["outputs"].items()}
        except OSError:
            return None
    run = DesignRun(BatchResult(), designs=len(entries))
    for file, entry in zip(files, entries, strict=True):
        name = entry["name"]
        run.result.files[name] = {}
        for fmt, data in outputs[name].items():
            path = out_dir / f"{name}.{fmt}"
            atomic_write(path, data)
            run.result.files[name][fmt] = path
        run.result.cached += 1
        run.warnings += [line.replace(PATH_MARK, str(file), 1) for line in entry["warnings"]]
    cache.hits += len(entries)
    return run


def _index_path(cache: RenderCache, key: str) -> Path:
    return cache.root / "designs" / key[:2] / f"{key}.json"
