"""Shared fixtures: golden files and design builders.

The tests sit in one folder per pipeline stage (tests/load/, tests/resolve/, tests/analyse/,
tests/render/, tests/write/, tests/cli/). Every folder, tests/ included, is a package, so two
stages may hold test files of the same name. The helpers beside this file (tests_support,
scenes, png_decoding) are imported by their bare names from every folder: this file puts
tests/ on sys.path, and pytest loads it before any test module, whichever file or folder is run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
GOLDEN = TESTS / "golden"
DESIGNS = ROOT / "designs"
# One switch regenerates every golden file, so the review happens in the diff.
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"

if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


class Golden:
    """Compares generated text with tests/golden/<name>, byte for byte."""

    def check(self, name: str, actual: str) -> None:
        path = GOLDEN / name
        if UPDATE_GOLDEN or not path.exists():
            if not UPDATE_GOLDEN and os.environ.get("CI"):
                pytest.fail(f"golden file {name} is missing; run UPDATE_GOLDEN=1 make test")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


@pytest.fixture
def golden() -> Golden:
    return Golden()


@pytest.fixture
def design_files() -> list[Path]:
    return sorted(DESIGNS.glob("*.yaml"))
