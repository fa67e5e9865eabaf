"""Commands that write: extract, load, repair, demo (the whole product in one go)."""
from __future__ import annotations

import sys

import click

from kg.cli.common import (ClusterProgress, Problems, ProgressLine, cli, cluster_options, open_store_for,
                           store_option, workers_option)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl",
              show_default=True, help="One JSON object per article, or a readable table.")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write here instead of standard output; with --cluster, a directory that "
                   "each partition writes its own shard to (part-00000.jsonl …).")
@workers_option
@cluster_options
def extract(paths, fmt, output, workers, cluster, partitions):
    """Extract entities and relations from articles at PATHS.

    PATHS are files, directories (read recursively) or - for standard input:
    WeChat JSON exports, JSON Lines, HTML pages or plain text, detected from
    their content.  Bad inputs are reported one line each on stderr; the
    others are still extracted, and the exit status is 1.  With --cluster the
    same extraction runs on Dask workers, and the output is the same.

    Example:

    \b
        kg extract seeds --format jsonl -o seeds.jsonl
        kg extract corpus/ --cluster tcp://scheduler:8786 -o shards/

    Python: kg.extract(paths, on_error)
    """
    from kg import api, output as out

    problems, progress = Problems(), ClusterProgress()
    if cluster and output:
        if fmt != "jsonl":
            raise click.UsageError("shards (--cluster with -o DIR) are JSON Lines; drop --format table")
        shards = api.extract_shards(paths, output, cluster, problems, partitions, progress)
        progress.done()
        click.echo(f"kg: {shards.articles} articles in {len(shards.shards)} shards in {output}", err=True)
        sys.exit(problems.exit_code())
    results = api.extract(paths, problems, workers, cluster, partitions, progress)
    with click.open_file(output or "-", "w", encoding="utf-8") as f:
        if fmt == "jsonl":
            for ex in results:
                f.write(ex.to_line())
        else:
            out.write_rows(out.extraction_rows(results), "table", f)
    progress.done()
    sys.exit(problems.exit_code())


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@store_option
@click.option("--batch-size", type=click.IntRange(min=1), default=200, show_default=True,
              help="Articles per write transaction.")
@workers_option
@cluster_options
def load(paths, store_uri, batch_size, workers, cluster, partitions):
    """Extract articles at PATHS and load them into the graph store.

    Re-run it whenever articles arrive: unchanged articles are skipped, an
    edited article replaces its old facts, and each batch is one transaction.
    PATHS may also hold JSONL written by `kg extract`.  A second load on the
    same store waits for the first (KG_LOCK_TIMEOUT seconds, default 30),
    then stops with a one-line message.

    Example:

    \b
        kg load seeds
        kg load new/ --store bolt://localhost:7687
        kg load corpus/ --cluster local:4 --store neo4j://db1:7687
        kg load shards/          # what `kg extract --cluster … -o shards/` wrote

    Python: kg.load(paths, store, on_error)
    """
    from kg import api

    problems = Problems()
    with open_store_for(store_uri, create=True) as store:
        click.echo(f"Loading into {store.describe()}", err=True)
        progress, extracted = ProgressLine("articles"), ClusterProgress()
        report = api.load(paths, store, on_error=problems, batch_size=batch_size, workers=workers,
                          progress=progress, cluster=cluster, partitions=partitions, cluster_progress=extracted)
        progress.done()
        extracted.done()
    _echo_report(report)
    sys.exit(problems.exit_code())


def _echo_report(report) -> None:
    c = report.counters
    click.echo(f"articles: {report.articles_new} new, {report.articles_changed} changed, "
               f"{report.articles_unchanged} unchanged, {report.articles_rejected} rejected")
    click.echo(f"nodes: {c.nodes_created} created, {report.nodes_updated} updated, {c.nodes_deleted} deleted")
    click.echo(f"relationships: {c.relationships_created} created, {report.relationships_updated} updated, "
               f"{c.relationships_deleted} deleted")
    for line in report.rows_rejected[:20]:
        click.echo(f"kg: rejected: {line}", err=True)
    if len(report.rows_rejected) > 20:
        click.echo(f"kg: rejected: … and {len(report.rows_rejected) - 20} more rows", err=True)


@cli.command()
@store_option
def repair(store_uri):
    """Make a damaged embedded store usable again with what it still holds.

    kg refuses a store whose files lost writes it had confirmed (an append-only
    file cut short, a manifest or data file missing).  This keeps what the
    files still hold; run kg load again on your articles afterwards, and the
    articles that are missing are written again (the others are unchanged).

    Example:

    \b
        kg repair --store .kg && kg load articles/

    Python: kg.store.repair_store(uri)
    """
    from kg.store import repair_store

    for line in repair_store(store_uri):
        click.echo(line)


@cli.command()
@click.argument("path", default="seeds", type=click.Path(exists=True))
@store_option
@workers_option
def demo(path, store_uri, workers):
    """The whole product in one go: load PATH (the sample articles in seeds/),
    show what the library's queries find, and write an interactive view of
    the most-mentioned organisation to viz/demo.html.

    Example:

    \b
        kg demo
        kg demo seeds --store bolt://localhost:7687
    """
    from kg import output
    from kg.query import library, run_query
    from kg import api
    from kg.store import reads
    from kg.viz import build_view, render_html

    problems = Problems()
    with open_store_for(store_uri, create=True) as store:
        click.echo(f"1. kg load {path}  ({store.describe()})")
        _echo_report(api.load([path], store, on_error=problems, workers=workers))
        for name in ("top_mentioned", "approvals"):
            click.echo(f"\n2. kg query {name}  ({library()[name].description})")
            output.write_rows(run_query(store, library()[name])[:10], "table")
        top = reads.most_mentioned_organization(store)
        view = build_view(store, center=top, depth=2)
    page = render_html(view, "viz/demo.html")
    click.echo(f"\n3. kg viz --center {top or ''} --depth 2 -o {page}")
    click.echo(f"   {view.summary()}: open {page.resolve().as_uri()}")
    sys.exit(problems.exit_code())
