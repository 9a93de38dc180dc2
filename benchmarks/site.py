"""The site build of 50 generated designs through the flowdocs plugin, each figure against
its floor: what the same site costs without flowdocs' own work.

- Cold: `mkdocs build` (fresh process, empty flowdocs cache) against a plain `mkdocs build`
  of the very same generated pages plus every diagram's `dot -Tsvg`, one per core at a time.
- Warm: the same build with nothing changed against the plain build.
- Serve: one design changed while `mkdocs serve` runs, which rebuilds the whole site in its
  own process with a freshly loaded config, against that design's `dot -Tsvg` plus the same
  in-process rebuild of the plain project.

The plain project holds the pages `flowdocs build` writes (Markdown and diagram files, in
whatever formats the site uses), with the same theme, extensions, plugins and nav. The runs
are interleaved, each round alternating which side goes first, and each figure is the best of
its rounds, so that the machine's drift hits both sides alike.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks.render import DESIGNS, _write_designs, dot_all, dot_one
from benchmarks.report import Section
from flowdocs.analyse.resolved import resolve_designs
from flowdocs.render import dot_source

ROOT = Path(__file__).resolve().parent.parent
# Rounds (best of), and the subnets per spoke of the generated designs (1 to N, cycled).
# A plain `mkdocs build` of issue 3's designs (N = 10: 23 MB of Markdown, five pages of 2.4 MB)
# takes two minutes on 2 cores, and the section needs 5 x ROUNDS + 2 builds: N = 2 (4 MB)
# keeps `make bench` within ten minutes, with the same spokes, edges and collapsed diagrams.
ROUNDS = int(os.environ.get("FLOWDOCS_BENCH_ROUNDS", "3"))
MAX_SUBNETS = int(os.environ.get("FLOWDOCS_BENCH_SUBNETS", "2"))
TARGETS = {"cold": 1.15, "warm": 1.10, "serve": 1.20}
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
CACHE = ".flowdocs-cache"
DIAGRAM_SUFFIXES = (".svg", ".png", ".pdf")

# What `mkdocs serve` does (mkdocs/commands/serve.py), minus the HTTP server and the file
# watcher: a config loaded, `on_startup(command="serve")`, the site URL set to the server's,
# and a first build; then, for each change, a freshly loaded config and a whole build (not
# dirty), in the same process. Plugins that define `on_startup` keep their instance across
# the loads, as they do in serve. The session reads one change per line on stdin (a JSON list
# of [file, old text, new text], the old text not followed by a digit), makes it, times the
# config load and build (what a writer waits for after saving), prints the seconds, and puts
# the files back as they were, so that builds outside the session see the original designs;
# every change differs from the one before, so every timed build sees a changed design.
SERVE_SCRIPT = r"""
import json, re, shutil, sys, tempfile, time
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.livereload import _serve_url

site_dir = tempfile.mkdtemp(prefix="mkdocs_")


def get_config():
    return load_config(config_file=None, site_dir=site_dir)


config = get_config()
config.plugins.on_startup(command="serve", dirty=False)
try:
    host, port = config.dev_addr
    serve_url = _serve_url(host, port, urlsplit(config.site_url or "/").path)
    config.site_url = serve_url
    build(config, serve_url=serve_url, dirty=False)
    print("ready", flush=True)
    for line in sys.stdin:
        originals = {}
        try:
            for name, old, new in json.loads(line):
                path = Path(name)
                text = originals.setdefault(name, path.read_text(encoding="utf-8"))
                changed = re.sub(re.escape(old) + "(?![0-9])", lambda m: new, text)
                if changed == text:
                    raise SystemExit(f"{name}: no {old!r} to change")
                path.write_text(changed, encoding="utf-8")
            start = time.perf_counter()
            rebuild = get_config()
            rebuild.site_url = serve_url
            build(rebuild, serve_url=serve_url, dirty=False)
            seconds = time.perf_counter() - start
        finally:
            for name, text in originals.items():
                Path(name).write_text(text, encoding="utf-8")
        print(seconds, flush=True)
finally:
    config.plugins.on_shutdown()
    shutil.rmtree(site_dir, ignore_errors=True)
