"""What `flowdocs build`, `flowdocs check` and the plugin do when there is nothing to build or
nowhere to write: one line that says why, exit 1, no traceback, and every file left whole.

Tests run as root, for whom a read-only folder is writable: a folder that cannot exist (under
a regular file) is real, while a read-only file system and a full disk are simulated at the
one call that meets them, the opening and the writing of the temporary file."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError
from tests_support import DESIGNS, run_cli

from .test_site import make_project, mkdocs

DESIGN = "a-vm-backup"  # a design without warnings: stderr holds the error alone
SKIPPED_CASE = "X.YAML (extension must be lower-case .yaml, .yml or .json)"
SKIPPED_LINK = "link sub/ (symbolic links to folders are not followed)"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """One design, built into out/ with its own cache; the working folder is the project."""
    (tmp_path / "designs").mkdir()
    shutil.copy(DESIGNS / f"{DESIGN}.yaml", tmp_path / "designs")
    monkeypatch.chdir(tmp_path)
    result = run_cli("build", "designs", "-o", "out", "--cache-dir", "cache")
    assert result.exit_code == 0, result.stderr
    return tmp_path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, hidden temporary files included, by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def full_disk(monkeypatch, folder: Path) -> None:
    """Writing a file under `folder` fails half-way with ENOSPC, as on a full disk."""
    real_fdopen, full = os.fdopen, folder.resolve()

    class FillsUp:
        def __init__(self, stream):
            self.stream = stream

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

        def write(self, data):
            self.stream.write(data[:len(data) // 2])
            self.stream.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def fdopen(fd, *args, **kwargs):
        stream = real_fdopen(fd, *args, **kwargs)
        where = Path(os.readlink(f"/proc/self/fd/{fd}"))
        return FillsUp(stream) if where.is_relative_to(full) else stream

    monkeypatch.setattr(os, "fdopen", fdopen)


def read_only(monkeypatch, folder: Path) -> None:
    """Creating a file under `folder` fails with EROFS, as on a read-only file system."""
    real_mkstemp, frozen = tempfile.mkstemp, folder.resolve()

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir).resolve().is_relative_to(frozen):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(dir))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def retitle(project: Path) -> None:
    """A change to the design: its diagram and page must be written again."""
    design = project / f"designs/{DESIGN}.yaml"
    design.write_text(design.read_text().replace('title: "', 'title: "Changed ', 1))


# No design found


def test_a_folder_without_designs_is_an_error_that_names_what_was_skipped(project):
    before = snapshot(project / "out")
    (project / f"designs/{DESIGN}.yaml").rename(project / "designs/X.YAML")
    (project / "elsewhere").mkdir()
    shutil.copy(DESIGNS / f"{DESIGN}.yaml", project / "elsewhere")
    (project / "designs/sub").symlink_to(project / "elsewhere")
    for verb in ("build", "check"):
        result = run_cli(verb, "designs", "-o", "out", "--cache-dir", "cache")
        assert (result.exit_code, result.stdout) == (1, ""), verb
        assert result.stderr == (f"flowdocs: error: no design files in designs/: skipped "
                                 f"{SKIPPED_CASE}, skipped {SKIPPED_LINK}\n"), verb
    # The pages generated before are all still there, unchanged.
    assert snapshot(project / "out") == before


def test_an_empty_folder_is_an_error_and_removes_nothing(project):
    before = snapshot(project / "out")
    (project / "empty").mkdir()
    result = run_cli("build", "empty", "-o", "out", "--cache-dir", "cache")
    assert (result.exit_code, result.stderr) == (
        1, "flowdocs: error: no design files in empty/: the folder is empty\n")
    assert snapshot(project / "out") == before


def test_designs_that_look_like_designs_are_named_first_and_the_list_is_bounded(project):
    designs = project / "designs"
    (designs / f"{DESIGN}.yaml").rename(designs / "b.Yml")
    (designs / ".hidden.yaml").write_text("flowdocs: 1\n")
    (designs / "gone.json").symlink_to(project / "nowhere.json")
    for name in ("notes.txt", "README.md", "z.yaml.bak", "plan.pdf"):
        (designs / name).write_text("")
    result = run_cli("build", "designs", "-o", "out")
    assert result.stderr == (
        "flowdocs: error: no design files in designs/: skipped .hidden.yaml (hidden: the "
        "name starts with a dot), skipped b.Yml (extension must be lower-case .yaml, .yml or "
        ".json), skipped gone.json (a symbolic link to nothing), skipped README.md (not a "
        ".yaml, .yml or .json file), skipped notes.txt (not a .yaml, .yml or .json file), "
        "and 2 more\n")


def test_the_plugin_reports_a_folder_without_designs(tmp_path, diagram_cache):
    root = make_project(tmp_path, [], diagram_cache)
    (root / "designs/X.YAML").write_text((DESIGNS / f"{DESIGN}.yaml").read_text())
    result = mkdocs(root)
    assert result.returncode == 1
    assert (f"ERROR   -  flowdocs: error: no design files in designs/: skipped "
            f"{SKIPPED_CASE}\n") in result.stderr
    assert "Traceback" not in result.stderr


# Nowhere to write


def test_an_output_folder_that_cannot_exist_is_one_line(project):
    (project / "a-file").write_text("not a folder")
    result = run_cli("build", "designs", "-o", "a-file/out", "--cache-dir", "cache")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"flowdocs: error: cannot write a-file/out/{DESIGN}.svg: "
                             f"Not a directory\n")


def test_a_full_disk_under_the_output_is_one_line_and_leaves_every_file_whole(
        project, monkeypatch):
    before = snapshot(project / "out")
    retitle(project)
    full_disk(monkeypatch, project / "out")
    result = run_cli("build", "designs", "-o", "out", "--cache-dir", "cache")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"flowdocs: error: cannot write out/{DESIGN}.svg: No space left "
                             f"on device\n")
    assert snapshot(project / "out") == before  # no half file, no temporary file


def test_a_read_only_output_is_one_line(project, monkeypatch):
    before = snapshot(project / "out")
    retitle(project)
    read_only(monkeypatch, project / "out")
    result = run_cli("build", "designs", "-o", "out", "--cache-dir", "cache")
    assert (result.exit_code, result.stderr) == (
        1, f"flowdocs: error: cannot write out/{DESIGN}.svg: Read-only file system\n")
    assert snapshot(project / "out") == before


CACHE_ERROR = ("flowdocs: error: cannot write the cache folder {cache}: {reason}; choose "
               "another with --cache-dir (or the plugin's cache_dir)")


@pytest.mark.parametrize("verb", ["build", "check"])
def test_a_full_cache_folder_is_one_line_and_writes_nothing(project, monkeypatch, verb):
    before = snapshot(project / "out")
    retitle(project)
    full_disk(monkeypatch, project / "cache")
    cache_before = snapshot(project / "cache")
    result = run_cli(verb, "designs", "-o", "out", "--cache-dir", "cache")
    assert (result.exit_code, result.stderr) == (
        1, CACHE_ERROR.format(cache="cache", reason="No space left on device") + "\n")
    assert snapshot(project / "out") == before
    assert snapshot(project / "cache") == cache_before


def test_the_plugin_reports_a_cache_folder_that_cannot_exist(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    root = make_project(tmp_path, [DESIGN], tmp_path / "a-file/cache")
    result = mkdocs(root)
    assert result.returncode == 1
    cache = (root / "a-file/cache").as_posix()
    assert "ERROR   -  " + CACHE_ERROR.format(cache=cache, reason="Not a directory") + "\n" \
        in result.stderr
    assert "Traceback" not in result.stderr


def test_the_plugin_reports_a_full_cache_folder_as_a_plugin_error(tmp_path, monkeypatch):
    root = make_project(tmp_path, [DESIGN], tmp_path / "cache")
    monkeypatch.chdir(root)
    full_disk(monkeypatch, tmp_path / "cache")
    config = load_config(str(root / "mkdocs.yml"))
    with pytest.raises(PluginError) as raised:
        config.plugins.on_config(config)
    assert str(raised.value) == CACHE_ERROR.format(cache=(tmp_path / "cache").as_posix(),
                                                   reason="No space left on device")
    assert [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] == []
