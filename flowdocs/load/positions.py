"""Line and column of a diagnostic's data path, looked up only when there is something to report.

Positions come from a YAML node graph, whose marks give the position of every value and key.
A YAML design under 256 KB keeps the graph its parse composed (parsing.py builds the data
from it); a larger file, or a JSON file, is composed again on the first lookup. JSON is YAML,
so the same lookup serves `.json` design files.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from flowdocs.load.diagnostics import DataPath, Diagnostic

MERGE_TAG = "tag:yaml.org,2002:merge"
# Merge keys may merge mappings that merge others; deeper chains are not worth following.
MAX_MERGE_DEPTH = 16

Loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


class Positions:
    """The positions of one file's text, composed on first use."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._root: Node | None = None
        self._composed = False

    def adopt(self, root: Node | None) -> None:
        """Takes the node graph a parse of the same text already composed."""
        self._root, self._composed = root, True

    @property
    def root(self) -> Node | None:
        if not self._composed:
            self._root = compose(self.text)
            self._composed = True
        return self._root

    def locate(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """`diagnostics` with line and column filled in; those already located are kept."""
        return [d if d.line is not None else self._place(d) for d in diagnostics]

    def _place(self, diagnostic: Diagnostic) -> Diagnostic:
        if self.root is None:
            return diagnostic.located(1, 1)
        mark = mark_of(self.root, diagnostic.path, on_key=diagnostic.on_key)
        return diagnostic.located(mark.line + 1, mark.column + 1)


def locate(text: str, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """`diagnostics` located in `text` (line 1, column 1 when the text cannot be composed)."""
    return Positions(text).locate(diagnostics)


def compose(text: str) -> Node | None:
    """The node graph of the first document, or None when the text is not YAML.

    Tabs become spaces first: same length, so the same columns, and libyaml then also
    accepts JSON indented with tabs (valid JSON has tabs only between tokens)."""
    try:
        return next(yaml.compose_all(text.replace("\t", " "), Loader=Loader), None)
    except (yaml.YAMLError, RecursionError):
        return None


def mark_of(root: Node, path: DataPath, on_key: bool = False) -> yaml.Mark:
    """The mark of the node at `path`, or of the deepest node reached on the way."""
    node, key_node = root, None
    for part in path:
        step = _child(node, part)
        if step is None:
            return node.start_mark
        key_node, node = step
    if on_key and key_node is not None:
        return key_node.start_mark
    return node.start_mark


def _child(node: Node, part: str | int) -> tuple[Node | None, Node] | None:
    """(key node, value node) of `part` in `node`; the key node is None in a sequence."""
    if isinstance(node, MappingNode):
        return _find_key(node, part, MAX_MERGE_DEPTH)
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return None, node.value[part]
    return None


def _find_key(node: MappingNode, key: object, depth: int) -> tuple[Node, Node] | None:
    # The last duplicate wins when loading, so search from the end; own keys beat merged ones.
    for key_node, value_node in reversed(node.value):
        if key_node.tag != MERGE_TAG and _is_key(key_node, key):
            return key_node, value_node
    if depth == 0:
        return None
    for source in _merge_sources(node):
        found = _find_key(source, key, depth - 1)
        if found is not None:
            return found
    return None


def _is_key(node: Node, key: object) -> bool:
    if not isinstance(node, ScalarNode):
        return False
    text: str = node.value
    if isinstance(key, str):
        return text == key
    # A key that YAML read as a number, a boolean or null: `1`, `yes`, `~`.
    value = _plain_scalar(text) if not node.style else None  # libyaml says '', not None
    return type(value) is type(key) and value == key


@functools.lru_cache(maxsize=256)
def _plain_scalar(text: str) -> object:
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError:
        return None


def _merge_sources(node: MappingNode) -> list[MappingNode]:
    """The mappings merged into `node` with `<<`, in priority order."""
    sources: list[MappingNode] = []
    for key_node, value_node in node.value:
        if key_node.tag != MERGE_TAG:
            continue
        values = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        sources.extend(v for v in values if isinstance(v, MappingNode))
    return sources
