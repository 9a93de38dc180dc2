"""One design's page, and its part of the index: the site's per-design work, done in worker
processes (`render/workers.py`) after every design has been drawn.

A page shows its design's variant family side by side, so a job names the family's members
(each by path and cache key). The index shows every design; each job also makes the
design's part of the index context (its row, and, for the first member of a family in the
site's order, the family's comparison), which the site merges into the index.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowdocs.analyse.resolved import ResolvedDesign
    from flowdocs.analyse.verification import Verification
    from flowdocs.render.designs import CatalogFile

DIAGRAM_FORMAT = "svg"  # the site's diagrams: pages show them in <img>, zoomable


@dataclass(frozen=True)
class PageJob:
    """What one design's page is made from; `family` lists (path, key) pairs, the family's
    root first, or only the design itself when it has no family."""

    path: str
    key: str
    family: tuple[tuple[str, str], ...]
    compares: bool  # the index shows the family's comparison at this design
    templates: str | None
    templates_key: str  # a hash of the templates' files: a new one is a new environment
    base_dir: str
    # Real effective route tables to verify the page against: (VNET/SUBNET, file) pairs.
    effective_routes: tuple[tuple[str, str], ...] = ()
    # The user's catalog the designs were drawn with (its path and digest), if any: a
    # worker that did not draw a family member draws it again with the same catalog.
    catalog: CatalogFile | None = None


@dataclass(frozen=True)
class MadePage:
    markdown: str
    index: dict[str, Any]  # the design's part of the index context, encoded (context_codec)


def make_page(job: PageJob) -> MadePage:
    """The page of `job`'s design and its part of the index (in a worker process)."""
    # Imported here: a warm build, all from the cache, imports none of the pipeline.
    from flowdocs.load.prices import default_prices
    from flowdocs.render.designs import resolved_design
    from flowdocs.write.context_codec import encode
    from flowdocs.write.escaping import Md
    from flowdocs.write.pages import Diagram, index_context, page_context
    from flowdocs.write.templating import render

    resolved = resolved_design(job.path, job.key, job.catalog)
    family = [resolved if key == job.key else resolved_design(path, key, job.catalog)
              for path, key in job.family]
    name = resolved.resolution.design.name
    base_dir = Path(job.base_dir)
    files = resolved.loaded.inputs()
    diagram = Diagram(image=Md(f"{name}.{DIAGRAM_FORMAT}"),
                      full_size=Md(f"{name}.{DIAGRAM_FORMAT}"),
                      alt=f"Diagram of the flows of {name}")
    prices = default_prices()
    verification = (verify_page(resolved, job.effective_routes, base_dir)
                    if job.effective_routes else None)
    context = page_context(
        resolved, source=shown_path(resolved.path, base_dir),
        digest=digest(*(text for _, text in files)), diagram=diagram, prices=prices,
        family=family, bases=[shown_path(b, base_dir) for b, _ in files[1:]],
        page_of=page_link, verification=verification)
    markdown = render(_environment(job.templates, job.templates_key), "design.md.j2", context)
    index = index_context([resolved], {name: family} if job.compares else {}, prices,
                          page_link)
    return MadePage(markdown, {key: encode(value) for key, value in index.items()})


def verify_page(resolved: ResolvedDesign, tables: Sequence[tuple[str, str]],
                base_dir: Path) -> Verification:
    """The design's routes against the real tables (subnet, file): a `Verification`.
    Raises VerifyInputError with every problem at once: a subnet the design does not have,
    a file that does not read."""
    from flowdocs.analyse.verification import subnet_problems, verify
    from flowdocs.load.diagnostics import DesignError
    from flowdocs.load.effective_routes import VerifyInputError, read_effective_routes

    shown = shown_path(resolved.path, base_dir)
    problems = [f"{shown}: error: effective routes: {message}"
                for message in subnet_problems(resolved.resolution.topology,
                                               [subnet for subnet, _ in tables])]
    real = []
    for subnet, file in tables:
        try:
            real.append(read_effective_routes(file, subnet, shown_path(file, base_dir)))
        except DesignError as error:
            problems += error.lines()
    if problems:
        raise VerifyInputError(problems)
    return verify(resolved.resolution, real)


@functools.lru_cache(maxsize=4)
def _environment(templates: str | None, templates_key: str) -> Any:
    """One Jinja environment per set of templates, which caches their compiled form; a
    long-running `mkdocs serve` gets a new one when a template file is added or changed."""
    from flowdocs.write.templating import environment

    return environment(templates)


def page_link(name: str) -> str:
    """The link to a design's page from another generated page: they share a folder."""
    return f"{name}.md"


def shown_path(path: str | os.PathLike[str], base_dir: Path) -> str:
    """A design's path as pages show it: relative to `base_dir`, with forward slashes."""
    try:
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(base_dir))
    except ValueError:  # another drive, on Windows
        relative = Path(path).name
    return Path(relative).as_posix()


def digest(*texts: str) -> str:
    """A short content hash of a design's text, and of its bases' for a variant (a change to
    a base changes the variant's page), line endings normalised (a checkout with CRLF line
    endings is the same design)."""
    normalised = "\0".join(t.replace("\r\n", "\n") for t in texts).encode("utf-8")
    return hashlib.sha256(normalised).hexdigest()[:16]
