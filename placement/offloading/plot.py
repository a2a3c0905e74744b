"""Allocation map of an offloading assignment: which access point's devices run where
(edge nodes grouped by tier, clouds, local), each device coloured by how much of its
deadline it uses, and the distribution of that share per kind."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from placement._io import atomic_write_bytes
from placement.offloading.evaluate import Assignment, evaluate
from placement.offloading.instance import KIND_CLOUD, KIND_EDGE, OffloadingInstance


def allocation_map(
    inst: OffloadingInstance, assignment: Assignment, path: str, *, fmt: str = "png"
) -> None:
    """Draw ``assignment`` to ``path`` (written atomically).

    Left: one dot per device at (its AP, its target); targets are the edge nodes ordered
    by tier, then the clouds, then "local"; the colour is latency / deadline (above 1 =
    a violation). Right: histogram of latency / deadline per kind.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ev = evaluate(inst, assignment)
    kind, target = assignment.kind, assignment.target
    order = sorted(range(inst.n_nodes), key=lambda j: (inst.tiers.index(inst.node_tier[j]), j))
    row_of_node = np.empty(inst.n_nodes, dtype=np.int64)
    row_of_node[order] = np.arange(inst.n_nodes)
    gap = max(3.0, 0.08 * inst.n_nodes)  # clouds and local apart from the node rows
    cloud_row = inst.n_nodes - 1 + gap * (1 + np.arange(inst.n_clouds))
    local_row = inst.n_nodes - 1 + gap * (1 + inst.n_clouds)
    row = np.where(
        kind == KIND_EDGE,
        row_of_node[np.clip(target, 0, max(inst.n_nodes - 1, 0))] if inst.n_nodes else 0,
        np.where(
            kind == KIND_CLOUD,
            cloud_row[np.clip(target, 0, max(inst.n_clouds - 1, 0))] if inst.n_clouds else 0,
            local_row,
        ),
    )
    aps = np.unique(inst.device_ap)
    col_of_ap = {int(a): k for k, a in enumerate(aps)}
    col = np.array([col_of_ap[int(a)] for a in inst.device_ap])
    share = ev.latency_ms / inst.deadline_ms
    fig, (ax, ax2) = plt.subplots(
        1, 2, figsize=(11, 5.5), dpi=120, gridspec_kw={"width_ratios": [2.2, 1]}
    )
    sc = ax.scatter(col, row, c=np.minimum(share, 1.5), cmap="viridis", s=8, vmin=0, vmax=1.5)
    fig.colorbar(sc, ax=ax, label="latency / deadline")
    bounds = [0]
    for t in inst.tiers:
        bounds.append(bounds[-1] + sum(1 for j in order if inst.node_tier[j] == t))
    ticks = [(a + b) / 2 for a, b in zip(bounds, bounds[1:])] + cloud_row.tolist() + [local_row]
    labels = [f"{t} nodes" for t in inst.tiers] + [f"cloud {k}" for k in range(inst.n_clouds)]
    ax.set_yticks(ticks, labels + ["local"], fontsize=8)
    for b in bounds[1:]:
        ax.axhline(b - 0.5, color="0.8", linewidth=0.8)
    ax.set_xlabel(f"access point (the {len(aps)} that host devices)")
    m = ev.metrics
    ax.set_title(
        f"{inst.name}: {m['edge']} edge, {m['cloud']} cloud, {m['local']} local, "
        f"{m['violations']} violations",
        fontsize=10,
    )
    bins = np.linspace(0, max(1.5, float(share.max()) if share.size else 1.5), 31)
    for name, k in (("edge", KIND_EDGE), ("cloud", KIND_CLOUD)):
        sel = kind == k
        if sel.any():
            ax2.hist(share[sel], bins=bins, alpha=0.6, label=f"{name} ({int(sel.sum())})")
    ax2.axvline(1.0, color="tab:red", linestyle="--", linewidth=1, label="deadline")
    ax2.set_xlabel("latency / deadline")
    ax2.set_ylabel("devices")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def plot_solution(inst: OffloadingInstance, solution: Any, path: str, fmt: str = "png") -> None:
    """``placement plot``: the allocation map of an offloading solution."""
    allocation_map(inst, solution, path, fmt=fmt)
