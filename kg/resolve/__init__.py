"""Resolution: which graph node each article's entity is, the same whatever order articles come in.

Within an article, extraction already clustered mentions into entities.  Here each entity
becomes a record (kg.resolve.records) with keys that identify it (kg.names.identity: its
normalised name, the lexicon's canonical name, a bare 市科委 qualified by the article's city,
short forms, English names and wrapper-stripped forms as weak keys, a person's employers); the
records of all articles fall into connected components over those keys, under the curator's
decisions (kg.resolve.cluster, kg.resolve.curation); each component is one node, whose key and
name depend on the component alone.  kg.resolve.rows turns an article's placed records into the
rows the store writes.

The same set of articles (and decisions) thus gives the same nodes, names, aliases and edges,
whatever their order and batch size: the loader (kg.store.load) recomputes the components a
batch touches and rewrites the articles whose entities move.  `resolve()` does it for a list of
articles in memory.
"""
from __future__ import annotations

from collections.abc import Iterable

from kg.model import Extraction
from kg.resolve.cluster import Component, Group, cluster
from kg.resolve.curation import Curation, Decision, Rules
from kg.resolve.records import Facts, Record, article_records, parse_sig, rejected_keys
from kg.resolve.rows import ArticleRow, ArticleRows, EdgeRow, NodeRow, article_rows

__all__ = ["ArticleRow", "ArticleRows", "Component", "Curation", "Decision", "EdgeRow", "Facts", "Group",
           "NodeRow", "Record", "Rules", "article_records", "article_rows", "cluster", "groups_of", "parse_sig",
           "rejected_keys", "resolve"]


def groups_of(records: Iterable[Record]) -> list[Group]:
    """Records with one identity as one group (weight: how many)."""
    out: dict[str, Group] = {}
    for r in records:
        if r.sig in out:
            out[r.sig].weight += 1
        else:
            out[r.sig] = Group(r.sig, r.label, r.ident)
    return list(out.values())


def resolve(extractions: Iterable[Extraction], curation: Curation | None = None) -> list[ArticleRows]:
    """The rows of `extractions` resolved together (as a store holding just them has them)."""
    rules = (curation or Curation()).all_rules()
    facts = [Facts.of(ex) for ex in {ex.doc_id: ex for ex in extractions}.values()]
    records = {f.id: article_records(f, rules) for f in facts}
    placed = cluster(groups_of(r for rs in records.values() for r in rs), rules)
    return [article_rows(f, records[f.id], lambda r: placed[r.sig], rejected_keys(f, rules)) for f in facts]
