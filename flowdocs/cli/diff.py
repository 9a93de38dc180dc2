"""`flowdocs diff`: what a change does to the traffic, for reviews and pull requests."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import click

from flowdocs.analyse.analysis import analyse_resolved
from flowdocs.analyse.diff import Side, diff
from flowdocs.analyse.diff_gates import GateSpecError, check_gates, parse_gates
from flowdocs.analyse.resolved import ResolvedDesign, resolve_designs
from flowdocs.cli.catalog_option import catalog_of, catalog_option
from flowdocs.cli.common import dumps_json
from flowdocs.cli.pricing import price_table, prices_option
from flowdocs.cli.revisions import checked_out
from flowdocs.files import atomic_write
from flowdocs.load.catalog import Catalog
from flowdocs.load.prices import PriceTable
from flowdocs.write.diff_markdown import DEFAULT_MAX_CHARS, diff_markdown
from flowdocs.write.diff_report import diff_document, diff_table

_TAG = re.compile(r"^[A-Za-z0-9._-]{1,40}$")


@dataclass(frozen=True)
class _Source:
    """One side: files or folders in the working tree, or the same paths at a revision."""

    label: str
    paths: tuple[str, ...]
    revision: str | None = None


@click.command("diff")
@click.argument("old")
@click.argument("new", required=False)
@click.option("--path", "design_paths", multiple=True, metavar="PATH",
              help="With revisions: the design files or folders to compare, relative to the "
                   "current folder (repeatable; default: designs).")
@click.option("--format", "output_format", type=click.Choice(["table", "json", "markdown"]),
              default="table", show_default=True,
              help="table: for the terminal; json: every change, for scripts; markdown: a "
                   "pull-request comment.")
@click.option("--fail-on", "fail_on", default="", metavar="GATES",
              help="Exit 1 when the change does any of these: bypass, dropped, denied, "
                   "new-error, cost-increase=N (a month, in the prices' currency) or "
                   "cost-increase=N%. Comma-separated.")
@click.option("--tag", default="", metavar="TAG",
              help="markdown: a name for the comment's hidden marker, so that several "
                   "comments (one per environment) can live on one pull request.")
@click.option("--max-chars", type=click.IntRange(min=1000), default=DEFAULT_MAX_CHARS,
              show_default=True,
              help="markdown: the longest comment; past it the details are left out.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the report to this file (atomically) instead of standard output.")
@prices_option()
@catalog_option()
@click.pass_context
def command(ctx: click.Context, old: str, new: str | None, design_paths: tuple[str, ...],
            output_format: str, fail_on: str, tag: str, max_chars: int, output: str | None,
            prices_file: str | None, catalog_file: str | None) -> None:
    """Show what a change does to the traffic: paths, firewalls, status, access, findings
    and monthly cost, flow by flow. Unchanged flows are not listed.

    OLD and NEW are two design files (compared with each other, whatever their names), two
    folders (designs matched by name), or git revisions: `flowdocs diff main` compares the
    designs at main with the working tree, `flowdocs diff main..HEAD` (or `main HEAD`) two
    revisions. Flows are matched by workload, service and number.

    Exit status: 0, or 1 when a --fail-on gate trips or a design does not load (each
    problem a located line); 2 for a usage error.

    \b
    Examples:
      flowdocs diff designs/b-sql-hub-firewall.yaml designs/c-sql-storage-service-endpoint.yaml
      flowdocs diff main --fail-on bypass,denied,new-error
      flowdocs diff origin/main..HEAD --format markdown --tag prod -o comment.md
      flowdocs diff old-designs/ designs/ --format json --fail-on cost-increase=10%
    """
    try:
        gates = parse_gates(fail_on)
    except GateSpecError as error:
        raise click.BadParameter(str(error), param_hint="--fail-on") from None
    if tag and not _TAG.match(tag):
        raise click.BadParameter("letters, digits, '.', '_' and '-', up to 40",
                                 param_hint="--tag")
    before, after, pair = _sources(old, new, design_paths or ("designs",))
    prices = price_table(prices_file)
    catalog = catalog_of(catalog_file)
    with ExitStack() as stack:
        old_sides = stack.enter_context(_sides(before, prices, catalog))
        new_sides = stack.enter_context(_sides(after, prices, catalog))
        result = diff(old_sides, new_sides, pair=pair)
    results = check_gates(result, gates)
    if output_format == "json":
        report = dumps_json(diff_document(result, results, before.label, after.label)) + "\n"
    elif output_format == "markdown":
        report = diff_markdown(result, results, before.label, after.label, tag, max_chars)
    else:
        report = diff_table(result, results, before.label, after.label)
    if output is None:
        click.echo(report, nl=False)
    else:
        atomic_write(output, report)
    if any(r.failed for r in results):
        ctx.exit(1)


def _sources(old: str, new: str | None, paths: tuple[str, ...]
             ) -> tuple[_Source, _Source, bool]:
    """The two sides, and whether they are two single files to pair."""
    if new is None:
        first, dots, second = old.partition("..")
        if dots:
            return (_Source(first, paths, first), _Source(second or "HEAD", paths,
                                                          second or "HEAD"), False)
        if os.path.exists(old):
            raise click.UsageError("give two design files or folders, or a git revision "
                                   "(flowdocs diff main)")
        return _Source(old, paths, old), _Source("working tree", paths), False
    old_exists, new_exists = os.path.exists(old), os.path.exists(new)
    if not old_exists and not new_exists:
        return _Source(old, paths, old), _Source(new, paths, new), False
    if old_exists != new_exists:
        missing = new if old_exists else old
        raise click.UsageError(f"'{missing}' is neither a file nor a folder; two revisions "
                               "are compared as `flowdocs diff A B` or `A..B`")
    if os.path.isdir(old) != os.path.isdir(new):
        raise click.UsageError("compare two design files, or two folders of designs")
    return _Source(old, (old,)), _Source(new, (new,)), not os.path.isdir(old)


@contextmanager
def _sides(source: _Source, prices: PriceTable, catalog: Catalog) -> Iterator[list[Side]]:
    """The source's designs, loaded, resolved and analysed."""
    if source.revision is None:
        resolved = resolve_designs(source.paths, catalog)
        yield [_side(r, r.path, prices) for r in resolved]
        return
    with checked_out(source.revision, list(source.paths)) as checkout:
        for path in checkout.missing:
            click.echo(f"flowdocs: note: {path} does not exist at {source.revision}: taken "
                       "as holding no design", err=True)
        resolved = resolve_designs([checkout.local(p) for p in checkout.paths], catalog,
                                   display=checkout.display)
        yield [_side(r, r.path, prices) for r in resolved]


def _side(resolved: ResolvedDesign, path: str, prices: PriceTable) -> Side:
    # The designs' own warnings are not repeated: the diff reports the findings that change.
    return Side(analyse_resolved(resolved, prices), path)
