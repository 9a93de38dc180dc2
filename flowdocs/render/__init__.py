"""Diagrams drawn from resolved flows: numbered arrows, firewalls crossed or bypassed.

The stages, one module each: `scene` (a Resolution to a drawing model, pure), `dot` (the model
to DOT through mingrammer `diagrams`), `graphviz` (DOT to SVG/PNG/PDF, one `dot` process per
diagram), `cache` (the one content-hash cache: unchanged outputs are not made again), `batch`
(many diagrams at once), `designs` (design files to diagrams, in worker processes: `workers`).

Public API, for the CLI and the site builder:

- `dot_source(resolution)`: the DOT text (golden files compare it).
- `render_resolution(resolution, out_dir, ...)`: one design's diagram files.
- `render_resolutions(resolutions, out_dir, ...)`: many, one per core at a time.

A large design gives one collapsed diagram (see `collapse.py`), never several: the returned
mapping has exactly one file per format.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowdocs.render.batch import BatchResult
    from flowdocs.resolve.flows import Resolution

__all__ = ["FORMATS", "BatchResult", "Cache", "RenderError", "dot_source",
           "render_resolution", "render_resolutions"]

# Names served lazily: `flowdocs render` checks its cache before it pays for importing the
# drawing code (diagrams, pydantic models, the resolver).
_LAZY = {"FORMATS": "flowdocs.render.graphviz", "RenderError": "flowdocs.render.graphviz",
         "Cache": "flowdocs.render.cache", "BatchResult": "flowdocs.render.batch"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def dot_source(resolution: Resolution) -> str:
    """The diagram's DOT text: deterministic, icons by relative path, no absolute path."""
    from flowdocs.render.dot import to_dot
    from flowdocs.render.scene import build_scene

    return to_dot(build_scene(resolution))


def render_resolution(resolution: Resolution, out_dir: Path,
                      formats: Sequence[str] = ("svg",), dpi: int = 96,
                      cache_dir: Path | None = None) -> dict[str, Path]:
    """Render one design's diagram into `out_dir` as `<design.name>.<fmt>`, atomically.

    Returns format -> written file. With `cache_dir`, an unchanged diagram is copied from the
    cache instead of rendered.
    """
    result = render_resolutions([resolution], out_dir, formats, dpi, cache_dir, workers=1,
                                show_progress=False)
    return result.files[resolution.design.name]


def render_resolutions(resolutions: Sequence[Resolution], out_dir: Path,
                       formats: Sequence[str] = ("svg",), dpi: int = 96,
                       cache_dir: Path | None = None, workers: int | None = None,
                       show_progress: bool = True) -> BatchResult:
    """Render many designs' diagrams: cached ones copied, the rest `workers` at a time (one
    per core by default), with a progress line on stderr for long batches. The result
    counts the diagrams rendered and those that came from the cache."""
    from flowdocs.render.batch import Job, render_batch, stderr_progress
    from flowdocs.render.cache import Cache
    from flowdocs.render.graphviz import RenderOptions

    options = RenderOptions(tuple(formats), dpi)
    jobs = [Job(r.design.name, dot_source(r)) for r in resolutions]
    cache = Cache(cache_dir) if cache_dir is not None else None
    progress = stderr_progress(len(jobs)) if show_progress else None
    return render_batch(jobs, Path(out_dir), options, cache, workers, progress)
