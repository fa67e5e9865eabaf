"""Extraction: Article -> Extraction through a pipeline of registered components.

    extractor.py    clean, run the pipeline, package an Extraction; worker processes
    pipeline.py     the component registry and runner
    components/     the registered components, in DEFAULT_PIPELINE order
    doc.py          the Doc components annotate;  vocab.py: its tokenizer and tags
    text.py, words.py, orgnames.py, apposition.py: helpers the components share
    relations/      the relation rules the `relations` component runs

This package's own import runs nothing: import kg.extraction.extractor to extract.
"""
