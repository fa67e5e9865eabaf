"""A curator's decisions about identity, kept as a plain-text file and applied on every load.

The file (default `curation.tsv` in the embedded store's directory; see kg.api.curation_path)
holds one decision per line, tab-separated, in the order they were made:

    merge         Organization  联影医疗  上海联影医疗科技股份有限公司   # one node
    split         Person        张伟@联影医疗  张伟                  # never one node, nor names of it
    alias-add     Organization  阿斯利康  AZ                       # AZ names it, and is shown
    alias-remove  Organization  联影医疗  联影                      # 联影 is not its name
    rename        Organization  市科委   上海市科学技术委员会          # show this name
    reject        *             本刊                              # not an entity (any type)

Names are compared in normal form (kg.names.norm), so any alias of a node, in any case or
width, stands for it.  A later decision overrides an earlier one about the same pair (merge,
then split, of A and B leaves them apart); `kg curate undo` removes the last line.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KgError
from kg.model import EntityType
from kg.names import norm

ACTIONS = ("merge", "split", "alias-add", "alias-remove", "rename", "reject")
ANY = "*"
HEADER = ("# kg curation decisions: one per line, applied to the graph on every load (kg curate --help).\n"
          "# action <TAB> type <TAB> name <TAB> other name; names match any alias in any case or width.\n")


class CurationError(KgError):
    """A decisions file that cannot be read, or a decision that does not make sense."""


@dataclass(frozen=True)
class Decision:
    action: str
    label: str                # an EntityType, or * (reject only)
    name: str
    other: str = ""

    def __post_init__(self):
        if self.action not in ACTIONS:
            raise CurationError(f"unknown curation action {self.action!r}; one of {', '.join(ACTIONS)}")
        if self.label != ANY and self.label not in {str(t) for t in EntityType}:
            raise CurationError(f"unknown entity type {self.label!r}")
        if self.label == ANY and self.action != "reject":
            raise CurationError(f"{self.action} needs an entity type, not *")
        if not norm(self.name) or (self.action != "reject") != bool(norm(self.other)):
            raise CurationError(f"{self.action} takes {'one name' if self.action == 'reject' else 'two names'}")
        if any(c in s for s in (self.name, self.other) for c in "\t\n\r"):
            raise CurationError("a name cannot hold a tab or a line break")

    def line(self) -> str:
        return "\t".join([self.action, self.label, self.name] + ([self.other] if self.other else []))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(norm(n) for n in (self.name, self.other) if n)


@dataclass
class Rules:
    """What the decisions say about one entity type, once later decisions override earlier ones."""
    merges: list[tuple[str, str]] = field(default_factory=list)       # key pairs, one node
    splits: set[frozenset[str]] = field(default_factory=set)          # key pairs, never one node
    names: dict[str, str] = field(default_factory=dict)               # key -> the node's name
    rejects: set[str] = field(default_factory=set)                    # keys that are no entity
    added: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))   # key -> aliases
    hidden: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))    # key -> alias keys

    def partners(self) -> dict[str, set[str]]:
        """key -> keys a decision ties it to (the loader reads their nodes together)."""
        out: dict[str, set[str]] = defaultdict(set)
        for a, b in [*self.merges, *(tuple(p) for p in self.splits if len(p) == 2)]:
            out[a].add(b)
            out[b].add(a)
        return out


@dataclass
class Curation:
    decisions: list[Decision] = field(default_factory=list)

    def rules(self, label: str) -> Rules:
        r = Rules()
        for d in self.decisions:
            if d.label not in (label, ANY):
                continue
            a, b = (d.keys + ("",))[:2]
            pair = frozenset((a, b))
            if d.action == "reject":
                r.rejects.add(a)
                continue
            if d.action in ("merge", "alias-add", "rename"):
                r.splits.discard(pair)
                r.merges.append((a, b))
                r.hidden[a].discard(b)
                r.hidden[b].discard(a)
                if d.action == "alias-add":
                    r.added[a].append(d.other)
                    r.hidden[a].discard(b)
                if d.action == "rename":
                    r.names.pop(a, None)          # the last rename is the name
                    r.names[a] = d.other
            else:                       # split, alias-remove: neither is a name of the other's node
                r.merges = [m for m in r.merges if frozenset(m) != pair]
                r.splits.add(pair)
                r.hidden[a].add(b)
                r.added[a] = [x for x in r.added[a] if norm(x) != b]
                if d.action == "split":
                    r.hidden[b].add(a)
        return r

    def all_rules(self) -> dict[str, Rules]:
        return {str(t): self.rules(str(t)) for t in EntityType}


def read(path: str | Path) -> Curation:
    """The decisions in `path` (none if it does not exist); a bad line is an error naming it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Curation()
    except (OSError, UnicodeDecodeError) as exc:
        raise CurationError(f"{path}: cannot read the curation file: {exc}") from None
    decisions = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        try:
            decisions.append(Decision(*cells[:4]) if 3 <= len(cells) <= 4 else None)
        except (CurationError, TypeError) as exc:
            raise CurationError(f"{path}:{n}: {exc}") from None
        if decisions[-1] is None:
            raise CurationError(f"{path}:{n}: expected action<TAB>type<TAB>name[<TAB>other name]")
    return Curation(decisions)


def write(path: str | Path, curation: Curation) -> None:
    """Write the decisions (atomically: a reader never sees half a file)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(HEADER + "".join(d.line() + "\n" for d in curation.decisions), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise CurationError(f"{path}: cannot write the curation file: {exc.strerror or exc}") from None
