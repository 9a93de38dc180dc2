"""Reading designs: a file (or bytes) to a validated `Design`, or every problem at once, located.

The one way flowdocs reads a design. The stages run in order and each stops the load when it
fails: read (a regular file, bounded size: `flowdocs.files`), decode (binary, UTF-8), parse
(YAML or JSON, duplicate keys, alias and depth limits), format version, field validation
(pydantic), then the cross-field checks of `validation.py`. A variant reads its bases the
same way (`extends.py`). Positions are looked up only when there is something to report, so
a valid file costs one parse and one walk.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from flowdocs.files import (
    MAX_DESIGN_BYTES,
    PathArg,
    ReadError,
    TooLargeError,
    find_design_files,
    read_design_bytes,
)
from flowdocs.load.catalog import Catalog, default_catalog
from flowdocs.load.decoding import decode
from flowdocs.load.diagnostics import DesignError, DesignErrors, Diagnostic
from flowdocs.load.extends import load_variant
from flowdocs.load.loaded import LoadedDesign, validate_data
from flowdocs.load.parsing import ParseError, error_at, parse
from flowdocs.load.positions import Positions

MAX_BYTES = MAX_DESIGN_BYTES


def load_design(path: PathArg, display: str | None = None, *,
                catalog: Catalog | None = None) -> LoadedDesign:
    """Read and validate the design file at `path`; messages name it `display` (default:
    `path` as given). Raises DesignError with every problem found."""
    display = os.fspath(path) if display is None else display
    data = read_design(path, display)
    return _load(data, display, is_json(os.fspath(path)), catalog or default_catalog(),
                 os.fspath(path))


def load_design_bytes(data: bytes, display: str, *, catalog: Catalog | None = None
                      ) -> LoadedDesign:
    """Validate a design given as bytes; JSON when `display` ends in `.json`, else YAML."""
    return _load(data, display, is_json(display), catalog or default_catalog())


def load_designs(paths: Iterable[PathArg],
                 display: Callable[[Path], str] | None = None,
                 catalog: Catalog | None = None) -> list[LoadedDesign]:
    """Every design under `paths`, or DesignErrors naming every problem in every file.
    `display` names each file in messages (default: its path as found)."""
    loaded: list[LoadedDesign] = []
    errors: list[DesignError] = []
    for file in find_design_files(paths):
        try:
            loaded.append(load_design(file, display(file) if display else None,
                                      catalog=catalog))
        except DesignError as error:
            errors.append(error)
    by_path = {d.path: d for d in loaded}
    errors.extend(duplicate_name_errors(((d.design.name, d.path) for d in loaded),
                                        lambda path, found: by_path[path].locate(found)))
    if errors:
        raise DesignErrors(errors)
    return loaded


def read_design(path: PathArg, display: str) -> bytes:
    """A design file's bytes, or DesignError naming `display` (unreadable, not a regular
    file, too large)."""
    try:
        return read_design_bytes(path)
    except ReadError as error:
        found = error_at(str(error)) if isinstance(error, TooLargeError) \
            else Diagnostic("error", str(error))
        raise DesignError(display, [found]) from None


def read_top_level(path: PathArg) -> object:
    """A design file's data, parsed but not validated (None if it cannot be read or
    parsed): enough to see whom a sibling file `extends`."""
    try:
        return parse(decode(read_design_bytes(path)), is_json(os.fspath(path)))[0]
    except (ReadError, ParseError):
        return None


def is_json(name: str) -> bool:
    return name.lower().endswith(".json")


Locator = Callable[[str, list[Diagnostic]], list[Diagnostic]]


def duplicate_name_errors(designs: Iterable[tuple[str, str]],
                          locate: Locator) -> list[DesignError]:
    """Design names name output files, so two designs may not share one. `designs` gives
    (name, path) pairs in order; `locate(path, diagnostics)` places a problem in its file."""
    first: dict[str, str] = {}
    errors: list[DesignError] = []
    for name, path in designs:
        if name in first:
            message = f"design name '{name}' is already used by {first[name]}"
            errors.append(DesignError(path, locate(path, [Diagnostic("error", message,
                                                                     ("name",))])))
        else:
            first[name] = path
    return errors


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading allocates hundreds of thousands of objects and no garbage worth collecting;
    left running, the cyclic collector takes about 40% of the load of a 2 MB design."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load(data: bytes, display: str, json: bool, catalog: Catalog,
          origin: str | None = None) -> LoadedDesign:
    with _collector_paused():
        return _load_unpaused(data, display, json, catalog, origin or display)


def _load_unpaused(data: bytes, display: str, json: bool, catalog: Catalog,
                   origin: str) -> LoadedDesign:
    if len(data) > MAX_BYTES:
        raise DesignError(display, [error_at(str(TooLargeError(len(data), MAX_BYTES)))])
    try:
        text = decode(data)
    except ParseError as error:
        raise DesignError(display, error.diagnostics) from None
    positions = Positions(text)
    try:
        parsed, problems = parse(text, json, positions)
    except ParseError as error:
        raise DesignError(display, positions.locate(error.diagnostics)) from None
    if isinstance(parsed, dict) and "extends" in parsed:
        # A variant: merged over the base files it extends, then validated (extends.py).
        return load_variant(parsed, problems, positions, display, origin, catalog)
    design, more = validate_data(parsed, catalog)
    problems = [*problems, *more]
    if problems or design is None:
        raise DesignError(display, positions.locate(problems))
    loaded = LoadedDesign(display, design, text)
    loaded._positions = positions
    return loaded
