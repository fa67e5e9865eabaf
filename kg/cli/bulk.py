"""kg export --neo4j-import: the graph as neo4j-admin's bulk import files (a cold start)."""
from __future__ import annotations

import click

from kg.cli.common import cli, open_store_for, store_option


@cli.command()
@click.option("--neo4j-import", "neo4j_dir", metavar="DIR", required=True, type=click.Path(file_okay=False),
              help="Write CSV and header files for `neo4j-admin database import full`, with DIR/import.sh.")
@store_option
def export(neo4j_dir, store_uri):
    """Write the whole graph out for a bulk import into a new Neo4j database.

    For a first load of millions of articles: load them into the embedded
    store (or any store), export, and let neo4j-admin build the database.

    Example:

    \b
        kg export --neo4j-import bulk/ && bulk/import.sh neo4j

    Python: kg.store.bulk_export.export_neo4j_import(store, dir)
    """
    from kg.store.bulk_export import export_neo4j_import

    with open_store_for(store_uri) as store:
        click.echo(export_neo4j_import(store, neo4j_dir).summary())
