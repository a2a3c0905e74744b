"""The package's import graph read from the source (module- and function-level imports).

Used by the architecture tests and to report the graph's size; it imports nothing of
the package, so a broken module cannot hide an edge.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Source folder -> the package name it is installed as.
SOURCES = {
    "placement": "placement",
    "models": "placement.models",
    "heuristics": "placement.heuristics",
}


@dataclass
class Graph:
    """Modules, their import edges and how many imports sit inside functions."""

    modules: dict[str, Path] = field(default_factory=dict)
    edges: dict[str, set[str]] = field(default_factory=dict)
    external: dict[str, set[str]] = field(default_factory=dict)
    function_level: dict[str, int] = field(default_factory=dict)

    def sccs(self) -> list[list[str]]:
        """Strongly connected components with more than one module (the cycles)."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on: set[str] = set()
        out: list[list[str]] = []
        counter = [0]

        def visit(v: str) -> None:
            work = [(v, iter(sorted(self.edges.get(v, ()))))]
            index[v] = low[v] = counter[0]
            counter[0] += 1
            stack.append(v)
            on.add(v)
            while work:
                node, it = work[-1]
                for w in it:
                    if w not in index:
                        index[w] = low[w] = counter[0]
                        counter[0] += 1
                        stack.append(w)
                        on.add(w)
                        work.append((w, iter(sorted(self.edges.get(w, ())))))
                        break
                    if w in on:
                        low[node] = min(low[node], index[w])
                else:
                    work.pop()
                    if work:
                        low[work[-1][0]] = min(low[work[-1][0]], low[node])
                    if low[node] == index[node]:
                        comp = []
                        while True:
                            w = stack.pop()
                            on.discard(w)
                            comp.append(w)
                            if w == node:
                                break
                        if len(comp) > 1:
                            out.append(sorted(comp))

        for v in sorted(self.modules):
            if v not in index:
                visit(v)
        return out

    def imports_of(self, prefix: str) -> dict[str, set[str]]:
        """Internal imports of every module at or under ``prefix``."""
        return {m: e for m, e in self.edges.items() if m == prefix or m.startswith(prefix + ".")}


def _module_name(path: Path, src: str, pkg: str) -> str:
    rel = path.relative_to(ROOT / src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([pkg, *parts]) if parts else pkg


def build() -> Graph:
    """Read every module of the package and return its import graph."""
    g = Graph()
    for src, pkg in SOURCES.items():
        for path in sorted((ROOT / src).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            g.modules[_module_name(path, src, pkg)] = path
    for mod, path in g.modules.items():
        is_pkg = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        ext: set[str] = set()
        nfunc = 0
        parents: dict[int, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            p = parents.get(id(node))
            inside = False
            while p is not None:
                if isinstance(p, ast.FunctionDef | ast.AsyncFunctionDef):
                    inside = True
                    break
                p = parents.get(id(p))
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                for a in node.names:
                    full = f"{base}.{a.name}"
                    targets.append(full if full in g.modules else base)
            for t in targets:
                if t == "placement" or t.startswith("placement."):
                    # an import of a name inside a module is an import of that module
                    while t not in g.modules and "." in t:
                        t = t.rsplit(".", 1)[0]
                    if t != mod:
                        edges.add(t)
                        nfunc += inside
                else:
                    ext.add(t.split(".")[0])
        g.edges[mod] = edges
        g.external[mod] = ext
        g.function_level[mod] = nfunc
    return g


if __name__ == "__main__":  # a one-line report of the graph
    gr = build()
    lines = {m: len(p.read_text().splitlines()) for m, p in gr.modules.items()}
    big = max(lines, key=lines.get)
    print(
        f"modules {len(gr.modules)}, lines {sum(lines.values())}, largest {big} "
        f"({lines[big]}), function-level internal imports {sum(gr.function_level.values())}, "
        f"cycles {gr.sccs()}"
    )
