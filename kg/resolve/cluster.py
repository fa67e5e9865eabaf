"""Which records are one node: connected components over their keys, and each one's key and name.

The input is a set of record groups (records with the same identity, kg.resolve.records) and
the curator's rules; the output depends on nothing else: not on the order articles came in,
nor on how they were batched.  Per entity type:

1. the curator's merges join keys (unless a split forbids it);
2. each group joins its strong keys (its name, the lexicon's name, a qualified name, a fuller
   form the article states): groups sharing one are one node;
3. a weak key (a short form, an English name, a wrapper-stripped form) joins the node that
   claims it, as long as exactly one node does; repeated until nothing changes (joining can
   leave a once-shared short form with one claimant);
4. a split (A and B are never one node) refuses any join that would put them together; joins
   are tried in a fixed order (groups by their signature, weak keys sorted), so this too does
   not depend on the order articles came in.

A node's name is the curator's (rename), else the lexicon's, else the name the most records
use (ties: the longer, then the first in code-point order); its key is `Label:` + that name's
normal form when the name is one of the node's keys, else its smallest record key
(`Person:张伟@联影医疗` for one of two 张伟 of different employers).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from kg.names import Identity, norm
from kg.resolve.curation import Rules


@dataclass
class Group:
    """Records with one identity (signature), `weight` of them; `node` is the key of the node
    they are on in the store now, if any."""
    sig: str
    label: str
    ident: Identity
    weight: int = 1
    node: str | None = None


@dataclass
class Component:
    label: str
    key: str
    name: str
    members: set[str]                                    # every key it holds
    added: list[str] = field(default_factory=list)       # aliases the curator gave it
    hidden: set[str] = field(default_factory=set)        # alias keys the curator took from it
    renamed: bool = False                                # its name is the curator's


class _Keys:
    """Union-find over keys that refuses joins forbidden by splits."""

    def __init__(self, splits: set[frozenset[str]]):
        self.parent: dict[str, str] = {}
        self.members: dict[str, set[str]] = {}
        self.banned: dict[str, set[str]] = defaultdict(set)
        for pair in splits:
            if len(pair) == 2:
                a, b = sorted(pair)
                self.banned[a].add(b)
                self.banned[b].add(a)

    def find(self, k: str) -> str:
        if k not in self.parent:
            self.parent[k], self.members[k] = k, {k}
        root = k
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[k] != root:
            self.parent[k], k = root, self.parent[k]
        return root

    def union(self, a: str, b: str) -> bool:
        """Join a's and b's components; False if they already were one or a split forbids it."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        small, big = sorted((ra, rb), key=lambda r: (len(self.members[r]), r))
        if self.banned and any(self.banned.get(k, set()) & self.members[big] for k in self.members[small]):
            return False
        self.parent[small] = big
        self.members[big] |= self.members.pop(small)
        return True


def cluster(groups: list[Group], rules: dict[str, Rules]) -> dict[str, Component]:
    """signature -> its node, for every group."""
    out: dict[str, Component] = {}
    by_label: dict[str, list[Group]] = defaultdict(list)
    for g in groups:
        by_label[g.label].append(g)
    for label, gs in sorted(by_label.items()):
        out.update(_cluster_label(label, sorted(gs, key=lambda g: g.sig), rules.get(label) or Rules()))
    return out


def _cluster_label(label: str, groups: list[Group], rules: Rules) -> dict[str, Component]:
    keys = _Keys(rules.splits)
    for a, b in rules.merges:
        keys.union(a, b)
    for g in groups:
        for k in g.ident.strong[1:]:
            keys.union(g.ident.strong[0], k)
    claims: dict[str, list[Group]] = defaultdict(list)
    for g in groups:
        for w in g.ident.weak:
            claims[w].append(g)
    changed = True
    while changed:
        changed = False
        for w in sorted(claims):
            roots = {keys.find(g.ident.strong[0]) for g in claims[w]}
            if len(roots) == 1 and keys.union(w, roots.pop()):
                changed = True
    parts: dict[str, list[Group]] = defaultdict(list)
    for g in groups:
        parts[keys.find(g.ident.strong[0])].append(g)
    out = {}
    for root, members in parts.items():
        comp = _component(label, members, keys.members[root], rules)
        for g in members:
            out[g.sig] = comp
    return out


def _component(label: str, groups: list[Group], members: set[str], rules: Rules) -> Component:
    renamed = [name for key, name in rules.names.items() if key in members]
    canon = Counter()
    displays = Counter()
    for g in groups:
        displays[g.ident.display] += g.weight
        if g.ident.canonical:
            canon[g.ident.canonical] += g.weight
    if renamed:
        name = renamed[-1]
    else:
        name = min((canon or displays).items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[0]
    key = norm(name) if norm(name) in members else min(g.ident.strong[0] for g in groups)
    added = [a for k in sorted(members) for a in rules.added.get(k, ())]
    hidden = {h for k in members for h in rules.hidden.get(k, ())}
    return Component(label, f"{label}:{key}", name, set(members), added, hidden, bool(renamed))
