"""Built-in pipeline components; importing this package registers them."""
from kg.components import (  # noqa: F401
    sentences, tokens, lexicon, persons, organizations, products, policies, events,
    aliases, entities, relations,
)
