"""Design files to diagrams: load, resolve and draw each one, then render, with the cache.

A design's drawing (its name, what it extends, its DOT text and warnings) is a `design`
cache entry keyed on flowdocs' code, the file's path and bytes, and the text of every base
it extends: a variant whose base changed is drawn anew. So a warm run loads nothing: it
recalls each drawing, and each diagram by its DOT text.

A cold run keeps every core busy: designs load, resolve and turn into DOT text in worker
processes (workers.py), largest file first, and each diagram starts rendering as soon as its
DOT text arrives. Rendering fills only the cache and memory; `out_dir` is written once every
design has loaded and resolved, so a failing design still leaves nothing written.

Workers keep what they resolved (`resolved_design`), so the site's pages, made next in the
same workers, need not load the designs again.

A user's catalog (`--catalog FILE`, the plugin's `catalog:`) travels as a `CatalogFile`, its
path and its bytes' sha256: `open_catalog` loads it here first (a bad catalog is a located
error before any design is drawn), each worker loads it once from its path
(`loaded_catalog`), and its digest, never its path, is part of every design's cache key: a
changed catalog draws every design anew, and so makes every page again.

A flow filter (`flowdocs render --flows`, `flows=`: its terms) reaches each worker the same
way, and its terms are part of the design's cache key; a term the design does not have is a
`FlowFilterError` (scene.py), raised from the worker as itself.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowdocs.errors import FlowdocsError
from flowdocs.files import PathArg, ReadError, find_design_files, read_design_bytes
from flowdocs.render.batch import BatchResult, Job, Renderer, stderr_progress, write_outputs
from flowdocs.render.cache import (
    Cache,
    Part,
    code_fingerprint,
    file_digest,
    found_key,
    is_safe_name,
)
from flowdocs.render.graphviz import RenderOptions
from flowdocs.render.workers import Workers

if TYPE_CHECKING:
    from flowdocs.analyse.resolved import ResolvedDesign
    from flowdocs.load.catalog import Catalog
    from flowdocs.load.diagnostics import Diagnostic

# What a worker imports to draw a design (and to write its page, for the site).
DRAWING_MODULES = ("flowdocs.render.designs", "flowdocs.analyse.resolved",
                   "flowdocs.load.loader", "flowdocs.render.dot", "flowdocs.render.scene")


@dataclass(frozen=True)
class DrawnDesign:
    """One design file drawn: what a worker sends back, or the cache gives. `key` is its
    cache key; `found` the bases it was made from (path and text), when drawn just now."""

    path: str
    name: str = ""
    extends: str | None = None
    dot: str = ""
    warnings: tuple[str, ...] = ()
    digest: str = ""  # sha256 of the design file's bytes, as loaded
    bases: tuple[str, ...] = ()  # the files it extends, nearest first
    key: str = ""
    errors: tuple[Diagnostic, ...] = ()
    found: tuple[tuple[str, str], ...] = field(default=(), repr=False)


@dataclass
class DesignRun:
    """What a run rendered, and the warnings of its designs (`FILE:LINE:COL: warning: ...`)."""

    result: BatchResult
    warnings: list[str] = field(default_factory=list)
    designs: int = 0


@dataclass(frozen=True)
class CatalogFile:
    """A user's catalog as workers get it: its path, to load it from, and the sha256 of its
    bytes, for cache keys (the path, which may be absolute, never goes into one)."""

    path: str
    digest: str


def known_parts(path: str, digest: str, catalog: CatalogFile | None = None,
                flows: Sequence[str] | None = None) -> list[Part]:
    """What a design's cache key starts from: flowdocs' code, the file's path (messages name
    it, and bases are found from it) and its bytes' hash; and the user's catalog's hash,
    when there is one (its workload types and services are what the design resolves with);
    and a flow filter's terms, when there is one."""
    parts: list[Part] = [code_fingerprint(), path, digest]
    if catalog is not None:
        parts += ["catalog", catalog.digest]
    if flows is not None:
        parts += ["flows", str(len(flows)), *flows]
    return parts


# Designs this process resolved, by cache key: a worker draws a design, then writes its page.
_resolved: dict[str, ResolvedDesign] = {}
# Catalogs this process loaded, by (path, digest): a few, for a long-running `mkdocs serve`.
_catalogs: dict[tuple[str, str], Catalog] = {}
CATALOGS_KEPT = 4


def open_catalog(path: PathArg | None) -> CatalogFile | None:
    """The user's catalog at `path` (None: the shipped one only), loaded and checked now.
    Raises DesignError with its problems, located (`FILE:LINE:COL: error: ...`)."""
    if path is None:
        return None
    shown = os.fspath(path)
    digest, catalog = _load_catalog(shown)
    _keep_catalog(CatalogFile(shown, digest), catalog)
    return CatalogFile(shown, digest)


