"""Allocation map of a pipeline placement: the substrate (geographic where nodes have
coordinates, a seeded spring layout otherwise), the function instances on each node and
the route of every admitted request."""

from __future__ import annotations

import io
from typing import Any

import networkx as nx

from placement._io import atomic_write_bytes
from placement.pipeline.instance import PipelineInstance
from placement.pipeline.solution import Placement


def allocation_map(
    inst: PipelineInstance, placement: Placement, path: str, *, fmt: str = "png"
) -> None:
    """Draw ``placement`` on ``inst``'s substrate to ``path`` (written atomically).

    Node size grows with the number of function instances hosted, the colour tells
    which function hosts most there; each admitted request's routes are drawn in one
    colour; nodes without coordinates are laid out by a spring layout seeded with 0.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    g = nx.Graph()
    g.add_nodes_from(n.name for n in inst.nodes)
    g.add_edges_from((lk.u, lk.v) for lk in inst.links)
    coords = {n.name: n.coords for n in inst.nodes if n.coords is not None}
    if len(coords) == len(inst.nodes):
        pos = {v: (lon, lat) for v, (lat, lon) in coords.items()}
        xlabel, ylabel = "longitude [°]", "latitude [°]"
    else:
        pos = nx.spring_layout(g, seed=0)
        xlabel = ylabel = ""
    hosted: dict[str, int] = {}
    main_fn: dict[str, str] = {}
    for (v, f), c in placement.instances.items():
        hosted[v] = hosted.get(v, 0) + int(c)
        if c and (v not in main_fn or c > placement.instances.get((v, main_fn[v]), 0)):
            main_fn[v] = f
    functions = sorted(set(main_fn.values()))
    cmap = plt.get_cmap("tab10")
    fig, ax = plt.subplots(figsize=(7.5, 6), dpi=120)
    nx.draw_networkx_edges(g, pos, ax=ax, edge_color="0.8", width=1.0)
    routes = plt.get_cmap("tab20")
    for k, (_r, rts) in enumerate(sorted(placement.routes.items())):
        for rt in rts:
            if len(rt.path) > 1:
                xs = [pos[v][0] for v in rt.path]
                ys = [pos[v][1] for v in rt.path]
                ax.plot(xs, ys, color=routes(k % 20), alpha=0.5, linewidth=1.5, zorder=2)
    empty = [v for v in g.nodes if v not in hosted]
    nx.draw_networkx_nodes(g, pos, nodelist=empty, node_size=12, node_color="0.6", ax=ax)
    for i, f in enumerate(functions):
        nodes = [v for v in hosted if main_fn[v] == f]
        nx.draw_networkx_nodes(
            g, pos, nodelist=nodes, node_size=[40 + 40 * hosted[v] for v in nodes],
            node_color=[cmap(i % 10)], ax=ax, label=f,
        )  # fmt: skip
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(
        f"{inst.name}: {sum(hosted.values())} instances on {len(hosted)} of "
        f"{len(inst.nodes)} nodes, {len(placement.steps)} requests routed"
    )
    if functions:
        ax.legend(fontsize=7, markerscale=0.5, loc="best")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def plot_solution(inst: PipelineInstance, solution: Any, path: str, fmt: str = "png") -> None:
    """``placement plot``: the allocation map of a pipeline solution."""
    allocation_map(inst, solution, path, fmt=fmt)
