"""Article -> Extraction: clean, run the pipeline, package the result.

`extract_all` streams any number of articles through the pipeline, in
worker processes when asked, with memory bounded by the batch size.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from kg.clean import clean_article, sha256
from kg.errors import ComponentError, KgError
from kg.model import Article, Doc, Extraction
from kg.pipeline import Pipeline, build_pipeline

_PIPELINE: Pipeline | None = None


def pipeline() -> Pipeline:
    """The default pipeline, built once per process."""
    global _PIPELINE
    if _PIPELINE is None:
        _PIPELINE = build_pipeline()
    return _PIPELINE


def to_extraction(doc: Doc) -> Extraction:
    a = doc.article
    return Extraction(doc_id=a.id, title=a.title, date=a.date, source=a.source, url=a.url,
                      sha256=sha256(doc.text), entities=doc.entities, relations=doc.relations,
                      sentences=[s.text for s in doc.sentences])


def extract(article: Article) -> Extraction:
    """Clean one article and run the default pipeline on it."""
    return to_extraction(pipeline()(clean_article(article)))


def extract_doc(article: Article) -> Doc:
    """Like extract, but return the annotated Doc (for inspection and tests)."""
    return pipeline()(clean_article(article))


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


def extract_all(items: Iterable[Article | Extraction], on_error: Reporter,
                workers: int = 1, chunk_size: int = 16) -> Iterator[Extraction]:
    """Extract every article, in input order; Extraction records pass through.

    With workers > 1 articles go to a process pool in chunks; the pool reads
    the input lazily, so memory stays bounded however long the stream."""
    if workers <= 1:
        for item in items:
            result = item if isinstance(item, Extraction) else _safe_extract(item)
            if isinstance(result, KgError):
                on_error(result)
            else:
                yield result
        return
    import multiprocessing as mp
    ctx = mp.get_context("fork")
    with ctx.Pool(workers, initializer=_warm) as pool:
        for result in pool.imap(_passthrough_or_extract, items, chunksize=chunk_size):
            if isinstance(result, KgError):
                on_error(result)
            else:
                yield result


def _passthrough_or_extract(item: Article | Extraction) -> Extraction | KgError:
    return item if isinstance(item, Extraction) else _safe_extract(item)
