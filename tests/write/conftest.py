"""Fixtures shared by the site tests (test_site.py and the files beside it)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def diagram_cache(tmp_path_factory) -> Path:
    """One cache for every build of the session: each design is drawn once."""
    return tmp_path_factory.mktemp("diagram-cache")
