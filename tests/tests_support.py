"""Paths and runners shared by the tests."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from flowdocs.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DESIGNS = ROOT / "designs"
EXAMPLES = sorted(DESIGNS.glob("*.yaml"))


def run_cli(*args: str) -> Result:
    """The CLI in-process, with stdout and stderr kept apart."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
