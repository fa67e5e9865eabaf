"""Every command has help with an example and is shown in the README."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_has_help_with_an_example(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    assert f"kg {name}" in result.output


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_is_in_the_readme(name):
    assert f"kg {name}" in README


def test_version_and_top_level_help():
    runner = CliRunner()
    assert runner.invoke(cli, ["--version"]).output.startswith("kg, version ")
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0 and "extract" in result.output and "load" in result.output