def loaded_catalog(catalog: CatalogFile | None) -> Catalog:
    """The catalog designs are validated and resolved with: the shipped one, or the user's
    merged over it, loaded once per process. Raises a FlowdocsError when the file no longer
    has the bytes it had when `open_catalog` read it."""
    if catalog is None:
        from flowdocs.load.catalog import default_catalog

        return default_catalog()
    known = _catalogs.get((catalog.path, catalog.digest))
    if known is None:
        known = _keep_catalog(catalog, _load_catalog(catalog.path, catalog.digest)[1])
    return known


def _load_catalog(path: str, expected: str | None = None) -> tuple[str, Catalog]:
    """The catalog file's digest, and the catalog it makes; the file must not change while
    it is read (its digest is what cache keys hold), nor differ from `expected`."""
    from flowdocs.load.user_catalog import load_catalog

    before = _digest_of(path)
    catalog = load_catalog(path)  # every problem located, an unreadable file's included
    if before is None or _digest_of(path) != before or expected not in (None, before):
        raise FlowdocsError(f"{path}: error: the catalog changed while flowdocs read it; "
                            f"run flowdocs again")
    return before, catalog


def _digest_of(path: str) -> str | None:
    try:
        return file_digest(read_design_bytes(path))
    except ReadError:
        return None


def _keep_catalog(file: CatalogFile, catalog: Catalog) -> Catalog:
    if len(_catalogs) >= CATALOGS_KEPT:
        _catalogs.clear()
    _catalogs[(file.path, file.digest)] = catalog
    return catalog


def draw_design(path: str, catalog: CatalogFile | None = None,
                flows: tuple[str, ...] | None = None) -> DrawnDesign:
    """Load, resolve and draw one design file (in a worker process: only text comes back),
    with the shipped catalog or the user's `catalog`; with `flows`, a flow filter's terms,
    only the flows they select (raises FlowFilterError when the design lacks a term)."""
    from flowdocs.load.diagnostics import DesignError
    from flowdocs.load.loader import load_design_bytes, read_design
    from flowdocs.render import dot_source

    merged = loaded_catalog(catalog)  # the shipped catalog, or the user's over it
    try:
        data = read_design(path, path)
        loaded = load_design_bytes(data, path, catalog=merged)
    except DesignError as error:
        return DrawnDesign(error.file, errors=tuple(error.diagnostics))
    design = _resolve(loaded, merged)
    digest = file_digest(data)
    found = tuple(loaded.inputs()[1:])
    key = found_key("design", known_parts(path, digest, catalog, flows), found)
    _resolved[key] = design
    dot = dot_source(design.resolution) if flows is None else _filtered_dot(design, flows)
    return DrawnDesign(path, design.design.name, design.design.extends,
                       dot, tuple(design.warning_lines()), digest,
                       tuple(base for base, _ in found), key, found=found)


def _filtered_dot(design: ResolvedDesign, flows: tuple[str, ...]) -> str:
    """The DOT text of the flows a filter selects (scene.select_flows)."""
    from flowdocs.render.dot import to_dot
    from flowdocs.render.scene import build_scene

    return to_dot(build_scene(design.resolution, flows=flows))


def _resolve(loaded: Any, catalog: Catalog) -> ResolvedDesign:
    from flowdocs.analyse.resolved import ResolvedDesign
    from flowdocs.resolve.flows import resolve

    return ResolvedDesign(loaded, resolve(loaded.design, catalog))


def resolved_design(path: str, key: str, catalog: CatalogFile | None = None
                    ) -> ResolvedDesign:
    """The design at `path` as drawn under `key` (with `catalog`): kept from drawing it, or
    loaded again. Raises a FlowdocsError if the file has changed since (its key no longer
    matches)."""
    if key not in _resolved:
        drawn = draw_design(path, catalog)
        if drawn.key != key:
            raise FlowdocsError(f"{path}: error: the design changed while flowdocs read it; "
                                f"run flowdocs again")
    return _resolved[key]


def keep_resolved(keys: Iterable[str]) -> None:
    """Forget the designs this process resolved, but those under `keys` (a long-running
    `mkdocs serve` would otherwise keep every version of every design)."""
    wanted = set(keys)
    for key in [k for k in _resolved if k not in wanted]:
        del _resolved[key]


def recall_design(cache: Cache, path: str, catalog: CatalogFile | None = None,
                  flows: tuple[str, ...] | None = None) -> DrawnDesign | None:
    """The design's drawing from the cache, or None: a miss, or an entry that is not what
    `draw_design` stores (a design name that is not a file name, say)."""
    try:
        digest = file_digest(read_design_bytes(path))
    except ReadError:
        return None  # drawn (and reported) by a worker
    found = cache.recall("design", known_parts(path, digest, catalog, flows))
    drawn = _from_entry(path, digest, found[0], found[1]) if found is not None else None
    cache.count(hit=drawn is not None)
    return drawn


