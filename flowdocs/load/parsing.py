"""Design text to plain data, safely: plain YAML or JSON, no duplicate keys, bounded size.

Every problem becomes a located `Diagnostic`; nothing in here lets a bad file raise anything
else. Valid files take the fast path: libyaml (or the `json` module) and one cheap walk.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from flowdocs.load.diagnostics import Diagnostic
from flowdocs.load.positions import Positions

MAX_NODES = 1_000_000
# Aliases may repeat a block (a route list, a backup policy) freely up to this many nodes in
# all; past it, the data may hold at most ALIAS_RATIO times the nodes written. A small file
# that expands far past what it spells out is a bomb: 1.8 kB made 800,000 nodes and as many
# errors, 40 s and 1.5 GB to report. 100,000 nodes is a 1,400-subnet estate written out.
ALIAS_FREE_NODES = 100_000
ALIAS_RATIO = 10
MAX_DEPTH = 64
TOO_DEEP = f"nesting deeper than {MAX_DEPTH} levels"
MERGE_TAG = "tag:yaml.org,2002:merge"
YAML_TAG_PREFIX = "tag:yaml.org,2002:"

if TYPE_CHECKING:
    # The libyaml loader has the same resolver and constructor as the pure-Python one.
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
# Characters YAML refuses in a stream (YAML 1.1, section 5.1: the printable set).
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TAG_IN_PROBLEM = re.compile(r"for the tag '([^']*)'")


class ParseError(Exception):
    """The text could not be turned into data; `diagnostics` are located."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("; ".join(d.message for d in diagnostics))


def error_at(message: str, line: int = 1, column: int = 1) -> Diagnostic:
    return Diagnostic("error", message).located(line, column)


def parse(text: str, is_json: bool, positions: Positions | None = None
          ) -> tuple[Any, list[Diagnostic]]:
    """The data of `text`, and the duplicate keys found on the way (reported, not fatal).
    Raises ParseError when there is no data to go on. A YAML text's node graph, which holds
    every position, is handed to `positions` so that locating a finding later costs no
    second parse."""
    data, duplicates = parse_json(text) if is_json else parse_yaml(text, positions)
    problem = check_limits(data, expansion=True)
    if problem is not None:
        raise ParseError([problem, *duplicates])
    return data, duplicates


# YAML ------------------------------------------------------------------------------------------


class DesignLoader(_BaseLoader):
    """SafeLoader (libyaml when available) that also records duplicate mapping keys."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        # Without `<<` anywhere, a mapping with fewer entries than key nodes has a duplicate.
        self.may_merge = "<<" in text
        self.duplicates: list[Diagnostic] = []
        self._plain_tags: dict[str, str] = {}

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        """The tag of a node; a plain scalar's depends on its text alone, and the same texts
        (keys above all) come again and again, so each is matched against the implicit
        resolvers' patterns once per file."""
        if kind is ScalarNode and implicit[0]:
            tag = self._plain_tags.get(value)
            if tag is None:
                # types-PyYAML leaves Resolver.resolve untyped.
                tag = self._plain_tags[value] = super().resolve(  # type: ignore[no-untyped-call]
                    kind, value, implicit)
            return tag
        resolved: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return resolved

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        own = [k for k, _ in node.value if k.tag != MERGE_TAG] if self.may_merge else None
        mapping = super().construct_mapping(node, deep=deep)
        if own is None:
            if len(mapping) < len(node.value):
                self._record_duplicates([k for k, _ in node.value])
        elif len({self.construct_object(k) for k in own}) < len(own):
            self._record_duplicates(own)
        return mapping

    def _record_duplicates(self, keys: list[Node]) -> None:
        first: dict[Any, Node] = {}
        for key_node in keys:
            key = self.construct_object(key_node)
            if key in first:
                line = first[key].start_mark.line + 1
                message = f"duplicate key '{key}' (first defined on line {line})"
                mark = key_node.start_mark
                self.duplicates.append(error_at(message, mark.line + 1, mark.column + 1))
            else:
                first[key] = key_node


