"""The built site works offline and from file://: no page or stylesheet makes the browser
fetch anything from the network, and the plugin brings its own stylesheet to any MkDocs
project."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml
from tests_support import ROOT

from flowdocs.files import packaged_text

from .test_site import ARTICLE, make_project, mkdocs

REMOTE = r"(?:https?:)?//"
# A tag's attributes that make the browser fetch: scripts, stylesheets, icons, images, media.
FETCHING = re.compile(r"\b(src|href|srcset|poster|data|background)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)",
                      re.IGNORECASE)
TAG = re.compile(r"<(?!a[\s>])([a-zA-Z][\w:-]*)\b([^>]*)>")
CSS_FETCH = re.compile(rf"url\(\s*[\"']?{REMOTE}|@import\s+(?:url\(\s*)?[\"']?{REMOTE}",
                       re.IGNORECASE)


def remote_fetches(site: Path) -> list[str]:
    """Every reference to the network that a browser would follow by itself, as `FILE: what`:
    in any tag but a link (`<a>`, which only the reader follows) and `<link rel=canonical>`,
    and in stylesheets, inline styles and SVG files. Scripts are not searched: Material's
    bundle names CDN addresses for features it loads only when a page uses them (Mermaid
    diagrams, a polyfill for browsers without ResizeObserver), and this site uses neither."""
    found: list[str] = []
    for path in sorted(site.rglob("*")):
        if path.suffix in (".html", ".svg"):
            markup = path.read_text(encoding="utf-8")
            for tag, attributes in TAG.findall(markup):
                if tag.lower() == "link" and re.search(r"rel=\"?canonical", attributes):
                    continue
                for name, value in FETCHING.findall(attributes):
                    if re.search(rf"(?:^|[\s,\"']){REMOTE}", value):
                        found.append(f"{path.relative_to(site)}: <{tag} {name}={value}>")
            found += [f"{path.relative_to(site)}: {m.group(0)}" for m in CSS_FETCH.finditer(markup)]
        elif path.suffix == ".css":
            found += [f"{path.relative_to(site)}: {m.group(0)}"
                      for m in CSS_FETCH.finditer(path.read_text(encoding="utf-8"))]
    return found


def test_the_example_site_fetches_nothing_from_the_network(tmp_path, diagram_cache):
    """This repository's own site, built as `make site` builds it (into tmp_path, with the
    session's cache)."""
    for folder in ("docs", "designs", "examples"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    flowdocs = next(p["flowdocs"] for p in config["plugins"] if isinstance(p, dict)
                    and "flowdocs" in p)
    flowdocs["cache_dir"] = str(diagram_cache)
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = mkdocs(tmp_path)
    assert result.returncode == 0, result.stderr
    site = tmp_path / "site"
    assert remote_fetches(site) == []
    # Search runs from file://: the offline plugin's index, and the worker shim kept locally.
    home = (site / "index.html").read_text()
    assert '<script src="javascripts/iframe-worker-shim.js"></script>' in home
    assert (site / "javascripts/iframe-worker-shim.js").is_file()
    assert (site / "search/search_index.js").is_file()
    assert '<link rel="stylesheet" href="assets/flowdocs/flowdocs.css">' in home


def test_remote_fetches_finds_scripts_stylesheets_fonts_and_images(tmp_path):
    """The check above finds what it looks for, and leaves links alone."""
    (tmp_path / "page.html").write_text(
        '<a href="https://example.com/">a link</a>\n'
        '<script src="https://unpkg.com/iframe-worker/shim"></script>\n'
        "<link rel=stylesheet href=//fonts.googleapis.com/css>\n"
        '<img alt="x" srcset="local.png 1x, https://cdn.example.com/x.png 2x">\n'
        '<link rel="canonical" href="https://example.com/page.html">\n'
        '<div style="background: url(https://example.com/bg.png)"></div>\n')
    (tmp_path / "style.css").write_text(
        "@import url('https://fonts.googleapis.com/css?family=Roboto');\n"
        'a { background: url("data:image/svg+xml,<svg xmlns=\'http://www.w3.org/2000/svg\'/>") }\n')
    assert remote_fetches(tmp_path) == [
        "page.html: <script src=\"https://unpkg.com/iframe-worker/shim\">",
        "page.html: <link href=//fonts.googleapis.com/css>",
        "page.html: <img srcset=\"local.png 1x, https://cdn.example.com/x.png 2x\">",
        "page.html: url(https://",
        "style.css: @import url('https://",
    ]


def test_a_project_without_stylesheets_gets_the_plugins_own(tmp_path, diagram_cache):
    root = make_project(tmp_path, ARTICLE[:2], diagram_cache, "      design_warnings: info\n")
    assert not any(p.suffix == ".css" for p in root.rglob("*"))
    result = mkdocs(root)
    assert result.returncode == 0, result.stderr
    site = root / "site"
    assert (site / "assets/flowdocs/flowdocs.css").read_text() == \
        packaged_text("assets/flowdocs.css")
    for page, prefix in (("index.html", ""), ("designs/index.html", "../"),
                         ("designs/b-sql-hub-firewall.html", "../")):
        html = (site / page).read_text()
        link = f'<link rel="stylesheet" href="{prefix}assets/flowdocs/flowdocs.css">'
        assert html.count(link) == 1, page
        # After the theme's own stylesheets, so that its rules win over the theme's.
        assert html.index(link) > html.index(f'href="{prefix}assets/stylesheets/main.'), page
    assert "white-space: nowrap" in (site / "assets/flowdocs/flowdocs.css").read_text()
