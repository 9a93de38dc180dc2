"""A site's pages being made: each recalled from the cache or made by a worker, in the
background, so that a caller can take each page as soon as it exists (the MkDocs plugin
hands them to MkDocs one by one, while the others are still being made).

A design page's cache key covers flowdocs' code, the templates, where pages show paths
from, whether the page's design carries its family's comparison on the index, and the cache
key of the design and of every member of its variant family (each covering its file and its
bases): an unchanged page is never made again, and a page whose family changed always is.
A page verified against real effective route tables is also keyed on those files' bytes.
A user's catalog is in every design's key (its digest), so it reaches every page's.
Each design's part of the index context is kept beside its page, so the index, keyed on
every page's key, is made again from those parts without analysing any design.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from flowdocs.files import ReadError, read_design_bytes
from flowdocs.render.cache import Cache, Part, code_fingerprint, content_key, folder_fingerprint
from flowdocs.render.designs import CatalogFile, DrawnDesign, file_size
from flowdocs.render.workers import Workers
from flowdocs.write.design_pages import MadePage, PageJob, make_page


class Generation:
    """Every page of a site: `markdown(name)` waits for one design's page, `index()` for
    the index; `close()` drops what has not started. `in_order` makes the pages in the
    designs' order, leaving a core free (for MkDocs); otherwise the largest come first."""

    def __init__(self, drawn: Sequence[DrawnDesign], templates: Path | None, base_dir: Path,
                 cache: Cache | None, workers: Workers, in_order: bool = False,
                 effective_routes: Mapping[str, Sequence[tuple[str, str]]] | None = None,
                 catalog: CatalogFile | None = None) -> None:
        self.drawn, self.cache, self.workers = list(drawn), cache, workers
        self.catalog = catalog  # the one the designs were drawn with
        self.templates = templates
        self.effective_routes = dict(effective_routes or {})
        self.context: list[Part] = [code_fingerprint(), folder_fingerprint(templates),
                                    os.path.abspath(base_dir), os.getcwd()]
        self.jobs, self.keys = self._plan(os.fspath(base_dir))
        self._made = {name: page for name, key in self.keys.items()
                      if (page := self._recall(key)) is not None}
        self._index: str | None = None
        self._error: BaseException | None = None
        self._ready = threading.Condition()
        missing = [d for d in self.drawn if d.name not in self._made]
        if not in_order:
            missing.sort(key=lambda d: -len(d.dot))
        limit = max(1, workers.count - 1) if in_order else None
        size = sum(file_size(d.path) for d in missing)
        workers.start(len(missing), size)  # here, not in the thread: see workers.py on forking
        self._thread = threading.Thread(target=self._make_all, args=(missing, size, limit),
                                        name="flowdocs pages")
        self._thread.start()

    def markdown(self, name: str) -> str:
        """The page of the design `name`, once made; raises what stopped its making."""
        with self._ready:
            self._ready.wait_for(lambda: name in self._made or self._error is not None)
            if name in self._made:
                return self._made[name].markdown
            raise cast(BaseException, self._error)

    def index(self) -> str:
        """The index page, once every page is made."""
        with self._ready:
            self._ready.wait_for(lambda: self._index is not None or self._error is not None)
            if self._index is not None:
                return self._index
            raise cast(BaseException, self._error)

    def close(self) -> None:
        self.workers.close()
        self._thread.join()

    def _plan(self, base_dir: str) -> tuple[dict[str, PageJob], dict[str, str]]:
        families = _families(self.drawn)
        templates = os.fspath(self.templates) if self.templates is not None else None
        jobs: dict[str, PageJob] = {}
        keys: dict[str, str] = {}
        compared: set[str] = set()  # the index compares a family at its first design
        for design in self.drawn:
            family = families[design.name]
            compares = len(family) > 1 and family[0].name not in compared
            if compares:
                compared.add(family[0].name)
            tables = tuple(self.effective_routes.get(design.name, ()))
            keys[design.name] = content_key("page", *self.context, str(compares), design.key,
                                            *(member.key for member in family),
                                            *_tables_key(tables))
            jobs[design.name] = PageJob(design.path, design.key,
                                        tuple((m.path, m.key) for m in family), compares,
                                        templates, str(self.context[1]), base_dir, tables,
                                        self.catalog)
        return jobs, keys

    def _recall(self, key: str) -> MadePage | None:
        if self.cache is None:
            return None
        markdown, index = self.cache.read("page", key), self.cache.read_json("index", key)
        self.cache.count(hit=markdown is not None and index is not None)
        if markdown is None or index is None:
            return None
        try:
            return MadePage(markdown.decode("utf-8"), index)
        except UnicodeDecodeError:
            return None

    def _keep(self, name: str, page: MadePage) -> None:
        if self.cache is not None:
            self.cache.write("page", self.keys[name], page.markdown)
            self.cache.write_json("index", self.keys[name], page.index)
        with self._ready:
            self._made[name] = page
            self._ready.notify_all()

    def _make_all(self, missing: list[DrawnDesign], size: int, limit: int | None) -> None:
        try:
            made = self.workers.run(make_page, [self.jobs[d.name] for d in missing], size,
                                    limit)
            for position, page in made:
                self._keep(missing[position].name, page)
            index = self._make_index()
            with self._ready:
                self._index = index
                self._ready.notify_all()
        except Exception as error:  # raised where the pages are waited for
            with self._ready:
                self._error = error
                self._ready.notify_all()
        finally:
            self.workers.close()

    def _make_index(self) -> str:
        key = content_key("page", *self.context, "index",
                          *(self.keys[d.name] for d in self.drawn))
        found = self.cache.read("page", key) if self.cache is not None else None
        if found is not None:
            try:
                return found.decode("utf-8")
            except UnicodeDecodeError:
                pass
        from flowdocs.write.templating import environment, render

        merged: dict[str, list[Any]] = {}
        for design in self.drawn:
            try:
                part = _index_part(self._made[design.name].index)
            except ValueError:  # a corrupt cache entry: make the design's page again
                page = make_page(self.jobs[design.name])
                self._keep(design.name, page)
                part = _index_part(page.index)
            for name, values in part.items():
                merged.setdefault(name, []).extend(values)
        markdown = render(environment(self.templates), "index.md.j2", merged)
        if self.cache is not None:
            self.cache.write("page", key, markdown)
        return markdown


