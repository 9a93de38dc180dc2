"""`plugins: [flowdocs]`: the design pages inside `mkdocs build` and `mkdocs serve`.

A thin adapter over `flowdocs.write.site`, as Material's plugins are over their cores: pages are
added as generated files (never written into `docs_dir`, which would make `mkdocs serve`
rebuild forever), designs (and the bases they extend) and templates are watched while
serving, warnings go through the MkDocs logger so that `--strict` counts them, and errors
are `PluginError`s naming the design.
When no input changed since the last build, the last generation is reused (`site_cache`).
MkDocs 2 drops plugins; `flowdocs build` writes the same pages for any engine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files

from flowdocs.errors import FlowdocsError
from flowdocs.files import DESIGN_SUFFIXES
from flowdocs.load.diagnostics import DesignErrors
from flowdocs.write import site_cache

log = get_plugin_logger(__name__)


class FlowdocsConfig(base.Config):
    enabled = c.Type(bool, default=True)
    designs = c.Type(str, default="designs")
    templates = c.Optional(c.Type(str))
    output = c.Type(str, default="designs/")
    cache_dir = c.Type(str, default=".flowdocs-cache")
    schema_page = c.Optional(c.Type(str))
    # Like mkdocs' own `validation` levels: `warn` makes `--strict` fail on a design warning;
    # `info` keeps the build green when designs show their findings on purpose (a showcase).
    design_warnings = c.Choice(("warn", "info"), default="warn")


class FlowdocsPlugin(BasePlugin[FlowdocsConfig]):
    """Generates one page per design, the designs' index and, optionally, the design-format
    reference."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        root = Path(config.config_file_path or ".").resolve().parent
        self.root = root
        self.designs = _near(root / self.config.designs)
        self.templates = _near(root / self.config.templates) if self.config.templates else None
        self.cache = root / self.config.cache_dir
        self.generated = self._generate()
        report = log.warning if self.config.design_warnings == "warn" else log.info
        for warning in self.generated.warnings:
            report(warning)
        index = f"{_prefix(self.config.output)}index.md"
        pages = [uri for uri in self.generated.pages if uri != index
                 and uri != self.config.schema_page]
        config.nav = expand_nav(config.nav, index, pages)
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return files
        generated = [File.generated(config, uri, content=text)
                     for uri, text in self.generated.pages.items()]
        generated += [File.generated(config, uri, abs_src_path=path)
                      for uri, path in sorted(self.generated.diagrams.items())]
        for file in generated:
            if files.get_file_from_path(file.src_uri) is not None:
                raise PluginError(f"flowdocs: {file.src_uri} is generated from the designs, "
                                  f"but docs_dir has a file with that name; remove it")
            files.append(file)
        return files

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        if self.config.enabled:
            for folder in (self.designs, self.templates):
                if folder is not None:
                    server.watch(os.fspath(folder))
            designs = self.designs.resolve()
            for path in self.generated.inputs:  # bases that variants extend from elsewhere
                if not Path(path).is_relative_to(designs):
                    server.watch(path)
        return server

    def _generate(self) -> site_cache.CachedSite:
        """The pages, diagrams and warnings: from the cache when no input changed."""
        folder = self.cache / "site"
        key = site_cache.input_key(
            {"plugin": dict(self.config), "root": str(self.root), "designs": str(self.designs)},
            [(self.designs, DESIGN_SUFFIXES), (self.templates, None)])
        cached = site_cache.load(folder, key)
        if cached is None:
            cached = _generate(self, folder)
            site_cache.store(folder, key, cached)
        return cached


def _generate(plugin: FlowdocsPlugin, folder: Path) -> site_cache.CachedSite:
    # Imported here: a warm build served from the cache never needs them (site_cache.py).
    from flowdocs.write import site
    from flowdocs.write.schemadoc import format_context
    from flowdocs.write.templating import environment, render

    options = site.SiteOptions(designs=(plugin.designs,), templates=plugin.templates,
                               prefix=_prefix(plugin.config.output), base_dir=plugin.root,
                               cache_dir=plugin.cache)
    try:
        generated = site.prepare(options)
        pages = {p.uri: p.markdown for p in generated.pages}
        if plugin.config.schema_page:
            pages[plugin.config.schema_page] = render(environment(plugin.templates),
                                                      "design-format.md.j2", format_context())
        diagrams = site.render_diagrams(generated, folder)
    except FlowdocsError as error:
        raise PluginError(plugin_message(error)) from None
    return site_cache.CachedSite(pages, {uri: os.fspath(p) for uri, p in diagrams.items()},
                                 generated.warnings, site_cache.file_hashes(generated.inputs))


def plugin_message(error: FlowdocsError) -> str:
    """A user error as the one `PluginError` message MkDocs shows."""
    if isinstance(error, DesignErrors):
        return "flowdocs: the designs have errors:\n" + "\n".join(error.lines())
    return "flowdocs: " + "\n".join(line.removeprefix("flowdocs: ") for line in error.lines())


def expand_nav(nav: Any, index_uri: str, page_uris: list[str]) -> Any:
    """Turn the nav entry that names the designs' index into a section that lists every
    design page after it. A nav without that entry (or no nav) is returned unchanged."""
    if isinstance(nav, list):
        return [expand_nav(item, index_uri, page_uris) for item in nav]
    if isinstance(nav, dict):
        return {title: ([value, *page_uris] if value == index_uri
                        else expand_nav(value, index_uri, page_uris))
                for title, value in nav.items()}
    return nav


def _prefix(output: str) -> str:
    """`designs`, `designs/` and `/designs/` all mean pages under designs/; '' is the root."""
    stripped = output.strip("/")
    return f"{stripped}/" if stripped else ""


def _near(path: Path) -> Path:
    """A path relative to the working folder when inside it: messages stay short, and
    nothing absolute reaches a page."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
