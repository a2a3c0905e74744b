"""Pareto fronts over two objectives: the shared container, the nondominated filter,
the 2-D hypervolume, CSV and plot output (PNG, SVG, PDF; both problems).

Both axes are *minimised*; an objective that is naturally maximised is passed with
``sense = -1`` and stored with its natural sign (the filter and the hypervolume
flip it internally).
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from placement._io import atomic_write_bytes, atomic_write_text
from placement.errors import InputError

logger = logging.getLogger(__name__)

#: Plot formats :meth:`ParetoFront.plot` writes, chosen by the file's suffix.
PLOT_FORMATS = ("png", "svg", "pdf")
#: No creation dates: the same front gives the same file.
_PLOT_METADATA: dict[str, dict[str, Any]] = {
    "png": {},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None},
}


@dataclass
class ParetoPoint:
    """One solved point of a sweep.

    Attributes
    ----------
    values
        Objective name -> value, with the natural sign (e.g. ``{"energy": 1.2e4,
        "latency": 8.1e4}``). Every objective the problem knows may appear; the
        front's ``x`` and ``y`` must.
    epsilon
        The ε-constraint right-hand side the point was solved with (``None`` for
        the unconstrained extremes).
    result
        The :class:`~placement.result.Result` of the solve, when kept.
    status
        Status of the solve (``optimal``, ``feasible``, ``heuristic``, ...).
    proven
        Whether the point is proven optimal for its ε (``None``: not known).
    bound
        Bound on the point's optimised objective, when the solve has one.
    """

    values: dict[str, float]
    epsilon: float | None = None
    result: Any = None
    status: str | None = None
    proven: bool | None = None
    bound: float | None = None


def _key(p: ParetoPoint, name: str, sense: int) -> float:
    return sense * float(p.values[name])


def nondominated(
    points: Sequence[ParetoPoint], x: str, y: str, *, senses: tuple[int, int] = (1, 1)
) -> list[ParetoPoint]:
    """Return the nondominated points, sorted by ``x`` (duplicates collapsed).

    A point dominates another when it is no worse in both objectives and better
    in at least one (``senses`` +1 = minimise, -1 = maximise).
    """
    sx, sy = senses
    ordered = sorted(points, key=lambda p: (_key(p, x, sx), _key(p, y, sy)))
    front: list[ParetoPoint] = []
    best_y = float("inf")
    for p in ordered:
        py = _key(p, y, sy)
        if py < best_y - 1e-9 * max(1.0, abs(best_y) if best_y != float("inf") else 1.0):
            front.append(p)
            best_y = py
    return front


def hypervolume_2d(
    points: Sequence[ParetoPoint],
    x: str,
    y: str,
    reference: tuple[float, float],
    *,
    senses: tuple[int, int] = (1, 1),
) -> float:
    """Area dominated by ``points`` and bounded by ``reference`` (both minimised after
    applying ``senses``; points beyond the reference contribute nothing)."""
    sx, sy = senses
    rx, ry = sx * reference[0], sy * reference[1]
    front = nondominated(points, x, y, senses=senses)
    area = 0.0
    prev_y = ry
    for p in front:
        px, py = _key(p, x, sx), _key(p, y, sy)
        if px >= rx or py >= prev_y:
            continue
        area += (rx - px) * (prev_y - py)
        prev_y = py
    return area


@dataclass
class ParetoFront:
    """A two-objective front: nondominated points sorted by ``x``.

    Attributes
    ----------
    x, y
        Objective names of the axes.
    points
        Nondominated points sorted by increasing ``x``.
    reference
        Reference point of the hypervolume (stated, in natural units).
    hypervolume
        Area dominated by the front up to ``reference``.
    senses
        +1 minimise / -1 maximise for (x, y).
    all_points
        Every solved point, dominated ones included.
    statistics
        Sweep details (method, per-point runtimes, parallel workers).
    units
        Objective name -> unit, for axis labels.
    """

    x: str
    y: str
    points: list[ParetoPoint]
    reference: tuple[float, float]
    hypervolume: float
    senses: tuple[int, int] = (1, 1)
    all_points: list[ParetoPoint] = field(default_factory=list)
    statistics: dict[str, Any] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_points(
        cls,
        points: Sequence[ParetoPoint],
        x: str,
        y: str,
        *,
        reference: tuple[float, float] | None = None,
        senses: tuple[int, int] = (1, 1),
        statistics: Mapping[str, Any] | None = None,
        units: Mapping[str, str] | None = None,
    ) -> ParetoFront:
        """Filter ``points`` and compute the hypervolume.

        The default reference is 1.1 × the worst value of each objective over the
        nondominated points (the nadir), in the minimisation direction.
        """
        front = nondominated(points, x, y, senses=senses)
        if reference is None and front:
            sx, sy = senses

            def nadir(name: str, s: int) -> float:
                worst = max(_key(p, name, s) for p in front)
                best = min(_key(p, name, s) for p in front)
                span = max(worst - best, abs(worst) * 0.1, 1.0)
                return s * (worst + 0.1 * span)

            reference = (nadir(x, sx), nadir(y, sy))
        reference = reference or (0.0, 0.0)
        hv = hypervolume_2d(front, x, y, reference, senses=senses)
        return cls(
            x=x,
            y=y,
            points=front,
            reference=reference,
            hypervolume=hv,
            senses=senses,
            all_points=list(points),
            statistics=dict(statistics or {}),
            units=dict(units or {}),
        )

    def objective_names(self) -> list[str]:
        """Objective names present in every point, ``x`` and ``y`` first."""
        names = [self.x, self.y]
        if self.points:
            common = set.intersection(*(set(p.values) for p in self.points))
            names += sorted(common - {self.x, self.y})
        return names

    def to_csv(self, path: str | None = None) -> str:
        """CSV text (one row per nondominated point, one column per objective named
        as the objective, then ``epsilon``, ``status``, ``proven`` and ``bound`` — a
        bound on ``y`` where the point's solve optimised ``y``);
        written atomically when ``path`` given."""
        names = self.objective_names()
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(names + ["epsilon", "status", "proven", "bound"])
        for p in self.points:
            row = [_fmt(p.values[n]) for n in names]
            row.append("" if p.epsilon is None else _fmt(p.epsilon))
            row.append(p.status or "")
            row.append("" if p.proven is None else str(bool(p.proven)).lower())
            row.append("" if p.bound is None else _fmt(p.bound))
            w.writerow(row)
        text = buf.getvalue()
        if path is not None:
            atomic_write_text(path, text)
        return text

    def plot(
        self,
        path: str,
        *,
        others: Mapping[str, tuple[float, float]] | None = None,
        title: str | None = None,
    ) -> None:
        """Draw the front (staircase + points; unproven points hollow) and optional
        labelled extra points (published fronts, heuristics) beneath it, with the
        objectives' units on the axes, to ``path``, written atomically in the format its
        suffix names: ``.png``, ``.svg`` or ``.pdf``.

        Raises
        ------
        InputError
            For another suffix.
        """
        fmt = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
        if fmt not in PLOT_FORMATS:
            raise InputError(
                f"plot format {fmt or '(none)'!r} is not supported (use "
                f"{', '.join('.' + f for f in PLOT_FORMATS)})",
                path=os.fspath(path),
            )
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.4, 4.6), dpi=120)
        xs = [p.values[self.x] for p in self.points]
        ys = [p.values[self.y] for p in self.points]
        markers = "sD^v<>pP*Xh"
        for k, (name, (ox, oy)) in enumerate((others or {}).items()):
            ax.plot(
                [ox], [oy], markers[k % len(markers)], label=name, markersize=11, zorder=1,
                markerfacecolor="none", markeredgewidth=1.5, alpha=0.8,
            )  # fmt: skip
        if xs:
            ax.step(xs, ys, where="post", color="tab:blue", alpha=0.5, zorder=2)
            proven = [p.proven is not False for p in self.points]
            px = [x for x, ok in zip(xs, proven) if ok]
            py = [y for y, ok in zip(ys, proven) if ok]
            ux = [x for x, ok in zip(xs, proven) if not ok]
            uy = [y for y, ok in zip(ys, proven) if not ok]
            if px:
                ax.plot(px, py, "o", color="tab:blue", zorder=3, label=f"front ({len(px)} proven)")
            if ux:
                ax.plot(
                    ux, uy, "o", color="tab:blue", markerfacecolor="white", zorder=3,
                    label=f"not proven ({len(ux)})",
                )  # fmt: skip

        def label(name: str) -> str:
            unit = self.units.get(name)
            return f"{name} [{unit}]" if unit else name

        ax.set_xlabel(label(self.x))
        ax.set_ylabel(label(self.y))
        ax.grid(True, alpha=0.3)
        ax.set_title(title or f"Pareto front: {self.y} vs {self.x}")
        ax.legend(fontsize=8)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, metadata=_PLOT_METADATA[fmt])
        plt.close(fig)
        atomic_write_bytes(path, buf.getvalue())


def _fmt(v: float) -> str:
    f = float(v)
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    return repr(f)
