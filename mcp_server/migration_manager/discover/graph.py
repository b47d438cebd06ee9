"""Revision graphs (Alembic, Django): order, heads, bases, branch points, merges, broken links."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Graph:
    order: list[str] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)
    branch_points: list[str] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)  # node -> parents that do not exist
    cycle: list[str] = field(default_factory=list)


def analyze(parents: dict[str, list[str]], sort_key: dict[str, str] | None = None) -> Graph:
    """`parents`: node -> the nodes it comes after. Order is topological, ties by `sort_key`."""
    key = sort_key or {n: n for n in parents}
    g = Graph()
    children: dict[str, list[str]] = {n: [] for n in parents}
    for node, ps in parents.items():
        gone = [p for p in ps if p not in parents]
        if gone:
            g.missing[node] = gone
        for p in ps:
            if p in children:
                children[p].append(node)
    g.bases = sorted((n for n, ps in parents.items() if not ps), key=lambda n: key[n])
    g.heads = sorted((n for n, cs in children.items() if not cs), key=lambda n: key[n])
    g.branch_points = sorted((n for n, cs in children.items() if len(cs) > 1), key=lambda n: key[n])
    g.merges = sorted((n for n, ps in parents.items() if len(ps) > 1), key=lambda n: key[n])
    waiting = {n: sum(1 for p in ps if p in parents) for n, ps in parents.items()}
    ready = sorted((n for n, w in waiting.items() if w == 0), key=lambda n: key[n])
    while ready:
        node = ready.pop(0)
        g.order.append(node)
        for child in sorted(children[node], key=lambda n: key[n]):
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
        ready.sort(key=lambda n: key[n])
    if len(g.order) < len(parents):
        g.cycle = sorted((n for n in parents if n not in g.order), key=lambda n: key[n])
        g.order.extend(g.cycle)
    return g
