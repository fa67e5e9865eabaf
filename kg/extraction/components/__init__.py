"""Built-in pipeline components; importing this package registers them.

DEFAULT_PIPELINE names them in the order `kg extract` runs them."""
from kg.extraction.components import (  # noqa: F401
    sentences, tokens, lexicon, persons, organizations, products, policies, events,
    aliases, entities, relations,
)

DEFAULT_PIPELINE = (
    "sentences", "tokens", "lexicon", "persons", "products", "organizations",
    "policies", "events", "aliases", "entities", "relations",
)
