"""The `kg` command: thin click commands over the kg library."""
from __future__ import annotations

import json
import os
import sys

import click

from kg import __version__
from kg.errors import KgError
from kg.output import Problems, ProgressLine

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


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

    Python: kg.extract(paths, on_error)
    """
    from kg import api, output as out

    problems = Problems()
    results = api.extract(paths, on_error=problems, workers=workers)
    if fmt == "jsonl":
        for ex in results:
            output.write(json.dumps(ex.to_json(), ensure_ascii=False, allow_nan=False) + "\n")
    else:
        out.write_rows(out.extraction_rows(results), "table", output)
    output.flush()
    sys.exit(problems.exit_code())


def store_option(fn):
    return click.option("--store", "store_uri", envvar="KG_STORE", default=None, metavar="URI",
                        help="Graph store: a directory for the embedded store (default .kg), or "
                             "bolt://, neo4j://, neo4j+s:// for Neo4j (credentials from "
                             "NEO4J_USER / NEO4J_PASSWORD).  Also KG_STORE.")(fn)


def format_option(default="table"):
    return click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv"]),
                        default=default, show_default=True, help="Output format.")


def param_option(fn):
    return click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
                        help="A query parameter (repeatable); JSON values are decoded.")(fn)


def _open(store_uri):
    from kg.store import open_store
    return open_store(store_uri)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@store_option
@click.option("--batch-size", type=click.IntRange(min=1), default=200, show_default=True,
              help="Articles per write transaction.")
@workers_option
def load(paths, store_uri, batch_size, workers):
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

    Python: kg.load(paths, store, on_error)
    """
    from kg import api, output

    problems = Problems()
    with _open(store_uri) as store:
        click.echo(f"Loading into {store.describe()}", err=True)
        progress = ProgressLine("articles")
        report = api.load(paths, store, on_error=problems, batch_size=batch_size,
                          workers=workers, progress=progress)
        progress.done()
    output.print_load(report)
    sys.exit(problems.exit_code())


@cli.command()
@click.argument("name_or_file", required=False)
@click.option("-e", "--execute", "inline", metavar="CYPHER", help="Run this Cypher text instead.")
@param_option
@format_option()
@click.option("--write", is_flag=True, help="Allow the query to write (refused otherwise).")
@click.option("--list", "list_", is_flag=True, help="List the query library.")
@store_option
def query(name_or_file, inline, params, fmt, write, list_, store_uri):
    """Run a library query (by NAME), a .cypher FILE, or -e 'CYPHER'.

    Queries are read-only unless --write is given.  `kg query --list` shows
    the library in cypher/.

    Example:

    \b
        kg query speakers -p event=2025上海国际生物医药产业周
        kg query -e 'MATCH (n:Person) RETURN n.name LIMIT 5' --format csv

    Python: kg.query.run_query(store, kg.query.resolve_query(name), params)
    """
    from kg import output
    from kg.query import library, parse_params, resolve_query, run_query

    if list_:
        rows = [{"name": q.name, "parameters": " ".join("$" + p for p in q.parameters),
                 "description": q.description} for q in library().values()]
        output.write_rows(rows, fmt)
        return
    if not name_or_file and inline is None:
        raise click.UsageError("give a query NAME or FILE, -e CYPHER, or --list")
    q = resolve_query(name_or_file, inline)
    with _open(store_uri) as store:
        rows = run_query(store, q, parse_params(list(params)), write=write)
    output.write_rows(rows, fmt)


@cli.command()
@click.argument("args", nargs=-1, required=True)
@format_option()
@store_option
def why(args, fmt, store_uri):
    """Show the evidence behind a fact: kg why HEAD [RELATION] TAIL.

    Every sentence that supports a relation between HEAD and TAIL (names or
    aliases), with its article's title, date and id.

    Example:

    \b
        kg why 国家药品监督管理局 APPROVED "uMR Ultra"

    Python: kg.query.why(store, head, tail, relation)
    """
    from kg import output
    from kg.query import why as why_

    if len(args) not in (2, 3):
        raise click.UsageError("expected HEAD [RELATION] TAIL")
    head, tail = args[0], args[-1]
    relation = args[1] if len(args) == 3 else None
    with _open(store_uri) as store:
        rows = why_(store, head, tail, relation)
    if not rows:
        raise click.ClickException(f"no fact links {head!r} to {tail!r}"
                                   + (f" by {relation}" if relation else ""))
    output.write_rows(rows, fmt)