def _guarded(constructor: Any) -> Any:
    """A scalar constructor whose bad values (`!!int x`, `2024-13-45`) become located
    YAML errors instead of ValueError."""

    def construct(loader: SafeConstructor, node: Node) -> Any:
        try:
            return constructor(loader, node)
        except (ValueError, TypeError, KeyError, OverflowError) as error:
            tag = node.tag.removeprefix(YAML_TAG_PREFIX)
            value = node.value if len(node.value) <= 40 else f"{node.value[:40]}…"
            raise ConstructorError(None, None, f"cannot read {tag} '{value}': "
                                   f"{_reason(error)}", node.start_mark) from None

    return construct


for _tag in (YAML_TAG_PREFIX + name for name in ("int", "float", "bool", "timestamp")):
    DesignLoader.add_constructor(_tag, _guarded(SafeConstructor.yaml_constructors[_tag]))


def _reason(error: Exception) -> str:
    """The error's message without Python's advice to the programmer (`use sys.set_...`)."""
    return str(error).partition("; use sys.")[0]


def parse_yaml(text: str, positions: Positions | None = None) -> tuple[Any, list[Diagnostic]]:
    _check_printable(text)
    if "<<" not in text:  # merge keys are rare: the full constructor handles them
        try:
            return _parse_plain_yaml(text, positions)
        except (yaml.YAMLError, _Unusual, RecursionError, ValueError, TypeError, KeyError,
                OverflowError):
            pass  # the full constructor below reports the problem, located
    loader = DesignLoader(text)
    try:
        return loader.get_single_data(), loader.duplicates
    except yaml.MarkedYAMLError as error:
        raise ParseError([_marked_error(error), *loader.duplicates]) from None
    except yaml.YAMLError as error:
        raise ParseError([error_at(f"invalid YAML: {error}")]) from None
    except RecursionError:
        raise ParseError([error_at(TOO_DEEP)]) from None
    except (ValueError, TypeError, OverflowError) as error:  # a constructor we did not guard
        raise ParseError([error_at(f"invalid YAML: {error}")]) from None
    finally:
        loader.dispose()


class _Unusual(Exception):
    """The fast build met a node only the full constructor handles (a recursive alias)."""


# The node graph of a smaller text is kept for locating findings later. A larger one would
# keep hundreds of thousands of objects alive for the garbage collector to scan again and
# again (a 2.5 MB estate resolved 25% slower); its positions are composed again when needed.
KEEP_NODES_BELOW = 256 * 1024
_STR_TAG = YAML_TAG_PREFIX + "str"
_MAP_TAG = YAML_TAG_PREFIX + "map"
_SEQ_TAG = YAML_TAG_PREFIX + "seq"
_BUILDING = object()


def _parse_plain_yaml(text: str, positions: Positions | None) -> tuple[Any, list[Diagnostic]]:
    """libyaml composes the node graph; the data is built from it by direct recursion.

    PyYAML's constructor spends most of its time in generic machinery (generators, deep
    construction, per-node dispatch); for plain YAML without merge keys this build gives the
    same data about four times faster. Scalars other than strings use the loader's own
    (guarded) constructors. Anything unusual raises, and the caller falls back to the full
    constructor, which reports it with its position."""
    loader = DesignLoader(text)
    try:
        root = loader.get_single_node()
        data = None if root is None else _build(loader, root, {})
    finally:
        loader.dispose()
    if positions is not None and len(text) < KEEP_NODES_BELOW:
        positions.adopt(root)
    return data, loader.duplicates


