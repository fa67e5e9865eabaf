"""Article -> Extraction: clean, run the pipeline, package the result.

`Extractor` holds one pipeline (built once per process); `extract_all`
streams any number of articles through it, in worker processes when asked,
with memory bounded by the chunk size.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import kg.extraction.components  # noqa: F401  (registers the built-in components)
from kg.clean import clean_article, sha256
from kg.errors import ComponentError, KgError
from kg.extraction.components import DEFAULT_PIPELINE
from kg.extraction.doc import Doc
from kg.extraction.pipeline import Pipeline, build_pipeline
from kg.model import Article, Extraction

_PIPELINE: Pipeline | None = None


def pipeline() -> Pipeline:
    """The default pipeline, built once per process (a Vocab is costly to warm up)."""
    global _PIPELINE
    if _PIPELINE is None:
        _PIPELINE = build_pipeline(DEFAULT_PIPELINE)
    return _PIPELINE


def to_extraction(doc: Doc) -> Extraction:
    """Package a finished Doc, locating every mention and evidence sentence in the raw input."""
    for e in doc.entities:
        for m in e.mentions:
            m.raw_start, m.raw_end = doc.raw_span(m.start, m.end)
    for r in doc.relations:
        if 0 <= r.sentence < len(doc.sentences):
            s = doc.sentences[r.sentence]
            r.raw_start, r.raw_end = doc.raw_span(s.start, s.end)
    a = doc.article
    return Extraction(doc_id=a.id, title=a.title, date=a.date, source=a.source, url=a.url,
                      sha256=sha256(doc.text), entities=doc.entities, relations=doc.relations,
                      sentences=[s.text for s in doc.sentences], where=a.where)


def run(article: Article, nlp: Pipeline | None = None) -> Doc:
    """Clean one article and run a pipeline (the default one) over it."""
    nlp = nlp or pipeline()
    cleaned = clean_article(article)
    return nlp(nlp.make_doc(cleaned.article, cleaned.text, cleaned.offsets))


def extract(article: Article) -> Extraction:
    """Clean one article and run the default pipeline on it."""
    return to_extraction(run(article))


Reporter = Callable[[KgError], None]


def _safe_extract(article: Article) -> Extraction | KgError:
    try:
        return extract(article)
    except KgError as exc:
        return exc
    except Exception as exc:           # a bug must not lose the other articles
        return ComponentError(article.id, "pipeline", f"{type(exc).__name__}: {exc}")


def _warm() -> None:
    """Worker start-up: build the pipeline (jieba, lexicons) once per process."""
    pipeline()


def extract_all(articles: Iterable[Article], on_error: Reporter,
                workers: int = 1, chunk_size: int = 32) -> Iterator[Extraction]:
    """Extract every article, in input order.

    With workers > 1, chunks of articles go to a process pool, at most two
    chunks per worker in flight, so memory stays bounded by the chunk size
    however long the input stream is."""
    pipeline()                         # a broken pipeline fails here, once; forked workers inherit it
    if workers <= 1:
        for article in articles:
            yield from _report([_safe_extract(article)], on_error)
        return
    import multiprocessing as mp
    from collections import deque

    with mp.get_context("fork").Pool(workers, initializer=_warm) as pool:
        pending: deque = deque()
        for chunk in _chunks(articles, chunk_size):
            pending.append(pool.apply_async(_extract_chunk, (chunk,)))
            if len(pending) >= 2 * workers:
                yield from _report(pending.popleft().get(), on_error)
        while pending:
            yield from _report(pending.popleft().get(), on_error)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _extract_chunk(chunk: list[Article]) -> list[Extraction | KgError]:
    return [_safe_extract(article) for article in chunk]


def _report(results: list[Extraction | KgError], on_error: Reporter) -> Iterator[Extraction]:
    for result in results:
        if isinstance(result, KgError):
            on_error(result)
        else:
            yield result
