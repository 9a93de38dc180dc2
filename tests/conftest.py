"""Shared fixtures: golden files and design builders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
DESIGNS = ROOT / "designs"
# One switch regenerates every golden file, so the review happens in the diff.
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"


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