def _build(loader: DesignLoader, node: Node, built: dict[int, Any]) -> Any:
    if node.__class__ is ScalarNode:
        if node.tag == _STR_TAG:
            return node.value
        return loader.yaml_constructors[node.tag](loader, node)  # KeyError: unsupported tag
    known = built.get(id(node))
    if known is not None:  # an alias: the same object, as the full constructor gives
        if known is _BUILDING:
            raise _Unusual("recursive alias")
        return known
    built[id(node)] = _BUILDING
    if node.__class__ is MappingNode and node.tag == _MAP_TAG:
        value: Any = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node, built)
            value[key] = _build(loader, value_node, built)
        if len(value) < len(node.value):
            loader._record_duplicates([k for k, _ in node.value])
    elif node.__class__ is SequenceNode and node.tag == _SEQ_TAG:
        value = [_build(loader, item, built) for item in node.value]
    else:
        raise _Unusual(node.tag)
    built[id(node)] = value
    return value


def _check_printable(text: str) -> None:
    match = _NOT_PRINTABLE.search(text)
    if match is None:
        return
    line, column = line_column(text, match.start())
    message = f"control character U+{ord(match.group()):04X} is not allowed in a design file"
    raise ParseError([error_at(message, line, column)])


def _marked_error(error: yaml.MarkedYAMLError) -> Diagnostic:
    mark = error.problem_mark or error.context_mark
    line, column = (1, 1) if mark is None else (mark.line + 1, mark.column + 1)
    return error_at(_yaml_message(error), line, column)


def _yaml_message(error: yaml.MarkedYAMLError) -> str:
    problem = error.problem or ""
    tag = _TAG_IN_PROBLEM.search(problem)
    if tag:
        return f"unsupported YAML tag '{_short_tag(tag.group(1))}'; flowdocs reads plain YAML only"
    if "found another document" in problem:
        return "a design file holds one YAML document; found a second one"
    if "maximum nesting depth" in problem:  # libyaml stops at 1000 levels
        return TOO_DEEP
    context = error.context
    if context and error.context_mark and error.context_mark is not error.problem_mark:
        context = f"{context} on line {error.context_mark.line + 1}"
    return f"invalid YAML: {problem}" + (f" ({context})" if context else "")


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(YAML_TAG_PREFIX) if tag.startswith(YAML_TAG_PREFIX) else tag


# JSON ------------------------------------------------------------------------------------------


def parse_json(text: str) -> tuple[Any, list[Diagnostic]]:
    repeated: list[str] = []

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        mapping = dict(pairs)
        if len(mapping) < len(pairs):
            keys = [k for k, _ in pairs]
            repeated.extend(k for i, k in enumerate(keys) if k in keys[:i])
        return mapping

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as error:
        raise ParseError([error_at(f"invalid JSON: {error.msg}", error.lineno, error.colno)]) \
            from None
    except RecursionError:
        raise ParseError([error_at(TOO_DEEP)]) from None
    except ValueError as error:  # e.g. an integer longer than Python converts (4300 digits)
        raise ParseError([error_at(f"invalid JSON: {_reason(error)}")]) from None
    return data, _json_duplicates(text, repeated) if repeated else []


def _json_duplicates(text: str, repeated: list[str]) -> list[Diagnostic]:
    """Duplicate JSON keys, located by reading the text again as YAML (JSON is YAML)."""
    try:
        _, duplicates = parse_yaml(text.replace("\t", " "))  # same columns; YAML bars tabs
    except ParseError:
        duplicates = []
    return duplicates or [error_at(f"duplicate key '{key}'") for key in repeated]


# Limits ----------------------------------------------------------------------------------------