"""


class Session:
    """A serve session in its own process (SERVE_SCRIPT), started with its first build."""

    def __init__(self, project: Path, log: Path) -> None:
        self.project, self.log = project, log
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE_SCRIPT], cwd=project, env=ENV, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log.open("w"))

    def _reply(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            raise RuntimeError(f"the serve session in {self.project} failed:\n"
                               + self.log.read_text(errors="replace")[-3000:])
        return line.strip()

    def ready(self) -> None:
        if self._reply() != "ready":
            raise RuntimeError(f"the serve session in {self.project} said something else")

    def rebuild(self, edits: list[list[str]]) -> float:
        """Seconds of the rebuild after the change."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(edits) + "\n")
        self.process.stdin.flush()
        return float(self._reply())

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


@dataclass
class Bench:
    plugin: Path  # the project built through the flowdocs plugin
    plain: Path  # the same pages, no flowdocs plugin
    texts: list[str]  # every design's DOT
    changed: int  # the design changed while serving
    changed_text: str  # its DOT after the change
    scratch: Path

    def edit(self, round_: int) -> tuple[list[list[str]], list[list[str]]]:
        """The serve edit of a round, on the plugin side (the design's title; a new title in
        every round, so the diagram cache never holds the changed diagram) and on the plain
        side (the same title in the generated page and in the index)."""
        old, new = _title(self.changed), _title(self.changed, round_)
        name = f"design-{self.changed:02d}"
        return ([[f"designs/{name}.yaml", f"title: {old}", f"title: {new}"]],
                [[f"docs/designs/{name}.md", old, new], ["docs/designs/index.md", old, new]])


def run() -> Section:
    section = Section(f"Site build: {DESIGNS} generated designs through the plugin")
    with tempfile.TemporaryDirectory(prefix="flowdocs-bench-") as folder:
        bench = _setup(Path(folder))
        times: dict[str, list[float]] = defaultdict(list)
        written, differences = [0, 0], None
        # Builds from the command line: cold, plain, warm; the serve sessions after them.
        for round_ in range(ROUNDS):
            print(f"   builds, round {round_ + 1} of {ROUNDS}", file=sys.stderr)
            _alternate(round_, times, {
                "cold": lambda: _mkdocs_build(bench.plugin, cold=True),
                "plain": lambda: _mkdocs_build(bench.plain),
                "dot_all": lambda: dot_all(bench.texts, bench.scratch / "dot-all")})
            before = _cache_files(bench.plugin / CACHE)
            times["warm"].append(_mkdocs_build(bench.plugin))
            written = [a + b for a, b in zip(written, _written(bench, before), strict=True)]
            if differences is None:
                differences = _compare_sites(bench.plugin / "site", bench.plain / "site")
        site = _site_contents(bench.plugin / "site")
        _serve_rounds(bench, times)
        sizes = sorted(len(t) for t in bench.texts)
        volume = sum(p.stat().st_size for p in (bench.plain / "docs").rglob("*.md"))
    best = {name: min(values) for name, values in times.items()}
    _report(section, best, bench, site, sizes, volume, written, differences or [])
    return section


def _serve_rounds(bench: Bench, times: dict[str, list[float]]) -> None:
    """Both serve sessions start (their first builds, untimed, side by side), then each round
    times a change in each, and the changed diagram's `dot`, in alternating order."""
    sessions = {"serve": Session(bench.plugin, bench.scratch / "serve-plugin.log"),
                "serve_plain": Session(bench.plain, bench.scratch / "serve-plain.log")}
    try:
        for session in sessions.values():
            session.ready()
        for round_ in range(ROUNDS):
            print(f"   serve, round {round_ + 1} of {ROUNDS}", file=sys.stderr)
            plugin_edit, plain_edit = bench.edit(round_ + 1)
            _alternate(round_, times, {
                "serve": lambda: sessions["serve"].rebuild(plugin_edit),  # noqa: B023
                "serve_plain": lambda: sessions["serve_plain"].rebuild(plain_edit),  # noqa: B023
                "dot_one": lambda: dot_one(bench.changed_text, bench.scratch / "one.svg")})
    finally:
        for session in sessions.values():
            session.close()


