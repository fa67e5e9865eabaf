"""Built-in pipeline components; importing this package registers them.

DEFAULT_PIPELINE names them in the order `kg extract` runs them."""
from kg.extraction.components import (  # noqa: F401
    sentences, tokens, lexicon, persons, organizations, products, policies, events,
    aliases, entities, relations, names_model, bylines, gazetteer, latin_organizations,
)

DEFAULT_PIPELINE = (
    "sentences", "bylines", "tokens", "names_model", "lexicon", "persons", "model_persons", "products",
    "organizations", "model_organizations", "policies", "events", "gazetteer", "latin_organizations", "aliases",
    "entities", "relations",
)
