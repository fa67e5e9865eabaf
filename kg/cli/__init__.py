"""The `kg` command: thin click commands over the kg library.

    common.py    the group, shared options, one-line problems, progress
    writing.py   extract, load, repair, demo
    reading.py   query, why, status, viz, report
    export.py    export --format graphml|gexf|json|csv, or --neo4j-import
    curating.py  curate, dupes
"""
from kg.cli import curating, export, reading, writing  # noqa: F401  (registers the commands)
from kg.cli.common import cli

__all__ = ["cli", "main"]


def main():
    cli()