def _written(bench: Bench, before: dict[str, tuple[int, int]]) -> tuple[int, int]:
    """Files a warm build wrote into the flowdocs cache: diagrams, and all."""
    new = _cache_files(bench.plugin / CACHE).items() - before.items()
    return sum(1 for name, _ in new if name.endswith(DIAGRAM_SUFFIXES)), len(new)


def _setup(scratch: Path) -> Bench:
    plugin, plain = scratch / "plugin", scratch / "plain"
    paths = _write_designs(plugin / "designs", MAX_SUBNETS)
    texts = [dot_source(r.resolution) for r in resolve_designs(paths)]
    # The design changed while serving: the median one by DOT size.
    changed = sorted(range(len(texts)), key=lambda i: len(texts[i]))[len(texts) // 2]
    copy = scratch / "changed" / paths[changed].name
    copy.parent.mkdir()
    copy.write_text(paths[changed].read_text(encoding="utf-8")
                    .replace(f"title: {_title(changed)}\n", f"title: {_title(changed, 1)}\n"),
                    encoding="utf-8")
    changed_text = dot_source(resolve_designs([copy])[0].resolution)
    if changed_text == texts[changed]:
        raise RuntimeError("the serve edit does not change the diagram: pick another edit")

    for project in (plugin, plain):
        _docs(project / "docs", stylesheet=project is plain)
    # The plain project's pages and diagrams: what the plugin generates, written by
    # `flowdocs build` (run from the plugin project, so that pages show the same paths).
    subprocess.run([sys.executable, "-m", "flowdocs", "build", "designs", "-o",
                    str(plain / "docs" / "designs"), "--cache-dir",
                    str(scratch / "cache-flowdocs-build")],
                   cwd=plugin, env=ENV, check=True, capture_output=True)
    shutil.rmtree(scratch / "cache-flowdocs-build", ignore_errors=True)
    pages = sorted(p.relative_to(plain / "docs").as_posix()
                   for p in (plain / "docs" / "designs").glob("*.md") if p.name != "index.md")
    _config(plugin, {"flowdocs": {"designs": "designs", "output": "designs/",
                                  "cache_dir": CACHE, "design_warnings": "info"}},
            "designs/index.md")
    # The nav the plugin makes of the designs' entry: the index, then every design page.
    _config(plain, None, ["designs/index.md", *pages])
    return Bench(plugin, plain, texts, changed, changed_text, scratch)


def _title(index: int, edit: int = 0) -> str:
    return f"Generated design {index}" + (f", edit {edit}" if edit else "")


def _docs(docs: Path, stylesheet: bool) -> None:
    # The plugin adds its own stylesheet; the plain project gets the same file by hand, at
    # the same place in the site, so that the two sites' pages link it alike.
    docs.mkdir(parents=True, exist_ok=True)
    if stylesheet:
        (docs / "assets" / "flowdocs").mkdir(parents=True)
        shutil.copy(ROOT / "flowdocs" / "assets" / "flowdocs.css",
                    docs / "assets" / "flowdocs" / "flowdocs.css")
    (docs / "index.md").write_text(
        "# Generated designs\n\nThe benchmark's site: the generated designs' pages, their "
        "diagrams, and the designs' index with its comparison.\n", encoding="utf-8")


def _config(project: Path, flowdocs: dict[str, object] | None, designs: object) -> None:
    """The example site's theme, extensions and plugins (mkdocs.yml), with or without the
    flowdocs plugin."""
    plugins: list[object] = ["search", "offline"] + ([flowdocs] if flowdocs else [])
    config = {
        "site_name": "flowdocs benchmark", "docs_dir": "docs", "site_dir": "site",
        "use_directory_urls": False,
        "theme": {"name": "material", "font": False,
                  "features": ["navigation.indexes", "navigation.sections", "toc.integrate",
                               "content.code.copy", "search.highlight"]},
        "plugins": plugins,
        "extra_css": [] if flowdocs else ["assets/flowdocs/flowdocs.css"],
        "markdown_extensions": ["admonition", "attr_list", "tables", {"toc": {"permalink": True}},
                                "pymdownx.highlight", "pymdownx.superfences"],
        "nav": [{"Home": "index.md"}, {"Designs": designs}],
        "validation": {"links": {"not_found": "warn", "anchors": "warn",
                                 "unrecognized_links": "warn"}},
    }
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False),
                                        encoding="utf-8")


