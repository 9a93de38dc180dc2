"""Loading a design file: bytes to a validated `Design`, or every problem at once, located.

The stages run in order and each stops the load when it fails: read (size), decode (binary,
UTF-8), parse (YAML or JSON, duplicate keys, alias and depth limits), format version, field
validation (pydantic), then the cross-field checks of `validate.py`. Positions are looked up
only when there is something to report, so a valid file costs one parse and one walk.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from flowdocs.catalog import Catalog, default_catalog
from flowdocs.diagnostics import DesignError, Diagnostic
from flowdocs.field_errors import field_diagnostics, kind_of
from flowdocs.model import FORMAT_VERSION, Design
from flowdocs.parsing import ParseError, error_at, line_column, parse
from flowdocs.positions import Positions
from flowdocs.validate import check_design

MAX_BYTES = 32 * 1024 * 1024
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass
class LoadedDesign:
    """A valid design with the text it came from, to locate later findings (warnings)."""

    path: str
    design: Design
    text: str
    _positions: Positions | None = field(default=None, init=False, repr=False, compare=False)

    def locate(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """`diagnostics` with line and column filled in from their data paths."""
        if self._positions is None:
            self._positions = Positions(self.text)
        return self._positions.locate(diagnostics)

    def inputs(self) -> list[tuple[str, str]]:
        """(path, text) of every file the design was read from: the file itself and, for a
        variant (extends.py), each base it extends, nearest first."""
        return [(self.path, self.text)]


def load_design(path: str | os.PathLike[str], display: str | None = None, *,
                catalog: Catalog | None = None) -> LoadedDesign:
    """Read and validate the design file at `path`; messages name it `display` (default:
    `path` as given). Raises DesignError with every problem found."""
    display = os.fspath(path) if display is None else display
    data = _read(path, display)
    return _load(data, display, _is_json(os.fspath(path)), catalog or default_catalog(),
                 os.fspath(path))


def load_design_bytes(data: bytes, display: str, *, catalog: Catalog | None = None
                      ) -> LoadedDesign:
    """Validate a design given as bytes; JSON when `display` ends in `.json`, else YAML."""
    return _load(data, display, _is_json(display), catalog or default_catalog())


def _is_json(name: str) -> bool:
    return name.lower().endswith(".json")


def _read(path: str | os.PathLike[str], display: str) -> bytes:
    try:
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > MAX_BYTES:
                raise DesignError(display, [_too_large(size)])
            data = stream.read(MAX_BYTES + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise DesignError(display, [Diagnostic("error", f"cannot read the file: {reason}")]) \
            from None
    if len(data) > MAX_BYTES:  # a file that grew, or a special file without a size
        raise DesignError(display, [_too_large(len(data))])
    return data


def _too_large(size: int) -> Diagnostic:
    return error_at(f"file too large ({size / 2**20:.1f} MiB; the limit is "
                    f"{MAX_BYTES // 2**20} MiB)")


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


def _load(data: bytes, display: str, is_json: bool, catalog: Catalog,
          origin: str | None = None) -> LoadedDesign:
    with _collector_paused():
        return _load_unpaused(data, display, is_json, catalog, origin or display)


def _load_unpaused(data: bytes, display: str, is_json: bool, catalog: Catalog,
                   origin: str) -> LoadedDesign:
    if len(data) > MAX_BYTES:
        raise DesignError(display, [_too_large(len(data))])
    try:
        text = decode(data)
    except ParseError as error:
        raise DesignError(display, error.diagnostics) from None
    positions = Positions(text)
    try:
        parsed, problems = parse(text, is_json, positions)
    except ParseError as error:
        raise DesignError(display, positions.locate(error.diagnostics)) from None
    if isinstance(parsed, dict) and "extends" in parsed:
        # A variant: merged over the base files it extends, then validated (extends.py).
        from flowdocs.extends import load_variant

        return load_variant(parsed, problems, positions, display, origin, catalog, _validate)
    design, more = _validate(parsed, catalog)
    problems = [*problems, *more]
    if problems or design is None:
        raise DesignError(display, positions.locate(problems))
    loaded = LoadedDesign(display, design, text)
    loaded._positions = positions
    return loaded


def decode(data: bytes) -> str:
    """UTF-8 text without its byte-order mark. Raises ParseError for binary or empty files."""
    if data.startswith(UTF16_BOMS):
        raise ParseError([error_at("the file is UTF-16 text; save it as UTF-8")])
    nul = data.find(b"\0")
    head = data if nul < 0 else data[:nul]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ParseError([_bad_byte(data, error.start, "not UTF-8 text: invalid byte "
                                    f"0x{data[error.start]:02x}")]) from None
    if nul >= 0:
        raise ParseError([_bad_byte(data, nul, "binary file: NUL byte")])
    text = text.removeprefix("\ufeff")  # editors hide the BOM, so columns are counted without it
    if not text.strip():
        raise ParseError([error_at("empty file")])
    return text


def _bad_byte(data: bytes, offset: int, problem: str) -> Diagnostic:
    prefix = data[:offset].decode("utf-8", errors="replace")
    line, column = line_column(prefix, len(prefix))
    return error_at(f"{problem}; a design file is UTF-8 text", line, column)


def _validate(data: Any, catalog: Catalog) -> tuple[Design | None, list[Diagnostic]]:
    """The design, or None and why: the top level, the version, fields, then cross-checks."""
    if not isinstance(data, dict):
        return None, [Diagnostic("error", "expected a mapping at the top level, found "
                                 f"{kind_of(data)}")]
    version = _version_problem(data)
    if version is not None:
        return None, [version]
    try:
        design = Design.model_validate(data)
    except ValidationError as error:
        return None, field_diagnostics(data, error)
    return design, check_design(design, catalog)


def _version_problem(data: dict[Any, Any]) -> Diagnostic | None:
    """Checked before the fields: a file of another version would fail in confusing ways."""
    if "flowdocs" not in data:
        return Diagnostic("error", "missing required key 'flowdocs' (the format version; this "
                          f"flowdocs reads version {FORMAT_VERSION})")
    version = data["flowdocs"]
    if version == FORMAT_VERSION and type(version) is int:
        return None
    shown = f"'{version}'" if isinstance(version, str) else str(version).lower()
    return Diagnostic("error", f"unsupported format version {shown}; this flowdocs reads "
                      f"version {FORMAT_VERSION}", ("flowdocs",))

