"""Loading a variant: a design file whose top level says `extends: <base file>`.

The loader hands a parsed variant to `load_variant`, which reads the chain of base files
(relative paths, at most `MAX_DEPTH` deep, no cycles), merges them with `variants.py`, and
validates the merged data like any design. Problems are located where the value was set:
in the variant's own file, or, for a value inherited from a base, at the variant's
`extends:` line with the base file's line and column in the message. Also here, because it
works on paths: `variant_family`, a base design and the files that extend it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from flowdocs.files import (
    DESIGN_SUFFIXES,
    MAX_DESIGN_BYTES,
    ReadError,
    TooLargeError,
    design_names_beside,
    read_design_bytes,
    real_path,
)
from flowdocs.load.catalog import Catalog
from flowdocs.load.decoding import decode
from flowdocs.load.diagnostics import DataPath, DesignError, Diagnostic, did_you_mean
from flowdocs.load.loaded import LoadedDesign, validate_data
from flowdocs.load.model import Design
from flowdocs.load.parsing import ParseError, parse
from flowdocs.load.positions import Positions
from flowdocs.load.variants import Provenance, merge_variant

MAX_DEPTH = 8
# A variant and every base it extends, together: each file is capped on its own, and eight
# bases of the cap would make a design eight times the size any real one needs.
MAX_CHAIN_BYTES = 2 * MAX_DESIGN_BYTES
EXTENDS: DataPath = ("extends",)

R = TypeVar("R", bound="_Located")


@dataclass
class VariantDesign(LoadedDesign):
    """A loaded variant: locates a finding in the file that set its subject."""

    provenance: Provenance = field(default_factory=Provenance, repr=False)
    sources: dict[str, Positions] = field(default_factory=dict, repr=False)

    def locate(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        return [d if d.line is not None else _place(d, self.path, self.provenance, self.sources)
                for d in diagnostics]

    def inputs(self) -> list[tuple[str, str]]:
        # `sources` holds the chain in the order it was read: this file, then its bases.
        return [(display, positions.text) for display, positions in self.sources.items()]


@dataclass
class _Source:
    display: str
    real: str
    data: dict[str, Any]
    positions: Positions


def load_variant(parsed: dict[str, Any], parse_problems: list[Diagnostic],
                 positions: Positions, display: str, path: str, catalog: Catalog
                 ) -> VariantDesign:
    """The variant `parsed` (from the text of `positions`, the file at `path`, shown as
    `display`; its parser found `parse_problems`) merged over its chain of bases and
    validated. Raises DesignError with every problem."""
    text = positions.text
    top = _Source(display, real_path(path), parsed, positions)
    chain = [top]
    while "extends" in chain[-1].data:
        chain.append(_base_of(chain, top))
    root, *variants = reversed(chain)
    data, provenance = root.data, Provenance.of(root.display, root.data)
    problems = [(display, p) for p in parse_problems]
    for variant in variants:
        merged = merge_variant(data, provenance, variant.data, variant.display)
        data, provenance = merged.data, merged.provenance
        problems.extend((variant.display, p) for p in merged.problems)
    sources = {s.display: s.positions for s in chain}
    design, found = validate_data(data, catalog)
    located = [*(_place_in(file, d, display, sources) for file, d in problems),
               *(_place(d, display, provenance, sources) for d in found)]
    if design is None or located:
        raise DesignError(display, located)
    loaded = VariantDesign(display, design, text, provenance=provenance, sources=sources)
    loaded._positions = top.positions
    return loaded


def _base_of(chain: list[_Source], top: _Source) -> _Source:
    """The file that the last of `chain` extends, read and parsed."""
    current = chain[-1]
    extends = current.data["extends"]

    def fail(message: str) -> DesignError:
        return DesignError(top.display, [_place_in(current.display, Diagnostic(
            "error", message, EXTENDS), top.display, {s.display: s.positions for s in chain})])

    if not isinstance(extends, str) or not extends.strip():
        raise fail("expected 'extends' to be the path of a design file, relative to this one")
    if len(chain) > MAX_DEPTH:
        raise fail(f"'extends' chains more than {MAX_DEPTH} designs; flatten the chain")
    folder = os.path.dirname(current.display)
    display = os.path.normpath(os.path.join(folder, extends))
    real = real_path(os.path.join(os.path.dirname(current.real), extends))
    if any(s.real == real for s in chain):
        cycle = " -> ".join([*(s.display for s in chain), display])
        raise fail(f"'extends' makes a cycle: {cycle}")
    if not real.lower().endswith(DESIGN_SUFFIXES):
        raise fail(f"the base design '{extends}' is not a design file (expected "
                   f"{', '.join(DESIGN_SUFFIXES)})")
    used = sum(len(s.positions.text.encode("utf-8")) for s in chain)
    try:
        raw = read_design_bytes(real, limit=min(MAX_DESIGN_BYTES,
                                                max(MAX_CHAIN_BYTES - used, 0)))
    except TooLargeError as error:
        if error.size > MAX_DESIGN_BYTES:  # too large on its own: the file's own message
            alone = TooLargeError(error.size, MAX_DESIGN_BYTES)
            raise fail(f"cannot read the base design '{extends}': {alone}") from None
        raise fail(f"the base design '{extends}' ({error.size:,} bytes) would make this "
                   f"design and its bases over {MAX_CHAIN_BYTES:,} bytes in all "
                   f"({used:,} already); flatten the chain") from None
    except ReadError as error:
        reason = str(error).removeprefix("cannot read the file: ")
        beside = design_names_beside(real)  # a file that is there needs no other name
        hint = "" if os.path.basename(real) in beside else did_you_mean(extends, beside)
        raise fail(f"cannot read the base design '{extends}': {reason}{hint}") from None
    positions = Positions("")
    try:
        text = decode(raw)
        positions = Positions(text)
        data, problems = parse(text, real.lower().endswith(".json"), positions)
    except ParseError as error:  # located in the base's text (an alias bomb has a data path)
        problems = error.diagnostics
    if problems:
        # Shown, like any inherited problem, at `extends:` with the base's position.
        sources = {**{s.display: s.positions for s in chain}, display: positions}
        raise DesignError(top.display, [_place_in(display, p, top.display, sources)
                                        for p in problems])
    if not isinstance(data, dict):
        raise fail(f"the base design '{extends}' is not a mapping of design keys")
    return _Source(display, real, data, positions)


def _place(diagnostic: Diagnostic, display: str, provenance: Provenance,
           sources: dict[str, Positions]) -> Diagnostic:
    """Locate a diagnostic about the merged data in the file that set the value."""
    try:
        file, path = provenance.trace(diagnostic.path)
    except KeyError:
        file, path = display, diagnostic.path
    moved = Diagnostic(diagnostic.severity, diagnostic.message, path, diagnostic.code,
                       diagnostic.on_key)
    return _place_in(file, moved, display, sources)


def _place_in(file: str, diagnostic: Diagnostic, display: str,
              sources: dict[str, Positions]) -> Diagnostic:
    """A diagnostic whose path is in `file`: located there when it is the variant itself;
    else located at the variant's `extends:`, the base's position in the message."""
    (located,) = sources[file].locate([diagnostic])
    if file == display:
        return located
    (anchor,) = sources[display].locate([Diagnostic("error", "", EXTENDS)])
    return Diagnostic(diagnostic.severity,
                      f"{diagnostic.message} (in {file}:{located.line}:{located.column}, "
                      f"which this design extends)", EXTENDS, diagnostic.code, False,
                      anchor.line, anchor.column)


def variant_family(base: str, designs: Sequence[tuple[str, str | None]]) -> list[str]:
    """The file `base`, then every file of `designs` ((path, extends) pairs) that extends it,
    directly or through another variant, in path order."""
    def key(path: str) -> str:
        return os.path.normcase(real_path(path))

    parents = {key(path): key(os.path.join(os.path.dirname(path), extends))
               for path, extends in designs if extends}
    members, family = {key(base)}, []
    grown = True
    while grown:
        grown = False
        for path, _ in sorted(designs):
            if key(path) not in members and parents.get(key(path)) in members:
                members.add(key(path))
                family.append(path)
                grown = True
    return [base, *sorted(family)]


class _Located(Protocol):
    """A design as `ResolvedDesign` has it: its file and its design."""

    @property
    def path(self) -> str: ...

    @property
    def design(self) -> Design: ...


def comparison_families(resolved: Sequence[R]) -> dict[str, list[R]]:
    """For each design name: the designs to compare it with, the root base first, or only
    itself when it has no variant and extends nothing (a page shows the comparison of its
    family, a base and a variant alike)."""
    pairs = [(r.path, r.design.extends) for r in resolved]
    by_path = {os.path.normcase(real_path(r.path)): r for r in resolved}
    families: dict[str, list[R]] = {}
    for root in resolved:
        if root.design.extends:
            continue
        members = [by_path[os.path.normcase(real_path(p))]
                   for p in variant_family(root.path, pairs)]
        for member in members:
            families[member.design.name] = members
    for design in resolved:  # a variant whose base is not among `resolved`
        families.setdefault(design.design.name, [design])
    return families
