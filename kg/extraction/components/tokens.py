"""Words with offsets and dictionary part-of-speech tags, from the pipeline's Vocab (jieba)."""
from __future__ import annotations

from kg.extraction.doc import Doc
from kg.extraction.pipeline import component


@component("tokens", assigns=("tokens",))
def tokens(doc: Doc) -> Doc:
    doc.tokens = doc.vocab.tokenize(doc.text)
    return doc
