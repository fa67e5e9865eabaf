"""Relations from trigger words, argument types and sentence structure.

Each rule reads the article's resolved mentions sentence by sentence and
proposes relations; `relations` keeps those the closed schema allows, once
per (head, type, tail), with the first evidence sentence.  Trigger words
live in kg/data/triggers.tsv; gold/GUIDE.md defines what each relation means.

Co-actors are groups of mentions joined only by 、/与/和/及/联合 (and the
people and 教授团队 in between): 邦耀生物联合华东师范大学杜冰、刘明耀教授团队及
海军军医大学附属长征医院徐沪济教授团队研发的… gives three developers who
partner with one another.
"""
from __future__ import annotations

from kg.extraction.doc import Doc
from kg.extraction.pipeline import component
from kg.extraction.relations.business import approved, develops
from kg.extraction.relations.context import Context
from kg.extraction.relations.organizations import invests_in, issues, organizes, partners_with
from kg.extraction.relations.people import spoke_at, works_for
from kg.extraction.relations.financing import invests
from kg.extraction.relations.making import makers
from kg.extraction.relations.posts import posts
from kg.model import Relation, fact_key, schema_allows


RULES = (works_for, posts, spoke_at, develops, makers, approved, partners_with, invests_in, invests, organizes, issues)


def find_relations(doc: Doc) -> list[Relation]:
    ctx = Context(doc)
    types = {e.name: e.type for e in doc.entities}
    seen: dict[tuple, Relation] = {}
    for rule in RULES:
        for r in rule(ctx):
            if r.head == r.tail or not schema_allows(r.type, types[r.head], types[r.tail]):
                continue
            key = fact_key(r.head, r.type, r.tail)
            if key not in seen:
                seen[key] = r
    return list(seen.values())


@component("relations", requires=("entities", "sentences"), assigns=("relations",))
def relations(doc: Doc) -> Doc:
    doc.relations = find_relations(doc)
    return doc
