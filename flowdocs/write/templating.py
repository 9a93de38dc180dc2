"""The Jinja2 environment that turns page contexts into Markdown.

Templates are looked up in the user's override folder first, then in the templates shipped
with flowdocs (`flowdocs/templates/`, which the repository's top-level `templates/` links to).
Undefined variables are errors. Every `{{ value }}` is escaped for Markdown and HTML unless
it is trusted Markdown (`Md`) built by flowdocs: user text is data, never template source,
so `{{` in a design's title reaches the page as text.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jinja2
import jinja2.compiler
import markupsafe

from flowdocs.errors import FlowdocsError
from flowdocs.write.escaping import (
    Md,
    code,
    comment,
    heading,
    inline_markdown,
    join,
    plain_text,
    shell_word,
    text,
    verbatim,
)

PACKAGED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class TemplateProblem(FlowdocsError):
    """A template that cannot be loaded or rendered, located in its file."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.line = line
        where = file if line is None else f"{file}:{line}"
        super().__init__(f"{where}: error: {message}" if file else f"error: {message}")


def environment(override: str | os.PathLike[str] | None = None) -> jinja2.Environment:
    """A Jinja2 environment over the override folder (if any) and the packaged templates."""
    search = [os.fspath(override)] if override is not None else []
    if override is not None and not Path(override).is_dir():
        raise TemplateProblem("no such template folder", os.fspath(override))
    env = _Environment(
        loader=jinja2.FileSystemLoader([*search, os.fspath(PACKAGED_TEMPLATES)]),
        undefined=jinja2.StrictUndefined,
        # `finalize` escapes every value for Markdown and HTML; autoescape then keeps what
        # templates and macros produce (markupsafe.Markup) and trusted Markdown (Md) as is.
        autoescape=True,
        finalize=_escape_by_default,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(code=code, text=text, heading=heading, inline_markdown=inline_markdown,
                       mdjoin=join,
                       plural=plural, comment=comment, verbatim=verbatim, shell=shell_word)
    return env


def render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render template `name`; any Jinja problem becomes a TemplateProblem with its place."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateProblem(error.message or "syntax error", _shown(error.filename or name),
                              error.lineno) from None
    except jinja2.TemplateNotFound as error:
        raise TemplateProblem(f"template '{error.name}' not found") from None
    except jinja2.TemplateError as error:
        file, line = _template_frame(error, name)
        raise TemplateProblem(str(error), file, line) from None


def template_files(env: jinja2.Environment) -> list[Path]:
    """Every template the environment can see, for watching while serving."""
    loader = env.loader
    assert isinstance(loader, jinja2.FileSystemLoader)
    return [Path(p) for p in loader.searchpath]


def plural(count: int, singular: str, many: str | None = None) -> str:
    """`3 flows`, `1 flow`, `no flows`."""
    word = singular if count == 1 else (many or singular + "s")
    return f"{'no' if count == 0 else count} {word}"


_TRUSTED = (Md, markupsafe.Markup)


def _escape_by_default(value: Any) -> str:
    """What `{{ value }}` prints: trusted Markdown and template output as they are, anything
    else escaped for Markdown and HTML (which makes it trusted)."""
    if isinstance(value, _TRUSTED):
        return value
    if value is None:
        return ""
    return text(value)


def _printed(value: Any) -> str:
    """`escape(_escape_by_default(value))` as a plain str: the same text, without the calls
    and objects that only mark it as safe (see _PrintedOutput)."""
    if isinstance(value, _TRUSTED):
        return value
    if value is None:
        return ""
    return plain_text(value)


class _PrintedOutput(jinja2.compiler.CodeGenerator):
    """Compiles `{{ value }}` to `environment.printed(value)` where Jinja would write
    `escape(environment.finalize(value))`.

    Printing values is most of the cost of rendering a page, and markupsafe's `escape` of a
    value that `_escape_by_default` made safe changes nothing but its type: it only adds
    calls, and a `Markup` object per value. Anywhere else (autoescape switched off, or
    decided at run time by `{% autoescape %}`) Jinja's own code is kept.
    """

    def _output_child_pre(self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame,
                          finalize: Any) -> None:
        if _escaped_and_finalized(frame, finalize):
            self.write("environment.printed(")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame,
                           finalize: Any) -> None:
        if _escaped_and_finalized(frame, finalize):
            self.write(")")
        else:
            super()._output_child_post(node, frame, finalize)


def _escaped_and_finalized(frame: jinja2.compiler.Frame, finalize: Any) -> bool:
    """Whether Jinja would print a value as `escape(environment.finalize(value))`."""
    return (finalize.src == "environment.finalize(" and frame.eval_ctx.autoescape is True
            and not frame.eval_ctx.volatile)


class _Environment(jinja2.Environment):
    """Jinja's environment, which prints values with `printed` (see _PrintedOutput)."""

    code_generator_class = _PrintedOutput
    printed = staticmethod(_printed)


def _template_frame(error: Exception, name: str) -> tuple[str, int | None]:
    """The template file and line of a render-time error, from Jinja's rewritten traceback."""
    traceback = error.__traceback__
    found: tuple[str, int | None] = (name, None)
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (_shown(filename), traceback.tb_lineno)
        traceback = traceback.tb_next
    return found


def _shown(filename: str) -> str:
    """A template path relative to the working folder when it lies inside it."""
    try:
        return os.path.relpath(filename) if Path(filename).is_absolute() and \
            Path(filename).resolve().is_relative_to(Path.cwd()) else filename
    except ValueError:
        return filename
