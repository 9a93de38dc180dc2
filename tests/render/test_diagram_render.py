"""Diagrams rendered for real with Graphviz's `dot`: valid, byte-identical, self-contained SVG,
no label overflowing its box, the cache (and what it refuses to trust), the batch and the
CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
from tests_support import DESIGNS, EXAMPLES, ROOT, run_cli

from flowdocs.analyse.resolved import resolve_designs
from flowdocs.errors import FlowdocsError
from flowdocs.render import designs as designs_module
from flowdocs.render import dot_source, render_resolution, render_resolutions
from flowdocs.render.cache import Cache, content_key
from flowdocs.render.designs import known_parts
from flowdocs.render.graphviz import RenderOptions, finish_png, png_size, render_dot
from flowdocs.render.icons import icon_root
from flowdocs.render.workers import Workers
from flowdocs.write.templating import TemplateProblem

# Graphviz measures text with Pango, and cairo draws it within that width (measured on the
# PNGs); a little slack keeps the check honest for other font builds.
RENDER_SLACK = 1.02


@pytest.fixture(scope="module")
def resolutions():
    return [r.resolution for r in resolve_designs([DESIGNS])]


@pytest.fixture(scope="module")
def rendered(resolutions, tmp_path_factory) -> tuple[Path, Path]:
    """Every example design rendered twice, into two folders, without a cache: each run a
    fresh `dot` per diagram, in parallel."""
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    for out in (first, second):
        result = render_resolutions(resolutions, out, formats=("png", "svg"),
                                    show_progress=False)
        assert result.rendered == len(resolutions)
    return first, second


@pytest.mark.parametrize("design", EXAMPLES, ids=lambda p: p.stem)
def test_png_is_valid_and_byte_identical_across_runs(design, rendered):
    first, second = (folder / f"{design.stem}.png" for folder in rendered)
    data = first.read_bytes()
    assert data == second.read_bytes()
    width, height = png_size(data)
    assert 400 < width < 3000 and 200 < height < 2000
    chunks = _png_chunks(data)  # no text or time chunk: nothing that differs between runs
    assert chunks[0] == "IHDR" and chunks[-1] == "IEND" and "IDAT" in chunks
    assert set(chunks) <= {"IHDR", "bKGD", "IDAT", "IEND"}
    idat = b"".join(_png_chunk_data(data, "IDAT"))
    assert len(zlib.decompress(idat)) > width * height  # decodes; 3-4 bytes per pixel


@pytest.mark.parametrize("design", EXAMPLES, ids=lambda p: p.stem)
def test_svg_is_valid_self_contained_and_byte_identical(design, rendered):
    first, second = (folder / f"{design.stem}.svg" for folder in rendered)
    text = first.read_text(encoding="utf-8")
    assert text == second.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    images = root.findall(".//{http://www.w3.org/2000/svg}image")
    assert images, "the icons are drawn"
    for image in images:
        assert image.get("{http://www.w3.org/1999/xlink}href").startswith(
            "data:image/png;base64,")
    for leak in (str(ROOT), "/usr/", "site-packages", "resources/", "file:", ".png\"", "<!--"):
        assert leak not in text
    ids = re.findall(r' id="([^"]+)"', text)
    assert len(ids) == len(set(ids)), "ids are unique"
    assert any(i.startswith("w_7e") for i in ids), "node ids come from the design's names"


def test_svg_does_not_depend_on_the_png_dpi(resolutions):
    dot = dot_source(resolutions[1])
    at_96 = render_dot(dot, RenderOptions(("svg",), 96))["svg"]
    at_150 = render_dot(dot, RenderOptions(("svg",), 150))["svg"]
    assert at_96 == at_150


def test_print_options_give_a_larger_png_and_a_reproducible_pdf(resolutions):
    dot = dot_source(resolutions[2])
    web = render_dot(dot, RenderOptions(("png",), 96))["png"]
    first = render_dot(dot, RenderOptions(("png", "pdf"), 180))
    second = render_dot(dot, RenderOptions(("pdf",), 180))
    assert png_size(first["png"])[0] == pytest.approx(png_size(web)[0] * 180 / 96, rel=0.02)
    assert first["pdf"].startswith(b"%PDF") and first["pdf"] == second["pdf"]
    assert b"/CreationDate (D:20000101000000Z)" in first["pdf"]


@pytest.mark.parametrize("design", EXAMPLES, ids=lambda p: p.stem)
def test_no_label_overflows_its_box_and_no_edge_label_covers_a_node(design, resolutions):
    (resolution,) = [r for r in resolutions if r.design.name == design.stem]
    layout = _layout(dot_source(resolution))
    boxes = {}
    for obj in layout.get("objects", []):
        if "pos" in obj:  # a node
            x, y = map(float, obj["pos"].split(","))
            half_w, half_h = float(obj["width"]) * 36, float(obj["height"]) * 36
            box = (x - half_w, y - half_h, x + half_w, y + half_h)
            boxes[obj["name"]] = box
            _assert_texts_inside(obj, box, inset=3, what=obj["name"])
        elif "bb" in obj:  # a cluster
            box = tuple(map(float, obj["bb"].split(",")))
            _assert_texts_inside(obj, box, inset=2, what=obj["name"])
    _assert_texts_inside(layout, tuple(map(float, layout["bb"].split(","))), 0, "title")
    for edge in layout.get("edges", []):
        for left, bottom, right, top in _text_rects(edge):
            for name, (x0, y0, x1, y1) in boxes.items():
                overlap = min(right, x1) - max(left, x0), min(top, y1) - max(bottom, y0)
                assert min(overlap) <= 0, f"edge label {edge.get('label')} covers {name}"


def test_cache_hit_renders_nothing_and_rewrites_nothing(resolutions, tmp_path):
    cache_dir, out = tmp_path / "cache", tmp_path / "out"
    files = render_resolution(resolutions[0], out, formats=("png", "svg"), cache_dir=cache_dir)
    assert sorted(files) == ["png", "svg"] and files["png"].name == "a-vm-backup.png"
    stamps = {fmt: path.stat().st_mtime_ns for fmt, path in files.items()}
    again = render_resolutions(resolutions[:1], out, formats=("png", "svg"),
                               cache_dir=cache_dir, show_progress=False)
    assert (again.rendered, again.cached) == (0, 1)
    assert again.files["a-vm-backup"] == files
    assert {fmt: path.stat().st_mtime_ns for fmt, path in files.items()} == stamps


def test_batch_renders_only_what_changed(resolutions, tmp_path):
    cache_dir = tmp_path / "cache"
    cold = render_resolutions(resolutions[:3], tmp_path / "out", cache_dir=cache_dir,
                              workers=2, show_progress=False)
    warm = render_resolutions(resolutions[:4], tmp_path / "out", cache_dir=cache_dir,
                              workers=2, show_progress=False)
    assert (cold.rendered, cold.cached) == (3, 0)
    assert (warm.rendered, warm.cached) == (1, 3)


def test_a_corrupt_cache_entry_is_a_miss(resolutions, tmp_path):
    cache_dir, out = tmp_path / "cache", tmp_path / "out"
    good = render_resolution(resolutions[1], out, cache_dir=cache_dir)["svg"].read_bytes()
    (entry,) = (p for p in (cache_dir / "diagram").rglob("*") if p.is_file())
    entry.write_bytes(good[:len(good) // 2])  # a half-written file, a full disk
    again = render_resolutions(resolutions[1:2], out, cache_dir=cache_dir, show_progress=False)
    assert (again.rendered, again.cached) == (1, 0)
    assert (out / "b-sql-hub-firewall.svg").read_bytes() == entry.read_bytes() == good


def test_png_metadata_chunks_are_dropped():
    png = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", bytes(13)) + _chunk(b"tIME", bytes(7))
           + _chunk(b"IDAT", b"x") + _chunk(b"IEND", b""))
    assert _png_chunks(finish_png(png)) == ["IHDR", "IDAT", "IEND"]


def test_cli_renders_png_and_svg_by_default(tmp_path):
    result = run_cli("render", DESIGNS / "a-vm-backup.yaml", "-o", tmp_path / "out",
                     "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a-vm-backup.png",
                                                                   "a-vm-backup.svg"]


def test_cli_renders_then_finds_everything_cached(tmp_path):
    args = ["render", DESIGNS / "b-sql-hub-firewall.yaml", DESIGNS / "e-hana-forced-tunnelling.yaml",
            "-o", tmp_path / "out", "--cache-dir", tmp_path / "cache", "--format", "png,svg,pdf"]
    result = run_cli(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.endswith(f"2 diagram(s) in {tmp_path / 'out'}: 2 rendered, "
                                  "0 unchanged (cached)\n")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"{name}.{fmt}" for name in ("b-sql-hub-firewall", "e-hana-forced-tunnelling")
        for fmt in ("pdf", "png", "svg")]
    assert run_cli(*args).stderr.endswith("0 rendered, 2 unchanged (cached)\n")


def test_cli_without_graphviz_says_so_in_one_line(tmp_path, monkeypatch):
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no `dot` anywhere
    result = run_cli("render", DESIGNS / "a-vm-backup.yaml", "-o", tmp_path / "out",
                     "--cache-dir", tmp_path / "cache")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == ("flowdocs: error: Graphviz's `dot` was not found on PATH; "
                             "install Graphviz (`make system-deps` does it on Debian and "
                             "Ubuntu)\n")
    assert not (tmp_path / "out").exists()


def test_a_failing_dot_is_one_error_line_with_its_message():
    with pytest.raises(FlowdocsError) as caught:
        render_dot("digraph { a -> }", RenderOptions(("svg",)))
    (line,) = caught.value.lines()
    assert re.fullmatch(r"flowdocs: error: dot failed \(exit status 1\): Error: <stdin>: "
                        r"syntax error in line 1 near '}'.*", line)


def test_cli_rejects_an_unknown_format(tmp_path):
    result = run_cli("render", DESIGNS / "b-sql-hub-firewall.yaml", "--format", "png,gif")
    assert result.exit_code == 2
    assert ("Invalid value for '--format': expected a comma-separated list of png, svg, pdf, "
            "but received: 'png,gif'") in result.stderr


def _layout(dot: str) -> dict:
    run = subprocess.run(["dot", "-Tjson", f"-Gimagepath={icon_root()}"], input=dot,
                         capture_output=True, text=True, check=True)
    return json.loads(run.stdout)


def _text_rects(obj: dict) -> list[tuple[float, float, float, float]]:
    """Each text of an object's label as drawn, widened by RENDER_SLACK from its anchor."""
    rects, size = [], 14.0
    for op in obj.get("_ldraw_", []):
        if op.get("op") == "F":
            size = float(op["size"])
        if op.get("op") != "T":
            continue
        x, y = op["pt"]
        width = float(op["width"])
        drawn = width * RENDER_SLACK
        left = {"l": x, "c": x - drawn / 2, "r": x - drawn}[op["align"]]
        rects.append((left, y - size * 0.25, left + drawn, y + size * 0.75))
    return rects


