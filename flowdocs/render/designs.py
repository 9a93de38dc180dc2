"""Rendering design files, with a warm path that does not even load unchanged designs.

The render cache (cache.py) is keyed by DOT text, so a hit still costs loading and resolving
the design. Most runs change nothing, so a second index maps each design file's bytes (with
the flowdocs code, Graphviz, icons, formats and dpi) to its outputs and warnings. When every
file of a run is in that index, the outputs are copied and nothing is loaded. When any file
changed, every design is loaded and resolved as usual, and only the changed diagrams are
rendered.

A cold run keeps every core busy: designs load, resolve and turn into DOT text in worker
processes, largest file first, and each diagram starts rendering as soon as its DOT text
arrives. Rendering fills only the cache and memory; `out_dir` is written once every design
has loaded and resolved, so a failing design still leaves nothing written (a cache entry is
harmless: it is keyed by what it holds).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import multiprocessing
import os
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import flowdocs
from flowdocs.files import atomic_write, find_design_files
from flowdocs.load.diagnostics import DesignError, Diagnostic
from flowdocs.render.batch import BatchResult, Job, Renderer, stderr_progress, write_outputs
from flowdocs.render.cache import RenderCache, render_key
from flowdocs.render.graphviz import RenderOptions, engine, renderer_id
from flowdocs.render.icons import icons_digest
from flowdocs.render.server import prestart

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
    for part in (code_fingerprint(), renderer_id(), icons_digest(), ",".join(options.formats),
                 str(options.dpi)):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True)
class DrawnDesign:
    """What a worker process sends back for one design file: its diagram's DOT text and its
    warnings, or the problems that stop it from loading."""

    path: str
    name: str = ""
    dot: str = ""
    warnings: tuple[str, ...] = ()
    errors: tuple[Diagnostic, ...] = ()


def _import_drawing() -> None:
    """The modules that load, resolve and draw a design: imported once in this process
    before the workers fork, after the cache check and the render servers' start (most of
    a warm run's time would otherwise go on importing them)."""
    for module in ("flowdocs.load.catalog", "flowdocs.resolve.flows", "flowdocs.load.loader",
                   "flowdocs.analyse.resolved", "flowdocs.render.dot", "flowdocs.render.scene"):
        importlib.import_module(module)


def draw_design(file: Path) -> DrawnDesign:
    """Load, resolve and draw one design file (in a worker process: only text comes back)."""
    from flowdocs.analyse.resolved import ResolvedDesign
    from flowdocs.load.catalog import default_catalog
    from flowdocs.load.loader import load_design
    from flowdocs.render import dot_source
    from flowdocs.resolve.flows import resolve

    try:
        loaded = load_design(file)
    except DesignError as error:
        return DrawnDesign(error.file, errors=tuple(error.diagnostics))
    design = ResolvedDesign(loaded, resolve(loaded.design, default_catalog()))
    return DrawnDesign(design.path, loaded.design.name, dot_source(design.resolution),
                       tuple(design.warning_lines()))


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
    workers = workers or os.cpu_count() or 1
    if engine() == "library":
        prestart(workers)  # the render servers warm up while this process imports and loads
    _import_drawing()
    progress = stderr_progress(len(files)) if show_progress else None
    with Renderer(options, cache, workers, progress, len(files)) as renderer:
        drawn = _draw_all(files, contents, workers, renderer)
        _raise_problems(drawn)
        outputs = renderer.outputs()
    result = write_outputs(renderer.result, out_dir, [d.name for d in drawn], outputs)
    run = DesignRun(result, [line for d in drawn for line in d.warnings], len(drawn))
    if cache is not None:
        for design, data in zip(drawn, contents, strict=True):
            entry = {"name": design.name, "warnings": [
                line.replace(design.path, PATH_MARK, 1) for line in design.warnings],
                "outputs": {fmt: render_key(design.dot, fmt, options.dpi)
                            for fmt in options.formats}}
            atomic_write(_index_path(cache, design_key(data, options)),
                         json.dumps(entry, sort_keys=True))
    return run


def _draw_all(files: list[Path], contents: list[bytes], workers: int,
              renderer: Renderer) -> list[DrawnDesign]:
    """Every file drawn in `workers` processes, largest first, each diagram handed to
    `renderer` as it arrives; after the first failure, nothing more is rendered."""
    drawn: list[DrawnDesign | None] = [None] * len(files)
    largest_first = sorted(range(len(files)), key=lambda i: (-len(contents[i]), i))
    with ProcessPoolExecutor(max(1, min(workers, len(files))), _fork()) as pool:
        futures = {pool.submit(draw_design, files[i]): i for i in largest_first}
        failed = False
        for future in as_completed(futures):
            design = drawn[futures[future]] = future.result()
            failed = failed or bool(design.errors)
            if not failed:
                renderer.add(Job(design.name, design.dot))
    return [d for d in drawn if d is not None]


def _fork() -> multiprocessing.context.BaseContext | None:
    """Forked workers start at once with flowdocs already imported (Linux); elsewhere the
    platform's default start method is the safe one."""
    return multiprocessing.get_context("fork") if sys.platform == "linux" else None


def _raise_problems(drawn: list[DrawnDesign]) -> None:
    """DesignErrors for every design that failed to load and every reused design name, in
    the order `loader.load_designs` reports them."""
    from flowdocs.load.diagnostics import DesignErrors
    from flowdocs.load.loader import duplicate_name_errors, load_design

    errors = [DesignError(d.path, d.errors) for d in drawn if d.errors]
    # Rare, so a duplicate is located only then, by loading its file again.
    errors += duplicate_name_errors(((d.name, d.path) for d in drawn if not d.errors),
                                    lambda path, found: load_design(path).locate(found))
    if errors:
        raise DesignErrors(errors)


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
