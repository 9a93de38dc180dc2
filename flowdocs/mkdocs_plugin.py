"""`plugins: [flowdocs]`: the design pages inside `mkdocs build` and `mkdocs serve`.

A thin adapter over `flowdocs.write.site`, as Material's plugins are over their cores: pages are
added as generated files (never written into `docs_dir`, which would make `mkdocs serve`
rebuild forever), designs (and the bases they extend) and templates are watched while
serving, warnings go through the MkDocs logger so that `--strict` counts them, and errors
are `PluginError`s naming the design.
Pages, drawings and diagrams come from flowdocs' one cache when their inputs are unchanged.
What changed is made while MkDocs works: `on_config` draws the designs (the navigation needs
their names, `--strict` their warnings), then the pages are made in the background, in the
order MkDocs reads them, and `on_pre_page` hands each one over, waiting if need be; the
diagrams (SVG) are added as the cache's files, render meanwhile, and `on_env`, which runs
before MkDocs copies any file, waits for them.
The pages' stylesheet (`flowdocs/assets/flowdocs.css`: table-heavy pages, names that never
break) ships with the plugin and is added to every site that uses it, before the site's own
`extra_css`, which can override it.
With `effective_routes`, a design's page is verified against real effective route tables
(`flowdocs verify`), and the tables are watched while serving.
With `catalog`, designs use a user's workload types and services (`--catalog FILE`), merged
over the shipped catalog; the file is watched while serving, and a change to it makes the
pages and diagrams anew.
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
from mkdocs.structure.pages import Page

from flowdocs.errors import FlowdocsError
from flowdocs.files import packaged_text
from flowdocs.load.diagnostics import DesignErrors
from flowdocs.write.site import SiteOptions, StartedSite, format_reference, start

log = get_plugin_logger(__name__)

STYLESHEET = "assets/flowdocs/flowdocs.css"  # in the built site; flowdocs/assets/ in the package


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
    # design name -> {VNET/SUBNET: FILE or [FILE, ...]}: real effective route tables (az network
    # nic show-effective-route-table -o json), relative to mkdocs.yml, that the design's page
    # is verified against.
    effective_routes = c.Type(dict, default={})
    # A user's catalog (the shape of flowdocs/data/catalog.yaml), relative to mkdocs.yml,
    # merged over the shipped one: what `--catalog FILE` gives the command line.
    catalog = c.Optional(c.Type(str))


class FlowdocsPlugin(BasePlugin[FlowdocsConfig]):
    """Generates one page per design, the designs' index and, optionally, the design-format
    reference."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        root = Path(config.config_file_path or ".").resolve().parent
        self.designs = _near(root / self.config.designs)
        templates = _near(root / self.config.templates) if self.config.templates else None
        self.templates = templates
        cache = root / self.config.cache_dir
        self.tables = effective_route_files(self.config.effective_routes, root)
        self.catalog = _near(root / self.config.catalog) if self.config.catalog else None
        options = SiteOptions(designs=(self.designs,), templates=templates,
                              prefix=_prefix(self.config.output), base_dir=root,
                              cache_dir=cache, effective_routes=self.tables,
                              catalog=self.catalog)
        try:
            self.site: StartedSite = start(options, in_order=True)
            self.reference = (format_reference(templates, cache)
                              if self.config.schema_page else None)
        except FlowdocsError as error:
            raise PluginError(plugin_message(error)) from None
        report = log.warning if self.config.design_warnings == "warn" else log.info
        for warning in self.site.warnings:
            report(warning)
        index, *pages = self.site.page_uris
        config.nav = expand_nav(config.nav, index, pages)
        if STYLESHEET not in config.extra_css:
            config.extra_css.insert(0, STYLESHEET)
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return files
        # Filled in by on_pre_page. MkDocs reads pages in this order: the index, which needs
        # every design's page made, comes last.
        index, *pages = self.site.page_uris
        generated = [File.generated(config, uri, content="") for uri in [*pages, index]]
        if self.reference is not None and self.config.schema_page:
            generated.append(File.generated(config, self.config.schema_page,
                                            content=self.reference))
        generated += [File.generated(config, uri, abs_src_path=os.fspath(path))
                      for uri, path in sorted(self.site.diagram_files().items())]
        generated.append(File.generated(config, STYLESHEET,
                                        content=packaged_text("assets/flowdocs.css")))
        for file in generated:
            if files.get_file_from_path(file.src_uri) is not None:
                raise PluginError(f"flowdocs: {file.src_uri} is generated from the designs, "
                                  f"but docs_dir has a file with that name; remove it")
            files.append(file)
        return files

    def on_pre_page(self, page: Page, /, *, config: MkDocsConfig, files: Files) -> Page | None:
        if self.config.enabled and page.file.src_uri in self.site.page_uris:
            try:
                page.file.content_string = self.site.markdown(page.file.src_uri)
            except FlowdocsError as error:
                raise PluginError(plugin_message(error)) from None
        return page

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        if self.config.enabled:
            try:
                self.site.wait()  # the diagrams' files exist before MkDocs copies them
            except FlowdocsError as error:
                raise PluginError(plugin_message(error)) from None
        return env

    def on_build_error(self, *, error: Exception) -> None:
        if self.config.enabled and hasattr(self, "site"):
            self.site.close()

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        if self.config.enabled:
            for folder in (self.designs, self.templates):
                if folder is not None:
                    server.watch(os.fspath(folder))
            designs = Path(os.path.abspath(self.designs))
            for path in map(os.path.abspath, self.site.inputs):
                if not Path(path).is_relative_to(designs):  # a base from elsewhere
                    server.watch(path)
            for _, _, table in self.tables:
                server.watch(os.fspath(table))
            if self.catalog is not None:
                server.watch(os.fspath(self.catalog))
        return server


def plugin_message(error: FlowdocsError) -> str:
    """A user error as the one `PluginError` message MkDocs shows."""
    if isinstance(error, DesignErrors):
        return "flowdocs: the designs have errors:\n" + "\n".join(error.lines())
    return "flowdocs: " + "\n".join(line.removeprefix("flowdocs: ") for line in error.lines())


def effective_route_files(option: dict[Any, Any], root: Path
                          ) -> tuple[tuple[str, str, Path], ...]:
    """The `effective_routes` option as (design, VNET/SUBNET, file) triples, files relative
    to `root`; PluginError when it has another shape."""
    triples = []
    for design, subnets in option.items():
        if not isinstance(design, str) or not isinstance(subnets, dict):
            raise PluginError(f"flowdocs: effective_routes: expected a design name with a "
                              f"mapping of VNET/SUBNET to files, found {design!r}")
        for subnet, files in subnets.items():
            listed = [files] if isinstance(files, str) else files
            if not (isinstance(subnet, str) and subnet.count("/") == 1
                    and isinstance(listed, list) and listed
                    and all(isinstance(f, str) and f for f in listed)):
                raise PluginError(f"flowdocs: effective_routes: {design}: expected "
                                  f"VNET/SUBNET: FILE or a list of files, found {subnet!r}")
            triples += [(design, subnet, _near(root / file)) for file in listed]
    return tuple(triples)


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