def _from_entry(path: str, digest: str, key: str, entry: dict[str, Any]) -> DrawnDesign | None:
    name, extends, dot = entry.get("name"), entry.get("extends"), entry.get("dot")
    warnings, bases = entry.get("warnings"), entry.get("bases")
    if not (is_safe_name(name) and isinstance(dot, str) and dot
            and (extends is None or isinstance(extends, str))
            and isinstance(warnings, list) and all(isinstance(w, str) for w in warnings)
            and isinstance(bases, list) and all(isinstance(b, str) for b in bases)):
        return None
    assert isinstance(name, str)
    return DrawnDesign(path, name, extends, dot, tuple(warnings), digest, tuple(bases), key)


def remember_design(cache: Cache, drawn: DrawnDesign, catalog: CatalogFile | None = None,
                    flows: tuple[str, ...] | None = None) -> None:
    cache.remember("design", known_parts(drawn.path, drawn.digest, catalog, flows),
                   drawn.found, {
        "name": drawn.name, "extends": drawn.extends, "dot": drawn.dot,
        "warnings": list(drawn.warnings), "bases": list(drawn.bases)})


def draw_designs(files: Sequence[str], cache: Cache | None, workers: Workers,
                 on_drawn: Callable[[DrawnDesign], None],
                 catalog: CatalogFile | None = None,
                 flows: tuple[str, ...] | None = None) -> list[DrawnDesign]:
    """Every design file drawn (with `catalog`, from `open_catalog`; with `flows`, a flow
    filter's terms): from the cache, else by `workers`, largest file first. `on_drawn` gets
    each drawing as it is ready, until a design fails to load; every failure is collected
    (`raise_problems` reports them)."""
    drawn: list[DrawnDesign | None] = [
        recall_design(cache, path, catalog, flows) if cache is not None else None
        for path in files]
    missing = sorted((i for i, d in enumerate(drawn) if d is None),
                     key=lambda i: (-file_size(files[i]), i))
    size = sum(file_size(files[i]) for i in missing)
    workers.start(len(missing), size)  # before on_drawn starts render threads
    for design in drawn:
        if design is not None:
            on_drawn(design)
    failed = False
    # Workers get the catalog's path and digest, and load it themselves (once each).
    draw = functools.partial(draw_design, catalog=catalog, flows=flows)
    for index, design in workers.run(draw, [files[i] for i in missing], size):
        drawn[missing[index]] = design
        failed = failed or bool(design.errors)
        if not design.errors:
            if cache is not None:
                remember_design(cache, design, catalog, flows)
            if not failed:
                on_drawn(design)
    return [d for d in drawn if d is not None]


def file_size(path: str) -> int:
    """A design file's size: how much work it is, roughly."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def raise_problems(drawn: Sequence[DrawnDesign], catalog: CatalogFile | None = None) -> None:
    """DesignErrors for every design that failed to load and every reused design name, in
    the order `loader.load_designs` reports them (`catalog`: the one they were drawn with)."""
    names = [d.name for d in drawn if not d.errors]
    if len(names) == len(drawn) and len(set(names)) == len(names):
        return  # the usual case, without importing the loader
    from flowdocs.load.diagnostics import DesignError, DesignErrors
    from flowdocs.load.loader import duplicate_name_errors, load_design

    errors = [DesignError(d.path, d.errors) for d in drawn if d.errors]
    # Rare, so a duplicate is located only then, by loading its file again.
    errors += duplicate_name_errors(((d.name, d.path) for d in drawn if not d.errors),
                                    lambda path, found: load_design(
                                        path, catalog=loaded_catalog(catalog)).locate(found))
    if errors:
        raise DesignErrors(errors)


def render_design_files(paths: Iterable[PathArg], out_dir: Path, options: RenderOptions,
                        cache_dir: Path | None = None, workers: int | None = None,
                        show_progress: bool = True, catalog: PathArg | None = None,
                        flows: Sequence[str] | None = None) -> DesignRun:
    """Render the diagrams of the design files under `paths` into `out_dir`, resolved with
    the shipped catalog and the user's `catalog` file merged over it, when given; with
    `flows`, a flow filter's terms, each diagram draws only the flows they select, under
    the design's usual file name.

    Raises DesignError (nothing drawn) when the catalog has problems, DesignErrors (nothing
    written) when any design fails to load or resolve, FlowFilterError (nothing written)
    when a design lacks a term of the filter, and RenderError when Graphviz is missing or
    fails.
    """
    terms = tuple(flows) if flows is not None else None
    catalog_file = open_catalog(catalog)
    files = [os.fspath(f) for f in find_design_files(paths)]
    cache = Cache(cache_dir) if cache_dir is not None else None
    progress = stderr_progress(len(files)) if show_progress else None
    with Workers(workers, DRAWING_MODULES) as pool, \
            Renderer(options, cache, workers, progress, len(files)) as renderer:
        drawn = draw_designs(files, cache, pool,
                             lambda design: renderer.add(Job(design.name, design.dot,
                                                                 design.path)),
                             catalog_file, terms)
        raise_problems(drawn, catalog_file)
        outputs = renderer.outputs()
    result = write_outputs(renderer.result, out_dir, [d.name for d in drawn], outputs)
    return DesignRun(result, [line for d in drawn for line in d.warnings], len(drawn))
