"""A loaded design, and the validation that every loaded design passes: the top level, the
format version, the fields (pydantic), then the cross-field checks of `validation.py`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from flowdocs.load.catalog import Catalog
from flowdocs.load.diagnostics import Diagnostic
from flowdocs.load.field_errors import field_diagnostics, kind_of
from flowdocs.load.model import Design
from flowdocs.load.model_types import FORMAT_VERSION
from flowdocs.load.positions import Positions
from flowdocs.load.validation import check_design


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


def validate_data(data: Any, catalog: Catalog) -> tuple[Design | None, list[Diagnostic]]:
    """The design, or None and why: the top level, the version, fields, then cross-checks."""
    if not isinstance(data, dict):
        return None, [Diagnostic("error", "expected a mapping at the top level, found "
                                 f"{kind_of(data)}")]
    version = version_problem(data)
    if version is not None:
        return None, [version]
    try:
        design = Design.model_validate(data)
    except ValidationError as error:
        return None, field_diagnostics(data, error)
    return design, check_design(design, catalog)


def version_problem(data: dict[Any, Any]) -> Diagnostic | None:
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