def _tables_key(tables: Sequence[tuple[str, str]]) -> list[str]:
    """What a page verified against real effective routes depends on besides its design:
    each table's subnet, path and bytes (an unreadable file is a key of its own, and the
    page's making reports it)."""
    parts = []
    for subnet, file in tables:
        try:  # through the same limits as a design: no FIFO or /dev/zero hangs a build
            data = hashlib.sha256(read_design_bytes(file)).hexdigest()
        except ReadError as error:
            data = f"unreadable: {error}"
        parts += [subnet, os.path.abspath(file), data]
    return parts


def _index_part(encoded: dict[str, Any]) -> dict[str, list[Any]]:
    """A design's part of the index context, decoded: lists to concatenate, key by key."""
    from flowdocs.write.context_codec import decode

    part = {name: decode(value) for name, value in encoded.items()}
    if not all(isinstance(values, list) for values in part.values()):
        raise ValueError("an index part holds lists")
    return part


@dataclass(frozen=True)
class _Header:
    name: str
    extends: str | None


@dataclass(frozen=True)
class _Located:
    path: str
    design: _Header
    drawn: DrawnDesign


def _families(drawn: Sequence[DrawnDesign]) -> dict[str, list[DrawnDesign]]:
    """Each design's variant family, as `load.extends.comparison_families` groups them:
    it reads a design's path, name and `extends` only, which a drawing holds."""
    from flowdocs.load.extends import comparison_families

    located = [_Located(d.path, _Header(d.name, d.extends), d) for d in drawn]
    families = comparison_families(cast("list[Any]", located))
    return {name: [member.drawn for member in family] for name, family in families.items()}
