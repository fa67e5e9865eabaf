"""The conductor: kg's jobs, end to end, with the error policy in one place.

    extract(paths)          sources -> clean -> extract            -> Extraction, one per article
    load(paths, store)      sources -> clean -> extract -> resolve -> store
    curate(store, action, names)   a curator's decision: kept in the decisions file, applied at once
    dupes(store)            likely duplicate nodes, ranked, with the reason

Extraction runs here (`workers` processes) or, with `cluster`, on a Dask
cluster (kg.cluster); the results are the same either way.

Both read files, directories or `-` (stdin).  Inputs that already are
`kg extract` output pass straight to the loader.  A problem with one input
(an unreadable file, a bad record, a component failing on one article) is
given to `on_error` as a KgError naming the file and record, and the other
articles go on; without `on_error` the first problem is raised.  The CLI
and the tests call these same functions.
"""
from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KgError, LoadError
from kg.model import EntityType, Extraction
from kg.names import norm
from kg.resolve import curation as decisions_file
from kg.resolve.curation import ANY, Curation, CurationError, Decision
from kg.store import GraphStore, history
from kg.store import curate as applying
from kg.store.dupes import Candidate, candidates
from kg.store.load import LoadReport, Progress
from kg.store.load import load as load_extractions

OnError = Callable[[KgError], None]
ClusterProgress = Callable[[int, int, int], None]     # (partitions done, partitions, articles)


def _raise(exc: KgError) -> None:
    if not getattr(exc, "warning", False):
        raise exc


@dataclass
class _Counting:
    """Passes problems on, counting the errors (warnings are not rejections)."""
    on_error: OnError
    errors: int = 0
    load_errors: int = 0                  # counted by the loader's own report already
    problems: list[str] = field(default_factory=list)

    def __call__(self, exc: KgError) -> None:
        if not getattr(exc, "warning", False):
            self.errors += 1
            self.load_errors += isinstance(exc, LoadError)
            self.problems.append(str(exc))
        self.on_error(exc)


def extract(paths: Iterable[str], on_error: OnError | None = None, workers: int = 1,
            cluster: str | None = None, partitions: int | None = None,
            progress: ClusterProgress | None = None) -> Iterator[Extraction]:
    """Every article under `paths`, extracted, in input order; records that already are
    `kg extract` output pass through as they are.  With `cluster` (a Dask scheduler address,
    or `local:N`) the extraction runs there, in `partitions` parts (default: by input size),
    with the same result."""
    report = on_error or _raise
    if cluster:
        from kg.cluster import extract as on_cluster
        yield from on_cluster(paths, cluster, report, partitions, progress)
        return
    from kg.extraction.extractor import extract_all
    from kg.sources import read

    # runs of articles stream through one extraction (one worker pool); Extractions pass by
    for made, run in itertools.groupby(read(paths, on_error=report), key=lambda x: isinstance(x, Extraction)):
        yield from run if made else extract_all(run, on_error=report, workers=workers)


def extract_shards(paths: Iterable[str], out_dir: str, cluster: str, on_error: OnError | None = None,
                   partitions: int | None = None, progress: ClusterProgress | None = None):
    """Extract on `cluster`, each partition writing its shard out_dir/part-NNNNN.jsonl (a backfill
    never passes through this process); returns a kg.cluster.ShardReport."""
    from kg.cluster import extract_to_shards
    return extract_to_shards(paths, out_dir, cluster, on_error or _raise, partitions, progress)


def load(paths: Iterable[str], store: GraphStore, on_error: OnError | None = None, batch_size: int = 200,
         workers: int = 1, progress: Progress | None = None, cluster: str | None = None,
         partitions: int | None = None, cluster_progress: ClusterProgress | None = None,
         curation: str | Path | None = None) -> LoadReport:
    """Read, extract and load everything under `paths` (articles or `kg extract` JSONL) into `store`,
    applying the curator's decisions (curation_file()).  With `cluster`, extraction runs there and
    this process is the one writer."""
    counting = _Counting(on_error or _raise)
    decided = decisions_file.read(curation_file(store, curation))
    extractions = extract(paths, counting, workers=workers, cluster=cluster, partitions=partitions,
                          progress=cluster_progress)
    report = load_extractions(store, extractions, batch_size=batch_size, progress=progress, on_error=counting,
                              curation=decided)
    report.articles_rejected -= counting.load_errors
    report.articles_rejected += counting.errors
    if counting.problems:             # on the load's record too: kg report lists them
        history.note_problems(store, report.load_id, counting.problems, report.articles_rejected)
    return report