class _LimitExceeded(Exception):
    """Carries the data path of the offending value, built up as the walk unwinds."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.path: list[str | int] = []


_IN_PROGRESS = (-1, -1)
_CONTAINERS = (dict, list, tuple)  # tuple: `!!pairs` and `!!omap` hold (key, value) tuples


def check_limits(data: Any, expansion: bool = False) -> Diagnostic | None:
    """An alias bomb, a recursive alias or too deep a nesting, as a diagnostic with a path;
    with `expansion`, also aliases that expand the data far past what is written.

    YAML aliases make shared subtrees (the same object); sizes are computed once per object
    and multiplied, so checking never expands anything."""
    if data.__class__ not in _CONTAINERS:
        return None
    try:
        walk = _Walk()
        count, _ = walk.measure(data, 1)
        if expansion:
            walk.check_expansion(data, count)
    except _LimitExceeded as error:
        return Diagnostic("error", error.message, tuple(reversed(error.path)))
    return None


class _Walk:
    """One walk over the data: (expanded node count, height) by object id, and whether any
    object was met twice, which only an alias makes."""

    def __init__(self) -> None:
        self.memo: dict[int, tuple[int, int]] = {}
        self.shared = False
        self.written = 0  # nodes as written: each distinct container and its entries, once
        self.uses: dict[int, int] = {}  # by object id: how often a shared object is met again

    def measure(self, value: Any, depth: int) -> tuple[int, int]:
        """Keys and scalars count one node each; containers one plus their contents."""
        known = self.memo.get(id(value))
        if known is _IN_PROGRESS:
            raise _LimitExceeded("recursive alias: a value contains itself")
        if known is not None:
            self.shared = True
            self.uses[id(value)] = self.uses.get(id(value), 0) + 1
            if depth + known[1] - 1 > MAX_DEPTH:
                raise _LimitExceeded(TOO_DEEP)
            return known
        if depth > MAX_DEPTH:
            raise _LimitExceeded(TOO_DEEP)
        self.memo[id(value)] = _IN_PROGRESS
        count, height = self._measure_contents(value, depth)
        if count > MAX_NODES:
            what = "alias expansion too large" if self.shared else "design too large"
            raise _LimitExceeded(f"{what} ({count:,} nodes; the limit is {MAX_NODES:,})")
        self.memo[id(value)] = (count, height)
        return count, height

    def _measure_contents(self, value: Any, depth: int) -> tuple[int, int]:
        is_dict = value.__class__ is dict
        count, height = 1 + len(value) * (2 if is_dict else 1), 1
        self.written += count
        for child in value.values() if is_dict else value:
            if child.__class__ in _CONTAINERS:
                try:
                    child_count, child_height = self.measure(child, depth + 1)
                except _LimitExceeded as error:
                    error.path.append(_part_holding(value, child))
                    raise
                count += child_count - 1
                if child_height >= height:
                    height = child_height + 1
        return count, height

    def check_expansion(self, data: Any, count: int) -> None:
        """Raises at the shared value that adds the most nodes, if aliases expand `data`
        past the limit."""
        if not self.shared or count <= max(ALIAS_FREE_NODES, ALIAS_RATIO * self.written):
            return
        worst = max(self.uses, key=lambda i: self.uses[i] * self.memo[i][0])
        error = _LimitExceeded(
            f"alias expansion too large: aliases make {count:,} nodes of {self.written:,} "
            f"written (past {ALIAS_FREE_NODES:,} nodes, at most {ALIAS_RATIO} times the nodes "
            f"written); this value is used {self.uses[worst] + 1:,} times")
        error.path = list(reversed(_path_to(data, worst, set()) or []))
        raise error


def _path_to(value: Any, target: int, visited: set[int]) -> list[str | int] | None:
    """The path from `value` to the object with id `target`, by its first occurrence."""
    if id(value) == target:
        return []
    if id(value) in visited:
        return None
    visited.add(id(value))
    for part, child in value.items() if value.__class__ is dict else enumerate(value):
        if child.__class__ in _CONTAINERS:
            found = _path_to(child, target, visited)
            if found is not None:
                return [part, *found]
    return None


def _part_holding(container: Any, child: Any) -> str | int:
    """The key or index of `child` in `container`: paths are built only for errors."""
    items = container.items() if container.__class__ is dict else enumerate(container)
    return next(part for part, value in items if value is child)


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1

