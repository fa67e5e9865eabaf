"""Extraction as a pipeline of small components over one Doc (spaCy-style).

A component is a callable `Doc -> Doc` registered by name with what it needs
(`requires`) and what it adds (`assigns`).  A component may also offer
`.pipe(docs) -> docs`, doing the same to many documents at once where that is
cheaper (the name model tags a batch in one numpy pass); `Pipeline.pipe` uses
it and falls back to one document at a time if the batch fails.  Stateless components are plain
functions (`@component`); a component with state of its own (a compiled
lexicon, a model) is made by a factory (`@factory`) that receives the
pipeline's Vocab and is called once per pipeline.  `build_pipeline` checks
that every requirement is assigned upstream.

This module only keeps the registry: the built-in components register
themselves when kg.extraction.components is imported (kg.extraction.extractor does).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kg.errors import ComponentError, KgError
from kg.extraction.doc import Doc
from kg.extraction.vocab import Vocab
from kg.model import Article

ComponentFn = Callable[[Doc], Doc]


@dataclass(frozen=True)
class Registration:
    name: str
    make: Callable[[Vocab], ComponentFn]
    requires: tuple[str, ...]
    assigns: tuple[str, ...]


REGISTRY: dict[str, Registration] = {}


def _register(name: str, make, requires, assigns, fn=None) -> None:
    old = REGISTRY.get(name)
    if old is not None and getattr(old.make, "component", old.make) is not (fn or make):
        raise KgError(f"component name {name!r} is already registered")
    REGISTRY[name] = Registration(name, make, tuple(requires), tuple(assigns))


def component(name: str, requires: Iterable[str] = (), assigns: Iterable[str] = ()):
    """Register a stateless `Doc -> Doc` function."""
    def wrap(fn: ComponentFn) -> ComponentFn:
        def make(vocab: Vocab) -> ComponentFn:
            return fn
        make.component = fn
        _register(name, make, requires, assigns, fn)
        return fn
    return wrap


def factory(name: str, requires: Iterable[str] = (), assigns: Iterable[str] = ()):
    """Register a constructor `(vocab) -> component` of a component with state."""
    def wrap(make: Callable[[Vocab], ComponentFn]):
        _register(name, make, requires, assigns)
        return make
    return wrap


class Pipeline:
    def __init__(self, steps: list[tuple[str, ComponentFn]], vocab: Vocab):
        self.steps = steps
        self.vocab = vocab

    def make_doc(self, article: Article, text: str, offsets) -> Doc:
        return Doc(article=article, text=text, offsets=offsets, vocab=self.vocab)

    def __call__(self, doc: Doc) -> Doc:
        for name, fn in self.steps:
            doc = _apply(name, fn, doc)
        return doc

    def pipe(self, docs: list[Doc]) -> list[Doc | KgError]:
        """Run every document through the pipeline, step by step over the whole batch.  A
        document a component fails on becomes that KgError; the others go on."""
        out: list[Doc | KgError] = list(docs)
        for name, fn in self.steps:
            live = [i for i, d in enumerate(out) if isinstance(d, Doc)]
            batch = getattr(fn, "pipe", None)
            if batch is not None and len(live) > 1:
                try:
                    done = batch([out[i] for i in live])
                    for i, d in zip(live, done, strict=True):
                        out[i] = d
                    continue
                except Exception:          # find the document at fault one by one below
                    pass
            for i in live:
                try:
                    out[i] = _apply(name, fn, out[i])
                except KgError as exc:
                    out[i] = exc
        return out


def _apply(name: str, fn: ComponentFn, doc: Doc) -> Doc:
    try:
        result = fn(doc)
    except KgError:
        raise
    except Exception as exc:               # a bug in one component names the article and component
        raise ComponentError(doc.article.id, name, f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(result, Doc):
        raise ComponentError(doc.article.id, name, f"returned {type(result).__name__}, not Doc")
    return result


def build_pipeline(names: Iterable[str], vocab: Vocab | None = None) -> Pipeline:
    """Instantiate the named (registered) components, checking their requirements."""
    vocab = vocab or Vocab()
    steps, assigned = [], {"text", "article"}
    for name in names:
        reg = REGISTRY.get(name)
        if reg is None:
            raise KgError(f"unknown pipeline component {name!r}; known: {', '.join(sorted(REGISTRY))}")
        missing = [r for r in reg.requires if r not in assigned]
        if missing:
            raise KgError(f"component {name!r} requires {', '.join(missing)}, "
                          f"which no earlier component assigns")
        steps.append((name, reg.make(vocab)))
        assigned.update(reg.assigns)
    return Pipeline(steps, vocab)
