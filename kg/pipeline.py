"""Extraction as a pipeline of small components over one Doc (spaCy-style).

A component is a callable `Doc -> Doc` registered by name with what it needs
(`requires`) and what it adds (`assigns`).  Stateless components are plain
functions (`@component`); a component with state (lexicons, a tokenizer) is
made by a factory (`@factory`) called once per process.  `build_pipeline`
checks that every requirement is assigned upstream.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kg.errors import ComponentError, KgError
from kg.model import Doc

ComponentFn = Callable[[Doc], Doc]


@dataclass(frozen=True)
class Registration:
    name: str
    make: Callable[[], ComponentFn]
    requires: tuple[str, ...]
    assigns: tuple[str, ...]


REGISTRY: dict[str, Registration] = {}


def _register(name: str, make, requires, assigns) -> None:
    if name in REGISTRY and REGISTRY[name].make is not make:
        raise KgError(f"component name {name!r} is already registered")
    REGISTRY[name] = Registration(name, make, tuple(requires), tuple(assigns))


def component(name: str, requires: Iterable[str] = (), assigns: Iterable[str] = ()):
    """Register a stateless `Doc -> Doc` function."""
    def wrap(fn: ComponentFn) -> ComponentFn:
        _register(name, lambda: fn, requires, assigns)
        return fn
    return wrap


def factory(name: str, requires: Iterable[str] = (), assigns: Iterable[str] = ()):
    """Register a zero-argument constructor of a component with state."""
    def wrap(make: Callable[[], ComponentFn]):
        _register(name, make, requires, assigns)
        return make
    return wrap


# The default pipeline, in order.  Each name is registered in kg/components/.
DEFAULT_PIPELINE = (
    "sentences", "tokens", "lexicon", "persons", "products", "organizations",
    "policies", "events", "aliases", "entities", "relations",
)


class Pipeline:
    def __init__(self, steps: list[tuple[str, ComponentFn]]):
        self.steps = steps

    def __call__(self, doc: Doc) -> Doc:
        for name, fn in self.steps:
            try:
                result = fn(doc)
            except KgError:
                raise
            except Exception as exc:       # a bug in one component names the article and component
                raise ComponentError(doc.article.id, name, f"{type(exc).__name__}: {exc}") from exc
            if not isinstance(result, Doc):
                raise ComponentError(doc.article.id, name, f"returned {type(result).__name__}, not Doc")
            doc = result
        return doc


def build_pipeline(names: Iterable[str] = DEFAULT_PIPELINE) -> Pipeline:
    """Instantiate the named components, checking their requirements."""
    import kg.components  # noqa: F401  (registers the built-in components)

    steps, assigned = [], {"text", "article"}
    for name in names:
        reg = REGISTRY.get(name)
        if reg is None:
            raise KgError(f"unknown pipeline component {name!r}; known: {', '.join(sorted(REGISTRY))}")
        missing = [r for r in reg.requires if r not in assigned]
        if missing:
            raise KgError(f"component {name!r} requires {', '.join(missing)}, "
                          f"which no earlier component assigns")
        steps.append((name, reg.make()))
        assigned.update(reg.assigns)
    return Pipeline(steps)
