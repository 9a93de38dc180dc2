"""An imported design as YAML text: the layout of the example designs, a comment naming each
object's source, the candidate workloads commented out, and what was not imported.

Pure text generation, deterministic: the keys in the format's order, short lists of scalars
in flow style (`address_space: [10.0.0.0/16]`), lists of objects in block style, and scalars
quoted only where YAML would read them as something else. `checked_design_yaml` then loads and
resolves the text as `flowdocs validate` would, so that an import never writes a design that
does not validate.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any, cast

import yaml

from flowdocs.errors import FlowdocsError
from flowdocs.load.diagnostics import DesignError
from flowdocs.load.importing.imported import SECTIONS, Entry, ImportedDesign
from flowdocs.load.importing.inventory import Skipped
from flowdocs.load.loaded import LoadedDesign
from flowdocs.load.loader import load_design_bytes
from flowdocs.resolve.flows import resolve

_PLAIN = re.compile(r"[A-Za-z0-9_./(][A-Za-z0-9_./ ()-]*")
# How YAML would read a plain scalar (PyYAML's stubs leave `resolve` untyped).
_resolve_tag = cast(Callable[[type, str, tuple[bool, bool]], str],
                    yaml.resolver.Resolver().resolve)
_STR_TAG = "tag:yaml.org,2002:str"
# The words YAML 1.1 reads as booleans or null; any other text that starts with a letter is a
# string.
_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


class ImportCheckError(FlowdocsError):
    """The imported design does not validate: a gap in the importer, never the user's."""

    def __init__(self, output: str, problem: DesignError) -> None:
        self.problem = problem
        self.output = output
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{self.output}: error: the imported design does not validate, so it was not "
                "written (please report this with the exports)", *self.problem.lines()]


def design_yaml(imported: ImportedDesign) -> str:
    """The design file's text."""
    lines = _header(imported)
    lines += [f"{key}: {_scalar(value)}" for key, value in imported.head.items()]
    for section in SECTIONS:
        entries = imported.sections.get(section, [])
        if entries:
            lines += ["", f"{section}:"]
            for entry in entries:
                lines += _entry(entry, 2)
    if imported.candidates:
        lines += ["", *_candidates(imported)]
    if imported.skipped or imported.notes:
        lines += ["", *_listing("Not imported", imported.skipped),
                  *_listing("Notes", imported.notes)]
    return "\n".join(lines) + "\n"


def checked_design_yaml(imported: ImportedDesign, output: str) -> tuple[str, LoadedDesign]:
    """The design's text, loaded and resolved as `flowdocs validate` would; raises
    ImportCheckError naming each problem, located in the text, when it does not."""
    text = design_yaml(imported)
    try:
        loaded = load_design_bytes(text.encode("utf-8"), output)
    except DesignError as error:
        raise ImportCheckError(output, error) from None
    resolve(loaded.design)
    return text, loaded


def _header(imported: ImportedDesign) -> list[str]:
    count = len(imported.sources)
    lines = [f"# Imported by `flowdocs import` from {count} file{'s' if count != 1 else ''}:"]
    lines += [_comment(f"  {s.display}: {s.shape}, {s.resources} "
                       f"resource{'s' if s.resources != 1 else ''}") for s in imported.sources]
    lines += ["# The comment above each object names the resource it came from. Workloads "
              "cannot be",
              "# inferred from an export: candidates are at the end, commented out, with what "
              "was not",
              "# imported and why."]
    return lines


def _entry(entry: Entry, indent: int) -> list[str]:
    pad = " " * indent
    lines = [_comment(line, pad) for line in entry.comment]
    body = _mapping(entry.data, indent + 2)
    body[0] = f"{pad}- {body[0].lstrip()}"
    return lines + body


def _mapping(data: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in data.items():
        label = _scalar(key)
        if isinstance(value, dict):
            lines.append(f"{pad}{label}:")
            lines += _mapping(value, indent + 2)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.append(f"{pad}{label}:")
            for item in value:
                lines += _entry(Entry(item), indent + 2)
        elif isinstance(value, list):
            lines.append(f"{pad}{label}: [{', '.join(_scalar(v) for v in value)}]")
        else:
            lines.append(f"{pad}{label}: {_scalar(value)}")
    return lines


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return str(value)
    return _string(str(value))


@functools.lru_cache(maxsize=65536)
def _string(text: str) -> str:
    """`text` plain where YAML reads it back as this string, else double-quoted. Cached, and
    the resolver asked only about text that could be a number, a date, a boolean or null: an
    estate writes hundreds of thousands of scalars, many of them the same."""
    if _PLAIN.fullmatch(text) and not text.endswith(" ") and (
            (text[0].isalpha() and text.lower() not in _WORDS)
            or _resolve_tag(yaml.ScalarNode, text, (True, False)) == _STR_TAG):
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _candidates(imported: ImportedDesign) -> list[str]:
    types = ", ".join(imported.workload_types)
    lines = ["# Candidate workloads: an export cannot tell what a VM runs, nor whether it is "
             "backed up.",
             "# Uncomment those you back up, and set each one's type and backup target. Types:",
             _comment(f"  {types}.")]
    body = ["workloads:"]
    for entry in imported.candidates:
        body += _entry(entry, 2)
    return lines + [f"# {line}" for line in body]


def _listing(title: str, items: list[Skipped]) -> list[str]:
    if not items:
        return []
    return [f"# {title} ({len(items)}):",
            *(_comment(f"- {item.subject}: {item.reason}") for item in items)]


def _comment(text: str, pad: str = "") -> str:
    return f"{pad}# {_CONTROL.sub(' ', text)}".rstrip()
