"""Article -> Extraction: clean, run the pipeline, package the result.

`Extractor` holds one pipeline (built once per process); `extract_all`
streams any number of articles through it, in worker processes when asked,
with memory bounded by the chunk size.
"""
from __future__ import annotations

import signal
from collections.abc import Callable, Iterable, Iterator

import kg.extraction.components  # noqa: F401  (registers the built-in components)
from kg.clean import clean_article, sha256
from kg.errors import ComponentError, KgError, SourceError
from kg.extraction import windows
from kg.extraction.components import DEFAULT_PIPELINE
from kg.extraction.doc import Doc
from kg.extraction.pipeline import Pipeline, build_pipeline
from kg.model import Article, Extraction

_PIPELINE: Pipeline | None = None
MAX_ARTICLE_CHARS = 100_000_000       # beyond anything written as one article; a guard, not a goal
BATCH = 16                            # articles per Pipeline.pipe pass: enough to share the model's work


def pipeline() -> Pipeline:
    """The default pipeline, built once per process (a Vocab is costly to warm up)."""
    global _PIPELINE
    if _PIPELINE is None:
        _PIPELINE = build_pipeline(DEFAULT_PIPELINE)
    return _PIPELINE


def locate(doc: Doc) -> Doc:
    """Locate every mention and evidence sentence of a finished Doc in the raw input."""
    for e in doc.entities:
        for m in e.mentions:
            m.raw_start, m.raw_end = doc.raw_span(m.start, m.end)
    for r in doc.relations:
        if 0 <= r.sentence < len(doc.sentences):
            s = doc.sentences[r.sentence]
            r.raw_start, r.raw_end = doc.raw_span(s.start, s.end)
    return doc


def run(article: Article, nlp: Pipeline | None = None) -> Doc:
    """Clean one article and run a pipeline (the default one) over it, as one document."""
    nlp = nlp or pipeline()
    cleaned = clean_article(article)
    return nlp(nlp.make_doc(cleaned.article, cleaned.text, cleaned.offsets))


def extract(article: Article, nlp: Pipeline | None = None) -> Extraction:
    """Clean one article and run a pipeline (the default one) on it; an article longer than
    windows.WINDOW characters is extracted window by window (kg.extraction.windows)."""
    result = extract_many([article], nlp)[0]
    if isinstance(result, KgError):
        raise result
    return result


def extract_many(articles: list[Article], nlp: Pipeline | None = None) -> list[Extraction | KgError]:
    """Extract a batch of articles, in order: an article that fails gives its KgError, the
    others their Extraction.  Articles of one window go through the pipeline together
    (`Pipeline.pipe`); a long article's windows go one at a time, so memory stays bounded."""
    nlp = nlp or pipeline()
    out: list[Extraction | KgError | None] = []
    batch: list[tuple[int, object, windows.Window]] = []
    for article in articles:
        try:
            if len(article.text) > MAX_ARTICLE_CHARS:
                raise SourceError(article.where or article.id, f"article of {len(article.text):,} characters is "
                                                               f"over kg's limit of {MAX_ARTICLE_CHARS:,}; split it")
            cleaned = clean_article(article)
            parts = windows.windows(cleaned.text, cleaned.offsets)
            first = next(parts, None)
            if first is None:                  # nothing left after cleaning
                out.append(_package(cleaned, []))
                continue
            second = next(parts, None)
            if second is None:
                batch.append((len(out), cleaned, first))
                out.append(None)
                continue
            out.append(_windowed(nlp, cleaned, [first, second], parts))
        except KgError as exc:
            out.append(exc)
        except Exception as exc:       # a bug must not lose the other articles
            out.append(ComponentError(article.id, "pipeline", f"{type(exc).__name__}: {exc}"))
    done = nlp.pipe([nlp.make_doc(cleaned.article, w.text, w.offsets) for _, cleaned, w in batch])
    for (slot, cleaned, w), doc in zip(batch, done, strict=True):
        out[slot] = doc if isinstance(doc, KgError) else _package(cleaned, [_findings(w, locate(doc))])
    return out


def _windowed(nlp: Pipeline, cleaned, head: list, rest) -> Extraction:
    """A long article, window by window; only each window's findings are kept."""
    parts = []
    for w in (*head, *rest):
        parts.append(_findings(w, locate(nlp(nlp.make_doc(cleaned.article, w.text, w.offsets)))))
    return _package(cleaned, parts)


def _findings(w: windows.Window, doc: Doc) -> tuple:
    return w, doc.entities, doc.relations, [s.text for s in doc.sentences]


def _package(cleaned, parts: list) -> Extraction:
    joined = windows.join(parts)
    a = cleaned.article
    return Extraction(doc_id=a.id, title=a.title, date=a.date, source=a.source, url=a.url,
                      sha256=content_sha256(a, cleaned.text), entities=joined.entities,
                      relations=joined.relations, sentences=joined.sentences, where=a.where)


def content_sha256(article: Article, text: str) -> str:
    """What makes an article changed: its clean text and the metadata the graph keeps."""
    meta = "\x1f".join(v or "" for v in (article.title, article.date, article.source, article.url))
    return sha256(meta + "\x1e" + text)


Reporter = Callable[[KgError], None]


def _warm() -> None:
    """Worker start-up: build the pipeline (jieba, lexicons) once per process.  The pool stops
    its workers with SIGTERM (leaving `with Pool`): they must die then, not run a handler
    inherited from the parent (the embedded store's exit_on_sigterm), whose exit code in a
    forked child can wait forever on a lock some thread held at the fork."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    pipeline()


def extract_all(articles: Iterable[Article], on_error: Reporter,
                workers: int = 1, chunk_size: int = 32) -> Iterator[Extraction]:
    """Extract every article, in input order.

    With workers > 1, chunks of articles go to a process pool, at most two
    chunks per worker in flight, so memory stays bounded by the chunk size
    however long the input stream is."""
    pipeline()                         # a broken pipeline fails here, once; forked workers inherit it
    if workers <= 1:
        for chunk in _chunks(articles, BATCH):
            yield from _report(_extract_chunk(chunk), on_error)
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
    try:
        return extract_many(chunk)
    except Exception:                  # a bug outside any one article: find out whose, one by one
        return [_one(article) for article in chunk]


def _one(article: Article) -> Extraction | KgError:
    try:
        return extract_many([article])[0]
    except Exception as exc:
        return ComponentError(article.id, "pipeline", f"{type(exc).__name__}: {exc}")


def _report(results: list[Extraction | KgError], on_error: Reporter) -> Iterator[Extraction]:
    for result in results:
        if isinstance(result, KgError):
            on_error(result)
        else:
            yield result
