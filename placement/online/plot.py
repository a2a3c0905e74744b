"""The PNG of a replay log: its series over time, one panel per quantity."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from placement._io import atomic_write_bytes

#: Panels per problem: (title, columns drawn in it).
PANELS = {
    "offloading": (
        ("devices", ("active", "edge", "cloud", "local")),
        ("mean latency (ms)", ("latency_mean_ms",)),
        ("energy saving (%)", ("energy_saving_pct",)),
    ),
    "pipeline": (
        ("requests", ("active",)),
        ("cores / hops", ("cores", "hops")),
        ("delay (ms)", ("delay",)),
    ),
}


def plot_log(log: Any, path: str | os.PathLike[str]) -> None:
    """Draw ``log`` (a :class:`~placement.online.replay.ReplayLog`) into ``path``."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = log.rows
    t = np.array([r["t"] for r in rows], dtype=float)
    span = float(t.max() - t.min()) if t.size else 0.0
    scale, unit = (3600.0, "h") if span > 7200 else (60.0, "min") if span > 600 else (1.0, "s")
    x = t / scale
    panels = list(PANELS[log.controller.problem]) + [
        ("moves (cumulative) / violations", ("moved", "violations")),
        ("controller time per event (us)", ("runtime_us",)),
    ]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 2.1 * len(panels)), sharex=True)
    for ax, (title, cols) in zip(axes, panels, strict=True):
        for c in cols:
            y = np.array([np.nan if r.get(c) is None else r[c] for r in rows], dtype=float)
            if c == "moved":
                y = np.cumsum(y)
            if c == "runtime_us":
                ax.plot(x, y, ".", ms=2, alpha=0.5, label=c)
                ax.set_yscale("log")
            else:
                ax.step(x, y, where="post", label=c, lw=1)
        ax.set_title(title, fontsize=9, loc="left")
        ax.grid(alpha=0.3)
        if len(cols) > 1:
            ax.legend(fontsize=7, loc="upper right")
    axes[-1].set_xlabel(f"time ({unit})")
    fig.suptitle(f"replay of {log.controller.instance.name} ({len(rows)} events)", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
