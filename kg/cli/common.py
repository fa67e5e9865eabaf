"""What every kg command shares: the click group, common options, one-line problems, progress."""
from __future__ import annotations

import os
import sys
import time

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
        from kg.output import printable
        if getattr(exc, "warning", False):
            self.warnings += 1
            click.echo(f"kg: warning: {printable(str(exc))}", err=True)
        else:
            self.errors += 1
            click.echo(f"kg: error: {printable(str(exc))}", err=True)

    def exit_code(self) -> int:
        return 1 if self.errors else 0


class ProgressLine:
    """Progress on stderr: a live count on a terminal, nothing in a pipe or log."""

    def __init__(self, what: str):
        self.what, self.n = what, 0
        self.live = sys.stderr.isatty()

    def __call__(self, k: int) -> None:
        self.n += k
        if self.live:
            click.echo(f"\r{self.n} {self.what}…", nl=False, err=True)

    def done(self) -> None:
        if self.live:
            click.echo("\r" + " " * 30 + "\r", nl=False, err=True)


class ClusterProgress(ProgressLine):
    """A cluster run: partitions done / all and articles per second, live on a terminal,
    then one closing line (also in a log: a long backfill should say how it went)."""

    def __init__(self):
        super().__init__("articles")
        self.start, self.parts = time.monotonic(), (0, 0)

    def __call__(self, done: int, total: int, articles: int) -> None:
        self.parts, self.n = (done, total), articles
        if self.live:
            click.echo(f"\r{self.line()}…", nl=False, err=True)

    def line(self) -> str:
        rate = self.n / max(time.monotonic() - self.start, 1e-9)
        return f"{self.parts[0]}/{self.parts[1]} partitions, {self.n} articles, {rate:.1f} articles/s"

    def done(self) -> None:
        if self.live:
            click.echo("\r" + " " * 70 + "\r", nl=False, err=True)
        if self.parts[1]:
            click.echo(f"kg: {self.line()}", err=True)


class KgGroup(click.Group):
    """Turns a KgError anywhere into one line on stderr and exit status 1."""

    def invoke(self, ctx):
        from kg.output import printable
        try:
            return super().invoke(ctx)
        except KgError as exc:
            raise click.ClickException(printable(str(exc))) from None


def default_workers() -> int:
    return os.cpu_count() or 1


def cluster_options(fn):
    fn = click.option("--partitions", type=click.IntRange(min=1), metavar="N",
                      help="With --cluster: N partitions (default: by input size, at least 4 per worker).")(fn)
    return click.option("--cluster", metavar="ADDRESS", envvar="KG_CLUSTER",
                        help="Extract on a Dask cluster: tcp://host:8786, or local:N for N worker "
                             "processes here.  Also KG_CLUSTER.")(fn)


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


def store_option(fn):
    return click.option("--store", "store_uri", envvar="KG_STORE", default=None, metavar="URI",
                        help="Graph store: a directory for the embedded store (default .kg), or "
                             "bolt://, neo4j://, neo4j+s:// for Neo4j (credentials from "
                             "NEO4J_USER / NEO4J_PASSWORD).  Also KG_STORE.")(fn)


def format_option(default="table"):
    return click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv"]),
                        default=default, show_default=True, help="Output format.")


def param_option(fn):
    return click.option("-p", "--param", "params", multiple=True, metavar="NAME=TEXT|NAME:=JSON",
                        help="A query parameter (repeatable): name=text is text as written, "
                             "name:=json a JSON value (limit:=10).")(fn)


def curation_option(fn):
    return click.option("--curation", metavar="FILE", envvar="KG_CURATION", default=None,
                        help="The curator's decisions file (default: curation.tsv in the embedded store, "
                             "./kg-curation.tsv for Neo4j).  Also KG_CURATION.")(fn)


def open_store_for(store_uri, create: bool = False):
    """The store; read-only commands refuse a store path that holds no store (create=False)."""
    from kg.store import open_store
    return open_store(store_uri, create=create)


def view_options(fn):
    """Which part of the graph: kg viz and kg export choose it alike."""
    for option in reversed([
            click.option("--center", metavar="NAME", help="This entity's neighbourhood (a name or an alias)."),
            click.option("--depth", type=click.IntRange(min=0), default=1, show_default=True,
                         help="Hops around --center."),
            click.option("--query", "query_name", metavar="NAME|FILE",
                         help="The nodes, relationships and paths a library query or .cypher file returns."),
            param_option,
            click.option("--new", is_flag=True, help="What the last load added and what surrounds it (kg report)."),
            click.option("--types", metavar="LABELS", help="Only these entity types, e.g. Organization,Person."),
            click.option("--rels", metavar="TYPES", help="Only these relation types, e.g. INVESTS_IN,APPROVED."),
            click.option("--since", metavar="DATE", help="Only facts from articles dated DATE (yyyy[-mm[-dd]]) "
                                                         "or later."),
            click.option("--until", metavar="DATE", help="Only facts from articles dated DATE or earlier."),
            click.option("--min-mentions", type=click.IntRange(min=0), default=0,
                         help="Only entities mentioned N times or more."),
            click.option("--limit", type=click.IntRange(min=1), help="Keep the N most relevant nodes (mentions, "
                         "then degree): default 300; kg export of the whole graph: all.")]):
        fn = option(fn)
    return fn


def view_args(choice: dict) -> dict:
    """build_view's keywords from view_options' values."""
    from kg.query import parse_params

    args = dict(choice, query=choice.pop("query_name"), params=parse_params(list(choice.pop("params"))))
    return {k: v for k, v in args.items() if v is not None}