# -- curation ---------------------------------------------------------------------------

LABELS = tuple(str(t) for t in EntityType)


def curation_file(store: GraphStore, path: str | Path | None = None) -> Path:
    """Where the decisions are kept: `path`, else KG_CURATION, else the store's own (curation.tsv in
    the embedded store's directory; for Neo4j, kg-curation.tsv in the working directory)."""
    return Path(path or os.environ.get("KG_CURATION") or store.curation_file())


@dataclass
class Curated:
    decision: Decision
    report: LoadReport
    path: Path


def decisions(store: GraphStore, path: str | Path | None = None) -> list[Decision]:
    return decisions_file.read(curation_file(store, path)).decisions


def curate(store: GraphStore, action: str, names: list[str], label: str | None = None,
           path: str | Path | None = None) -> Curated:
    """Check a decision against the graph, keep it (appended to the decisions file) and apply it:
    merge A B, split A B, alias add|remove A X, rename A NAME, reject X.  A and B are any name or
    alias of a node (in any case or width), or its key (`Organization:…`); `label` narrows them."""
    if label is not None and label not in LABELS:
        raise CurationError(f"unknown type {label!r}; one of {', '.join(LABELS)}")
    if action == "alias":
        if not names or names[0] not in ("add", "remove"):
            raise CurationError("kg curate alias takes add or remove, then a name and the alias")
        action, names = f"alias-{names[0]}", names[1:]
    wanted = 1 if action == "reject" else 2
    if action not in decisions_file.ACTIONS or len(names) != wanted:
        raise CurationError(f"kg curate {action} takes {wanted} name{'s' if wanted > 1 else ''}")
    decision = _decision(store, action, names, label)
    file = curation_file(store, path)
    curation = decisions_file.read(file)
    curation.decisions.append(decision)
    decisions_file.write(file, curation)
    return Curated(decision, applying.apply(store, curation, decision), file)


def undo(store: GraphStore, path: str | Path | None = None) -> Curated:
    """Take back the last decision, in the file and in the graph."""
    file = curation_file(store, path)
    curation = decisions_file.read(file)
    if not curation.decisions:
        raise CurationError(f"{file}: no decision to undo")
    decision = curation.decisions.pop()
    decisions_file.write(file, curation)
    return Curated(decision, applying.apply(store, curation, decision), file)


def _decision(store: GraphStore, action: str, names: list[str], label: str | None) -> Decision:
    if action == "reject":
        return Decision(action, label or ANY, names[0])
    a = _node(store, names[0], label)
    if action == "merge":
        b = _node(store, names[1], a["label"])
        if a["key"] == b["key"]:
            raise CurationError(f"{names[0]!r} and {names[1]!r} are one node already ({a['key']})")
        return Decision(action, a["label"], _ref(a), _ref(b))
    if action in ("split", "alias-remove") and norm(names[1]) not in (a["norms"] or ()):
        raise CurationError(f"{names[1]!r} is not a name of {a['name']!r} ({a['key']})")
    return Decision(action, a["label"], names[0] if action == "split" else _ref(a), names[1])


def _node(store: GraphStore, name: str, label: str | None) -> dict:
    """The one node `name` (a name, an alias or a key) stands for."""
    key = name if name.split(":", 1)[0] in LABELS else None
    hits = [n for n in applying.nodes_named(store, norm(name), key) if label is None or n["label"] == label]
    if not hits:
        raise CurationError(f"no {label or 'entity'} is named {name!r} or has it as an alias")
    if len(hits) > 1:
        listed = ", ".join(f"{n['name']} ({n['key']})" for n in hits[:8])
        raise CurationError(f"{name!r} names {len(hits)} nodes: {listed}; give the one you mean by its key")
    return hits[0]


def _ref(node: dict) -> str:
    """How a decision names a node: its name, or its key when the name is shared (张伟@联影医疗)."""
    part = node["key"].split(":", 1)[1]
    return node["name"] if norm(node["name"]) == part else part


def dupes(store: GraphStore, limit: int = 50) -> list[Candidate]:
    """Pairs of nodes that may be one thing, most likely first, each with its reasons."""
    return candidates(store, limit)
