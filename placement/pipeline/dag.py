"""Small checks on the step graph of a request, in plain Python (a request is a few
steps; building a networkx graph per request dominated reading 100,000 requests)."""

from __future__ import annotations


def is_dag(ids: list[str], pairs: list[tuple[str, str]]) -> bool:
    """Whether the directed graph ``(ids, pairs)`` has no cycle (Kahn's algorithm)."""
    indeg = dict.fromkeys(ids, 0)
    succ: dict[str, list[str]] = {i: [] for i in ids}
    for a, b in pairs:
        succ[a].append(b)
        indeg[b] += 1
    ready = [i for i, d in indeg.items() if d == 0]
    seen = 0
    while ready:
        v = ready.pop()
        seen += 1
        for w in succ[v]:
            indeg[w] -= 1
            if indeg[w] == 0:
                ready.append(w)
    return seen == len(ids)


def weakly_connected(ids: list[str], pairs: list[tuple[str, str]]) -> bool:
    """Whether ``(ids, pairs)`` is connected when edge directions are ignored."""
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    groups = len(ids)
    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
            groups -= 1
    return groups == 1
