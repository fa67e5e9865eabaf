"""Commands that read the graph: query, why, status, viz, report."""
from __future__ import annotations

import click

from kg.cli.common import (cli, format_option, open_store_for, param_option, store_option, view_args,
                           view_options)


@cli.command()
@click.argument("name_or_file", required=False)
@click.option("-e", "--execute", "inline", metavar="CYPHER", help="Run this Cypher text instead.")
@param_option
@format_option()
@click.option("--write", is_flag=True, help="Allow the query to write (refused otherwise).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Stop a read after this long (default KG_QUERY_TIMEOUT or 60).")
@click.option("--list", "list_", is_flag=True, help="List the query library.")
@store_option
def query(name_or_file, inline, params, fmt, write, timeout, list_, store_uri):
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
    with open_store_for(store_uri, create=write) as store:
        rows = run_query(store, q, parse_params(list(params)), write=write, timeout=timeout)
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
    with open_store_for(store_uri) as store:
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

    with open_store_for(store_uri) as store:
        info = status_(store)
    if fmt != "table":
        output.write_rows([info], fmt)
        return
    click.echo(info["store"])
    for label, n in info["nodes"].items():
        click.echo(f"  {label:14} {n:8d} nodes")
    for rtype, n in info["relationships"].items():
        click.echo(f"  {rtype:14} {n:8d} relationships")
    last = info["last_load"]
    click.echo(f"last load: {last['at']}, {last['articles']} articles "
               f"({last['new']} new, {last['changed']} changed, {last['unchanged']} unchanged, "
               f"{last['rejected']} rejected)" if last else "last load: never")


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

    with open_store_for(store_uri) as store:
        view = build_view(store, **view_args(choice))
    path = render_html(view, output or view.default_path)
    click.echo(f"{path}: {view.summary()}")
    if open_:
        webbrowser.open(path.resolve().as_uri())


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

    with open_store_for(store_uri) as store:
        summary, page, view = write_report(store, output, since=since)
    for line in summary.summary_lines():
        click.echo(line)
    click.echo(f"{page} (the new facts drawn: {view})")