def _assert_texts_inside(obj: dict, box: tuple[float, ...], inset: float, what: str) -> None:
    x0, _, x1, _ = box
    for left, _, right, _ in _text_rects(obj):
        assert left >= x0 + inset and right <= x1 - inset, f"a label overflows {what}"


def _png_chunks(data: bytes) -> list[str]:
    names, offset = [], 8
    while offset < len(data):
        length = int.from_bytes(data[offset:offset + 4], "big")
        names.append(data[offset + 4:offset + 8].decode("ascii"))
        offset += 12 + length
    return names


def _png_chunk_data(data: bytes, name: str) -> list[bytes]:
    found, offset = [], 8
    while offset < len(data):
        length = int.from_bytes(data[offset:offset + 4], "big")
        if data[offset + 4:offset + 8] == name.encode():
            found.append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    return found


def _chunk(name: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(name + body).to_bytes(4, "big")
    return len(body).to_bytes(4, "big") + name + body + crc


def test_warm_run_loads_nothing_and_a_changed_design_renders_alone(tmp_path, monkeypatch):
    designs = tmp_path / "designs"
    designs.mkdir()
    for name in ("c-sql-storage-service-endpoint", "b-sql-hub-firewall"):
        (designs / f"{name}.yaml").write_text((DESIGNS / f"{name}.yaml").read_text())
    args = ["render", designs, "-o", tmp_path / "out", "--cache-dir", tmp_path / "cache"]
    cold = run_cli(*args)
    warnings = [line for line in cold.stderr.splitlines() if ": warning: " in line]
    assert warnings and cold.stderr.endswith("2 rendered, 0 unchanged (cached)\n")

    def no_loading(paths):
        raise AssertionError("a warm run loads no design")

    with monkeypatch.context() as patch:
        patch.setattr(designs_module, "draw_design", no_loading)
        warm = run_cli(*args)
    assert warm.stderr.splitlines() == [*warnings, f"2 diagram(s) in {tmp_path / 'out'}: "
                                        "0 rendered, 2 unchanged (cached)"]
    changed = designs / "b-sql-hub-firewall.yaml"
    changed.write_text(changed.read_text().replace("title: \"(b)", "title: \"(b2)"))
    assert run_cli(*args).stderr.endswith("1 rendered, 1 unchanged (cached)\n")


def test_a_failing_design_stops_the_run_before_anything_is_written(tmp_path):
    designs = tmp_path / "designs"
    designs.mkdir()
    good = (DESIGNS / "b-sql-hub-firewall.yaml").read_text()
    (designs / "a-good.yaml").write_text(good)
    (designs / "b-same-name.yaml").write_text(good)
    (designs / "c-broken.yaml").write_text(good.replace("vnets:", "vnetz:", 1))
    expected = run_cli("validate", designs)
    result = run_cli("render", designs, "-o", tmp_path / "out", "--cache-dir",
                     tmp_path / "cache")
    assert result.exit_code == expected.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors == [line for line in expected.stderr.splitlines() if ": error: " in line]
    assert any("is already used by" in line for line in errors)
    assert any(line.startswith(str(designs / "c-broken.yaml")) for line in errors)
    assert not (tmp_path / "out").exists()


def _base_and_variant(folder: Path) -> tuple[Path, Path]:
    folder.mkdir()
    for name in ("b-sql-hub-firewall", "c-sql-storage-service-endpoint"):
        shutil.copy(DESIGNS / f"{name}.yaml", folder)
    return folder / "b-sql-hub-firewall.yaml", folder / "c-sql-storage-service-endpoint.yaml"


def test_a_variant_whose_base_changed_is_drawn_again(tmp_path):
    base, variant = _base_and_variant(tmp_path / "designs")
    args = ["render", variant, "-o", tmp_path / "out", "--cache-dir", tmp_path / "cache",
            "--format", "svg"]
    assert run_cli(*args).stderr.endswith("1 rendered, 0 unchanged (cached)\n")
    assert "10.1.1.4" in (tmp_path / "out/c-sql-storage-service-endpoint.svg").read_text()
    base.write_text(base.read_text().replace("ip: 10.1.1.4", "ip: 10.1.1.5"))
    # Only the base changed: the variant's own file is the same bytes.
    assert run_cli(*args).stderr.endswith("1 rendered, 0 unchanged (cached)\n")
    svg = (tmp_path / "out/c-sql-storage-service-endpoint.svg").read_text()
    assert "10.1.1.5" in svg and "10.1.1.4" not in svg
    assert run_cli(*args).stderr.endswith("0 rendered, 1 unchanged (cached)\n")


def test_a_cache_entry_naming_another_folder_is_ignored(tmp_path):
    designs = tmp_path / "project/designs"
    designs.mkdir(parents=True)
    shutil.copy(DESIGNS / "a-vm-backup.yaml", designs)
    cache_dir, out = tmp_path / "project/cache", tmp_path / "project/out"
    args = ["render", designs, "-o", out, "--cache-dir", cache_dir, "--format", "svg"]
    assert run_cli(*args).exit_code == 0
    path = os.fspath(designs / "a-vm-backup.yaml")
    cache = Cache(cache_dir)
    key, entry = cache.recall("design", known_parts(path, _digest(path)))
    for name in ("../../../escaped", "/tmp/escaped", "Escaped"):
        cache.write_json("design", key, {**entry, "name": name})
        result = run_cli(*args)
        assert result.stderr.endswith("0 rendered, 1 unchanged (cached)\n"), result.stderr
        assert sorted(p.name for p in out.iterdir()) == ["a-vm-backup.svg"]
    assert not [p for p in tmp_path.rglob("*scaped*")]


def test_a_key_that_is_not_a_sha256_digest_names_no_entry(tmp_path):
    cache = Cache(tmp_path / "cache")
    (tmp_path / "secret").write_text("{}")
    for key in ("../../secret", "../" * 4 + "x" * 52, "A" * 64, "ab", content_key("x")[:-1]):
        assert cache.read("design", key) is None
        assert cache.read_json("page", key) is None
        with pytest.raises(ValueError):
            cache.path("design", key)
    assert cache.read("nonsense", content_key("x")) is None


def _digest(path: str) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _fails_in_a_worker(name: str) -> str:
    raise TemplateProblem(f"'{name}' is undefined", "design.md.j2", 3)


def test_an_error_in_a_worker_process_reaches_the_caller_as_itself():
    with Workers(2) as workers, pytest.raises(TemplateProblem) as caught:
        list(workers.run(_fails_in_a_worker, ["a", "b"]))
    assert str(caught.value) in {f"design.md.j2:3: error: '{name}' is undefined"
                                 for name in ("a", "b")}
    assert (caught.value.file, caught.value.line) == ("design.md.j2", 3)
