"""Relations (placeholder, filled in below)."""
from __future__ import annotations

from kg.model import Doc
from kg.pipeline import component


@component("relations", requires=("entities", "sentences"), assigns=("relations",))
def relations(doc: Doc) -> Doc:
    return doc
