"""User text made harmless in generated Markdown: no HTML, no Markdown structure, no
template syntax.

Design files are written by people, and their text (titles, summaries, vendors, names) ends
up in pages that a Markdown engine and a browser interpret. Everything that is not trusted
Markdown built by flowdocs is escaped: `<`, `>` and `&` become HTML entities, Markdown's
punctuation is backslash-escaped, line breaks are folded so that no text can open a block
(heading, list, table, admonition), and `{`/`}` become character references so that a
Jinja-based MkDocs plugin (macros) never sees `{{`, `{%` or `{#` in a page. The same holds
where Markdown has no escapes: in an HTML comment (`comment`) and in a shell command shown in
a code block (`shell_word`). Trusted Markdown is marked by `Md`.

A page escapes hundreds of thousands of values, nearly all of them short names with nothing
to escape: each function here does its work in a few C-level string operations, and skips
the replacing altogether when a regular expression finds nothing to replace.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

# Escaped with a backslash: characters Python-Markdown (with the tables extension) and
# CommonMark both accept as backslash escapes.
_BACKSLASHED = "\\`*_[]|!"
# Jinja, which MkDocs plugins such as macros run over a page's source before Markdown sees
# it, opens a tag at `{{`, `{%` and `{#`, whatever precedes the brace (`\{%` still opens
# one). So a brace of user text never reaches a page as a brace: it becomes a character
# reference, `&#123;` or `&#125;`. Jinja reads the reference as plain text, and Markdown and
# the browser turn it back into the brace: the reader sees `{{ 7*7 }}`, and nothing runs.
_BRACES = {"{": "&#123;", "}": "&#125;"}
# Escaped as numeric entities: HTML's own, braces (above), and '~' (pymdownx.tilde reads
# `~x~` as subscript, and '\~' is not an escape in Python-Markdown).
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "~": "&#126;", **_BRACES}
# Every inline replacement as one table, applied in a single pass: a replacement is never
# itself replaced (the backslash `\*` adds, the `&` `&lt;` adds, stay as they are).
_INLINE = str.maketrans({**{c: "\\" + c for c in _BACKSLASHED}, **_ENTITIES})
_INLINE_SPECIAL = re.compile("[" + re.escape(_BACKSLASHED + "".join(_ENTITIES)) + "]")
# Inline Markdown keeps its emphasis markers: the same table without `*` and `_`.
_EMPHASIS_KEPT = str.maketrans({c: r for c, r in
                                {**{c: "\\" + c for c in _BACKSLASHED}, **_ENTITIES}.items()
                                if c not in "*_"})
_EMPHASIS_SPECIAL = re.compile("[" + re.escape(
    "".join(c for c in _BACKSLASHED + "".join(_ENTITIES) if c not in "*_")) + "]")
# What opens a block at the start of a line once inline characters are escaped: headings,
# lists, rules, admonitions and tabs (!!!, ???, ===), definition lists, setext underlines.
# Backslash where Python-Markdown accepts it, an entity where it does not.
_BLOCK_START = {"#": "\\#", "-": "\\-", "+": "\\+", "*": "\\*", "_": "\\_", "=": "&#61;",
                ":": "&#58;", "?": "&#63;"}
_ORDERED_ITEM = re.compile(r"^(\d+)([.)])")
# Text a code span shows verbatim: no backtick (it would end the span), no brace (a
# Jinja-based MkDocs plugin would read `{{`), no pipe (GitHub's tables split on it), one line.
_CODE_SAFE = re.compile(r"[^`{}|\s](?:[^`{}|\n]*[^`{}|\s])?")
# What an HTML comment must not hold: '>' (with '--' before it, it ends the comment) and
# the braces that open Jinja tags.
_COMMENT = str.maketrans({">": "&gt;", **_BRACES})
_JINJA_OPENER = re.compile(r"\{(?=[{%#])")
_LINK = re.compile(r"\[([^\[\]\n]+)\]\(((?:https?://|mailto:)[^\s()<>\"'`{}|\\]+)\)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)


class Md(str):
    """Markdown that flowdocs built itself from escaped parts: printed as is."""

    __slots__ = ()

    def __html__(self) -> str:
        # Jinja's autoescape (and markupsafe) leave objects that render themselves alone.
        return self


def text(value: object) -> Md:
    """Any value as inline Markdown that reads as the literal text, on one line."""
    if isinstance(value, Md):
        return value
    return Md(_escaped(value))


def plain_text(value: object) -> str:
    """`text` as a plain str, for text that is printed or joined at once. A page escapes
    hundreds of thousands of values, and unlike a str every `Md` is an object that the
    garbage collector tracks, and scans again and again while the page is built."""
    if isinstance(value, Md):
        return value
    return _escaped(value)


def heading(value: object) -> Md:
    """Text for a heading. Themes reuse a page's headings in `<title>`, the table of contents
    and search, sometimes after unescaping entities (Material's `<title>` goes through
    `striptags`), so angle brackets are replaced by look-alikes that no step turns into a tag.
    """
    return text(str(value).replace("<", "\u2039").replace(">", "\u203a"))


def code(value: object) -> Md:
    """A name, prefix or FQDN as a code span; anything a code span cannot hold verbatim
    falls back to escaped text."""
    raw = str(value)
    if _CODE_SAFE.fullmatch(raw):
        return Md(f"`{raw}`")
    return text(raw)


def comment(value: object) -> Md:
    """Text for an HTML comment, on one line: nothing in it may close the comment, and no
    brace opens a Jinja tag. Markdown shows no comment, so only those characters change,
    to the references that `text` uses: a file name stays readable in the page's source."""
    folded = " ".join(str(value).split()).replace("--", "- -")
    return Md(folded.translate(_COMMENT))