@cli.command()
@format_option()
@store_option
def status(fmt, store_uri):
    """Which store is in use, what it holds (by label and type), and the last load.

    Example:

    \b
        kg status

    Python: kg.query.status(store)
    """
    from kg import output
    from kg.query import status as status_

    with _open(store_uri) as store:
        info = status_(store)
    if fmt != "table":
        output.write_rows([info], fmt)
        return
    for line in output.status_lines(info):
        click.echo(line)


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


def _view_args(choice: dict) -> dict:
    from kg.query import parse_params

    args = dict(choice, query=choice.pop("query_name"), params=parse_params(list(choice.pop("params"))))
    return {k: v for k, v in args.items() if v is not None}


@cli.command()
@view_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="HTML file (default viz/<view>.html).")
@click.option("--open", "open_", is_flag=True, help="Open the page in a web browser.")
@store_option
def viz(output, open_, store_uri, **choice):
    """Draw part of the graph as one HTML page that works offline.

    Without --center, --query or --new, the most mentioned entities.  The
    file holds everything it needs (no network), so it can be mailed or kept
    in viz/.  On the page: a date slider, filters, evidence at a click, and
    a double-click shows a node's neighbours.

    Example:

    \b
        kg viz --center 联影医疗 --depth 2 --open
        kg viz --query paths.cypher -p org=阿斯利康 --rels DEVELOPS,APPROVED
        kg viz --since 2025-01 --min-mentions 3 --limit 200 -o viz/2025.html
        kg viz --new

    Python: kg.viz.render_html(kg.viz.build_view(store, center=name, depth=2), path), or
    kg.viz.network(view) for the pyvis Network
    """
    import webbrowser

    from kg.viz import build_view, render_html

    with _open(store_uri) as store:
        view = build_view(store, **_view_args(choice))
    path = render_html(view, output or view.default_path)
    click.echo(f"{path}: {view.summary()}")
    if open_:
        webbrowser.open(path.resolve().as_uri())


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "json", "csv"]), required=True,
              help="graphml, gexf (Gephi, Cytoscape), json (node-link), csv (a directory: nodes.csv, edges.csv).")
@click.option("-o", "--output", required=True, type=click.Path(), help="File to write (a directory for csv).")
@view_options
@store_option
def export(fmt, output, store_uri, **choice):
    """Write the whole graph, or part of it, for Gephi, Cytoscape or a script.

    Without view options, every entity and fact in the store; with them, the
    graph kg viz would draw.  Properties are typed; lists are joined with
    " | ", an edge's evidence is JSON text.

    Example:

    \b
        kg export --format graphml -o kg.graphml
        kg export --format gexf --center 联影医疗 --depth 2 -o lianying.gexf

    Python: kg.viz.export.export(kg.graph(store, center=name), "graphml", path)
    """
    from kg.viz.export import export as write, graph

    with _open(store_uri) as store:
        g = graph(store, **_view_args(choice))
    for path in write(g, fmt, output):
        click.echo(f"{path}: {g.number_of_nodes()} nodes, {g.number_of_edges()} relationships")


@cli.command()
@click.option("--since", metavar="DATE", help="Every load that started on DATE (yyyy[-mm[-dd]]) or later.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="viz/report.html", show_default=True,
              help="The report page; the view of what is new goes beside it (<name>-view.html).")
@store_option
def report(since, output, store_uri):
    """What the last load (or every load since DATE) changed.

    Prints a summary and writes an offline page: articles new, changed and
    retracted, new entities by type, new facts by relation with their
    evidence, amounts and dates, and what was rejected and why; each fact
    links to the view of what is new, centred on it.

    Example:

    \b
        kg report
        kg report --since 2025-10-01 -o viz/october.html

    Python: kg.viz.report.build_report(store, since)
    """
    from kg.viz.report_page import write_report

    with _open(store_uri) as store:
        summary, page, view = write_report(store, output, since=since)
    for line in summary.summary_lines():
        click.echo(line)
    click.echo(f"{page} (the new facts drawn: {view})")


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
    with _open(store_uri) as store:
        click.echo(f"1. kg load {path}  ({store.describe()})")
        output.print_load(api.load([path], store, on_error=problems, workers=workers))
        for name in ("top_mentioned", "approvals"):
            click.echo(f"\n2. kg query {name}  ({library()[name].description})")
            output.write_rows(run_query(store, library()[name])[:10], "table")
        top = reads.most_mentioned_organization(store)
        view = build_view(store, center=top, depth=2)
    page = render_html(view, "viz/demo.html")
    click.echo(f"\n3. kg viz --center {top or ''} --depth 2 -o {page}")
    click.echo(f"   {view.summary()}: open {page.resolve().as_uri()}")
    sys.exit(problems.exit_code())


def main():
    cli()
