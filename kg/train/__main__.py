"""python -m kg.train COMMAND [options]; commands: ner, gazetteer."""
from __future__ import annotations

import sys

COMMANDS = {"ner": "kg.train.ner", "gazetteer": "kg.train.gazetteer"}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m kg.train {{{','.join(COMMANDS)}}} [options]", file=sys.stderr)
        return 2
    import importlib
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