def shell_word(value: object) -> Md:
    """A word of a shell command shown in a code block, where Markdown has no escapes: quoted
    for the shell (`shlex.quote`), and, where a brace would open a Jinja tag, the quotes are
    closed and opened again between the two characters, `'x{''{ 7*7 }}.yaml'`. The shell
    joins adjacent quoted strings, so the command still names the file `x{{ 7*7 }}.yaml`."""
    quoted = shlex.quote(" ".join(str(value).split()))
    # A brace is always inside single quotes here: shlex.quote quotes any word that holds
    # one, and only a quote character itself is ever left outside them.
    return Md(_JINJA_OPENER.sub("{''", quoted))


def verbatim(value: object) -> Md:
    """One line of a fenced code block, shown as is: no line break can end the block. Its
    user words come as `shell_word`s."""
    return Md(" ".join(str(value).split()).replace("`", "'"))


def md(template: str, *args: object, **kwargs: object) -> Md:
    """`str.format` for trusted Markdown: every argument that is not `Md` is escaped."""
    # `kwargs` is this call's own dict: escaping in place spares building another.
    for key, value in kwargs.items():
        if not isinstance(value, Md):
            kwargs[key] = _escaped(value)
    if args:
        args = tuple([a if isinstance(a, Md) else _escaped(a) for a in args])
    return Md(template.format(*args, **kwargs))


def join(items: Iterable[object], separator: str = ", ", last: str | None = None) -> Md:
    """Items escaped and joined; `last` joins the final pair ("a, b and c")."""
    parts = [i if isinstance(i, Md) else _escaped(i) for i in items]
    if last is not None and len(parts) > 1:
        return Md(separator.join(parts[:-1]) + last + parts[-1])
    return Md(separator.join(parts))


def inline_markdown(value: str) -> Md:
    """Free text that may use inline Markdown (emphasis, code spans, http(s) links) but
    nothing else: no HTML, no blocks, no template syntax. Paragraphs are kept."""
    paragraphs = [p for p in re.split(r"\n\s*\n", value.strip()) if p.strip()]
    return Md("\n\n".join(_inline_paragraph(" ".join(p.split())) for p in paragraphs))


def _inline_paragraph(paragraph: str) -> str:
    out: list[str] = []
    position = 0
    for span in _CODE_SPAN.finditer(paragraph):
        out.append(_inline_text(paragraph[position:span.start()]))
        out.append(_code_span(span.group(2)))
        position = span.end()
    out.append(_inline_text(paragraph[position:]))
    return _protect_block_start("".join(out))


def _inline_text(segment: str) -> str:
    """Escape like `text` but keep emphasis markers and safe links."""
    out: list[str] = []
    position = 0
    for link in _LINK.finditer(segment):
        out.append(_emphasis_text(segment[position:link.start()]))
        out.append(f"[{_emphasis_text(link.group(1))}]({link.group(2)})")
        position = link.end()
    out.append(_emphasis_text(segment[position:]))
    return "".join(out)


def _emphasis_text(segment: str) -> str:
    if _EMPHASIS_SPECIAL.search(segment) is None:
        return segment
    return segment.translate(_EMPHASIS_KEPT)


def _code_span(content: str) -> str:
    # Inside a code span Markdown shows characters literally and escapes HTML itself; only
    # braces are kept out, so that no `{{` reaches a Jinja-based MkDocs plugin.
    if "{" in content or "}" in content:
        return text(content)
    return f"`` {content} ``" if "`" in content else f"`{content}`"


def _escaped(value: object) -> str:
    folded = " ".join(str(value).split())
    if _INLINE_SPECIAL.search(folded) is not None:
        folded = folded.translate(_INLINE)
    return _protect_block_start(folded)


def _protect_block_start(escaped: str) -> str:
    first = escaped[:1]
    if first in _BLOCK_START:
        return _BLOCK_START[first] + escaped[1:]
    # `\d` is Unicode category Nd, as is `str.isdecimal`: text that starts with anything
    # else (nearly all of it) cannot be an ordered list item.
    if not first.isdecimal():
        return escaped
    item = _ORDERED_ITEM.match(escaped)
    if item is None:
        return escaped
    # "1." opens an ordered list and "1\." does not; Python-Markdown has no "1)" lists.
    digits = item.group(1)
    return digits + "\\" + escaped[len(digits):] if item.group(2) == "." else escaped
