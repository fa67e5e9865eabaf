"""kg export: the graph for Gephi, Cytoscape and scripts (--format), or for neo4j-admin's bulk import
(--neo4j-import, a cold start).  Each mode is a library call; another format is one more entry in
kg.viz.export.FORMATS (and in --format's choices)."""
from __future__ import annotations

import click

from kg.cli.common import cli, open_store_for, store_option, view_args, view_options

FORMATS = ["graphml", "gexf", "json", "csv"]          # kg.viz.export.FORMATS, without importing it


@cli.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="graphml, gexf (Gephi, Cytoscape), json (node-link), csv (a directory: nodes.csv, edges.csv).")
@click.option("-o", "--output", type=click.Path(), help="With --format: the file to write (a directory for csv).")
@click.option("--neo4j-import", "neo4j_dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Instead: CSV and header files for `neo4j-admin database import full`, with DIR/import.sh.")
@view_options
@store_option
def export(fmt, output, neo4j_dir, store_uri, **choice):
    """Write the graph out: for Gephi, Cytoscape or a script, or for a bulk import.

    With --format, the whole graph or, with kg viz's options, part of it.
    Without --center, --query or --new, every entity and fact the filters
    keep, with no limit; with them, the graph kg viz would draw.  In GraphML,
    GEXF and CSV properties are typed, lists of names joined with " | ", an
    edge's evidence JSON text; JSON keeps lists as they are.

    With --neo4j-import, the whole graph as files neo4j-admin builds a new
    Neo4j database from: for a first load of millions of articles, load them
    into the embedded store (or any store), export, and import.

    Example:

    \b
        kg export --format graphml -o kg.graphml
        kg export --format gexf --center 联影医疗 --depth 2 -o lianying.gexf
        kg export --neo4j-import bulk/ && bulk/import.sh neo4j

    Python: kg.viz.export.export(kg.graph(store, center=name), "graphml", path);
    kg.store.bulk_export.export_neo4j_import(store, dir)
    """
    if bool(fmt) == bool(neo4j_dir):
        raise click.UsageError("give --format FORMAT -o PATH, or --neo4j-import DIR")
    if neo4j_dir:
        if [k for k, v in view_args(dict(choice)).items() if v and v != {"depth": 1}.get(k)]:
            raise click.UsageError("--neo4j-import writes the whole graph: view options are for --format")
        from kg.store.bulk_export import export_neo4j_import

        with open_store_for(store_uri) as store:
            click.echo(export_neo4j_import(store, neo4j_dir).summary())
        return
    if not output:
        raise click.UsageError("--format needs -o PATH")
    from kg.viz.export import export as write, graph

    with open_store_for(store_uri) as store:
        g = graph(store, **view_args(choice))
    for path in write(g, fmt, output):
        click.echo(f"{path}: {g.number_of_nodes()} nodes, {g.number_of_edges()} relationships")
