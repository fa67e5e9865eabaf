"""The `kg` command: thin click commands over the kg library."""
from __future__ import annotations

import json
import os
import sys

import click

from kg import __version__
from kg.errors import KgError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


class Problems:
    """Collects per-input problems: each printed as one line, errors fail the run."""

    def __init__(self):
        self.errors = 0
        self.warnings = 0

    def __call__(self, exc: KgError) -> None:
        if getattr(exc, "warning", False):
            self.warnings += 1
            click.echo(f"kg: warning: {exc}", err=True)
        else:
            self.errors += 1
            click.echo(f"kg: error: {exc}", err=True)

    def exit_code(self) -> int:
        return 1 if self.errors else 0


class KgGroup(click.Group):
    """Turns a KgError anywhere into one line on stderr and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KgError as exc:
            raise click.ClickException(str(exc)) from None


def default_workers() -> int:
    return os.cpu_count() or 1


def workers_option(fn):
    return click.option("-w", "--workers", type=click.IntRange(min=1), default=default_workers,
                        show_default="number of cores",
                        help="Worker processes for extraction.")(fn)


@click.group(cls=KgGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="kg")
def cli():
    """kg: build and explore a knowledge graph of Chinese biomedical news.

    \b
    kg extract seeds --format jsonl -o out.jsonl   # entities and relations per article
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl",
              show_default=True, help="One JSON object per article, or a readable table.")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="Write here instead of standard output.")
@workers_option
def extract(paths, fmt, output, workers):
    """Extract entities and relations from articles at PATHS.

    PATHS are files, directories (read recursively) or - for standard input:
    WeChat JSON exports, JSON Lines, HTML pages or plain text, detected from
    their content.  Bad inputs are reported one line each on stderr; the
    others are still extracted, and the exit status is 1.

    Example:

    \b
        kg extract seeds --format jsonl -o seeds.jsonl

    Python: kg.extract.extract_all(kg.sources.read(paths), on_error)
    """
    from kg import output as out
    from kg.extract import extract_all
    from kg.sources import read

    problems = Problems()
    results = extract_all(read(paths, on_error=problems), on_error=problems, workers=workers)
    if fmt == "jsonl":
        for ex in results:
            output.write(json.dumps(ex.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write_rows(out.extraction_rows(results), "table", output)
    output.flush()
    sys.exit(problems.exit_code())


def main():
    cli()