def _alternate(round_: int, times: dict[str, list[float]],
               runs: dict[str, Callable[[], float]]) -> None:
    """Run each measure once, in turn: in the order given in even rounds, reversed in odd
    ones, so that neither side always runs first."""
    items = list(runs.items())
    for name, function in (items if round_ % 2 == 0 else items[::-1]):
        times[name].append(function())


def _mkdocs_build(project: Path, cold: bool = False) -> float:
    """`mkdocs build` as a user types it: a fresh process, the site folder emptied first;
    cold, with the flowdocs cache removed too."""
    shutil.rmtree(project / "site", ignore_errors=True)
    if cold:
        shutil.rmtree(project / CACHE, ignore_errors=True)
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--quiet"], cwd=project,
                         env=ENV, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        raise RuntimeError(f"mkdocs build failed in {project}:\n{run.stderr}")
    return seconds


def _cache_files(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under the flowdocs cache, with its size and modification time: a file a
    warm build writes shows up as a new or changed entry."""
    if not folder.is_dir():
        return {}
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")
            if p.is_file()}


def _site_contents(site: Path) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for path in (site / "designs").glob("*"):
        counts[path.suffix] += 1
    return counts


def _compare_sites(plugin: Path, plain: Path) -> list[str]:
    """How the two built sites differ: files only one has, and pages whose HTML differs
    (the search index and sitemap aside, which list the same pages in another order)."""
    def files(site: Path) -> dict[str, Path]:
        return {p.relative_to(site).as_posix(): p for p in site.rglob("*") if p.is_file()}

    ours, theirs = files(plugin), files(plain)
    differences = [f"only in the plugin's site: {n}" for n in sorted(ours.keys() - theirs)]
    differences += [f"only in the plain site: {n}" for n in sorted(theirs.keys() - ours)]
    for name in sorted(ours.keys() & theirs.keys()):
        if name.endswith((".html", ".svg", ".png")) and \
                ours[name].read_bytes() != theirs[name].read_bytes():
            differences.append(f"differs: {name}")
    return differences


def _report(section: Section, best: dict[str, float], bench: Bench, site: dict[str, int],
            sizes: list[int], volume: int, written: list[int], differences: list[str]) -> None:
    cold_floor = best["plain"] + best["dot_all"]
    serve_floor = best["dot_one"] + best["serve_plain"]
    ratios = {"cold": best["cold"] / cold_floor, "warm": best["warm"] / best["plain"],
              "serve": best["serve"] / serve_floor}
    formats = ", ".join(f"{count} {suffix.lstrip('.').upper()}"
                        for suffix, count in sorted(site.items()) if suffix != ".html")
    section.add(f"{DESIGNS} generated designs (benchmarks/render.py: 1 to 40 spokes of 1 to "
                f"{MAX_SUBNETS} subnets, some with a Storage service endpoint, a vault private "
                f"endpoint or forced tunnelling; the large ones collapsed in their diagrams, "
                f"DOT texts of {sizes[0] / 1000:.0f} to {sizes[-1] / 1000:.0f} kB), one page "
                f"each and the designs' index ({volume / 2**20:.1f} MB of Markdown), built with "
                f"the example site's theme, extensions and plugins (Material, search, offline). "
                f"The built site's designs/ folder holds {site.get('.html', 0)} pages and "
                f"{formats}. Best of {ROUNDS} interleaved rounds; {os.cpu_count()} cores. "
                f"`FLOWDOCS_BENCH_SUBNETS=10` builds issue 3's full-size designs (23 MB of "
                f"Markdown; about an hour), `FLOWDOCS_BENCH_ROUNDS` sets the rounds.")
    section.add()
    section.table(["measure", "through the plugin", "floor", "ratio", "target", "met"], [
        ["cold site build", f"{best['cold']:.2f} s",
         f"{cold_floor:.2f} s = {best['plain']:.2f} + {best['dot_all']:.2f}",
         f"{ratios['cold']:.2f}x", f"<= {TARGETS['cold']:.2f}x", _met(ratios, "cold")],
        ["warm site build (nothing changed)", f"{best['warm']:.2f} s",
         f"{best['plain']:.2f} s", f"{ratios['warm']:.2f}x", f"<= {TARGETS['warm']:.2f}x",
         _met(ratios, "warm")],
        ["one design changed while serving", f"{best['serve']:.2f} s",
         f"{serve_floor:.2f} s = {best['dot_one']:.2f} + {best['serve_plain']:.2f}",
         f"{ratios['serve']:.2f}x", f"<= {TARGETS['serve']:.2f}x", _met(ratios, "serve")],
    ])
    section.add("The figures (seconds, best of each):")
    section.add()
    section.table(["figure", "seconds"], [
        ["`mkdocs build` through the plugin, empty flowdocs cache (fresh process)",
         f"{best['cold']:.2f}"],
        ["`mkdocs build` through the plugin, designs unchanged (fresh process)",
         f"{best['warm']:.2f}"],
        ["plain `mkdocs build` of the same pages (fresh process)", f"{best['plain']:.2f}"],
        [f"`dot -Tsvg` of all {DESIGNS} diagrams, one process each, {os.cpu_count()} at a "
         "time", f"{best['dot_all']:.2f}"],
        [f"serve: rebuild after design-{bench.changed:02d} changed, through the plugin "
         "(in-process)", f"{best['serve']:.2f}"],
        ["serve: rebuild of the plain project after its page changed (in-process)",
         f"{best['serve_plain']:.2f}"],
        [f"`dot -Tsvg` of design-{bench.changed:02d}'s changed diagram (fresh process)",
         f"{best['dot_one']:.3f}"],
    ])
    diagrams, files = written
    warm_note = ("warm builds wrote nothing into the flowdocs cache" if files == 0 else
                 f"warm builds wrote {files} file(s) into the flowdocs cache, no diagram"
                 if diagrams == 0 else
                 f"**warm builds wrote {diagrams} diagram file(s) into the flowdocs cache**")
    same_note = ("the two built sites hold the same files, and every page's HTML is the same"
                 if not differences else
                 f"**the two built sites differ** ({len(differences)}: "
                 + "; ".join(differences[:5]) + ("; ..." if len(differences) > 5 else "") + ")")
    section.add(f"Checks: {warm_note}; {same_note}.")
    section.add()
    section.add("**Cold site build.** `mkdocs build` in a fresh process, as a user or CI runs "
                "it, with the flowdocs cache and the site folder removed: the plugin loads, "
                "validates and resolves every design, renders every page and every diagram, "
                "and mkdocs builds the site. Its floor is what cannot be avoided: a plain "
                "`mkdocs build` (fresh process) of a project whose docs folder already holds "
                "the very same generated pages and diagram files (written beforehand by "
                "`flowdocs build`, same theme, plugins and nav), plus Graphviz drawing every "
                "diagram, one `dot -Tsvg` process per diagram with the DOT on stdin in the "
                "icons' folder, one per core at a time. The ratio is what flowdocs adds on top: "
                "imports, loading and resolving, page templates, and any rendering it does not "
                "overlap.")
    section.add()
    section.add("**Warm site build.** The same `mkdocs build` right after a build, nothing "
                "changed and the cache full, against the plain build of the same pages. "
                "Nothing should be drawn (the check above counts the files warm builds wrote "
                "into the cache): the ratio is the plugin's cost of finding out that nothing "
                "changed and handing mkdocs the pages and diagrams.")
    section.add()
    section.add(f"**One design changed while serving.** `mkdocs serve` rebuilds the whole site "
                f"in its own process on every change, with a freshly loaded config. Mimicked "
                f"as serve does it (mkdocs/commands/serve.py): one process loads the config, "
                f"runs `on_startup(command=\"serve\")` and a first build with the cache warm; "
                f"then design-{bench.changed:02d} (the median design by DOT size) gets a new "
                f"title, which changes its page, the index and its diagram (a new title every "
                f"round, so the diagram is never in the cache), and the timed part is the "
                f"second config load and build. The floor is that one diagram's `dot -Tsvg` in "
                f"a fresh process plus the same in-process rebuild of the plain project after "
                f"the same title changed in its page and index. The ratio is what the plugin "
                f"adds to a rebuild beyond drawing the one changed diagram: reading, "
                f"resolving and rendering the designs and pages it does not skip.")


def _met(ratios: dict[str, float], name: str) -> str:
    return "yes" if ratios[name] <= TARGETS[name] else "**no**"
