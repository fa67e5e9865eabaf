"""Extraction on a Dask cluster: `kg extract --cluster ADDRESS`, `kg load --cluster ADDRESS`.

    plan.py   the input -> partitions (files; runs of JSON Lines records), ids as a local run
    work.py   what a worker runs: read, extract, return or write a shard
    run.py    the client: connect (tcp://… or local:N), submit, results in input order

Dask and distributed are an optional extra (pip install 'kg[cluster]'); they
are imported only when a cluster is asked for.
"""
from kg.cluster.run import ShardReport, connect, extract, extract_to_shards

__all__ = ["ShardReport", "connect", "extract", "extract_to_shards"]
