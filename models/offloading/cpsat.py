"""The offloading model on OR-Tools CP-SAT, with integer costs.

Same variables and rows as :mod:`placement.models.offloading.pyomo`; costs are scaled
to integers, ``round(cost · SCALE)`` with :data:`SCALE` = 1e6 units per ms / mJ (ns /
nJ resolution). Rounding moves a solution's total by at most ``(N + J) / 2e6`` ms; the
returned assignment is re-evaluated exactly by the evaluator. The ε-constraint gets
the same rounding slack, so a boundary ε stays feasible. The ``edge`` objective is
lexicographic in one model: ``latency − span · n_edge`` with ``span`` beyond the
latency range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from placement.models.offloading.data import OffloadingData

#: Integer units per ms (latency) and per mJ (energy).
SCALE = 1e6


@dataclass(eq=False)
class CpsatModel:
    """A built CP-SAT model and the handles needed to read it back.

    Attributes
    ----------
    model
        The ``cp_model.CpModel``.
    x, y, z, u
        Its Boolean variables in the data's column order.
    latency, energy
        Integer linear expressions of total latency and energy (fixed devices excluded).
    rounding
        Largest absolute error (ms / mJ) rounding adds to a total.
    """

    model: Any
    x: list[Any]
    y: list[Any]
    z: list[Any]
    u: list[Any]
    latency: Any
    energy: Any
    rounding: float

    @property
    def variables(self) -> list[Any]:
        """All variables in column order ``x, y, z, u``."""
        return self.x + self.y + self.z + self.u


def build_cpsat_model(
    data: OffloadingData,
    objective: str = "latency",
    epsilon: float | None = None,
    *,
    hint: np.ndarray | None = None,
) -> CpsatModel:
    """Build the CP-SAT model of ``data``.

    Parameters
    ----------
    data
        Pre-filtered data.
    objective
        ``latency``, ``energy`` or ``edge``.
    epsilon
        ε-constraint right-hand side (energy for latency, latency for energy).
    hint
        A full 0/1 column vector to add as solution hints.
    """
    from ortools.sat.python import cp_model

    inst = data.instance
    S = SCALE
    P, C, U = data.n_pairs, int(data.cloud_dev.shape[0]), data.n_levels
    devs = data.devices
    md = cp_model.CpModel()
    x = [md.NewBoolVar(f"x{p}") for p in range(P)]
    y = [md.NewBoolVar(f"y{c}") for c in range(C)]
    z = [md.NewBoolVar(f"z{i}") for i in devs.tolist()]
    u = [md.NewBoolVar(f"u{k}") for k in range(U)]
    rows: list[list[Any]] = [[] for _ in range(devs.shape[0])]
    for p, r in enumerate(np.searchsorted(devs, data.pair_dev).tolist()):
        rows[r].append(x[p])
    for c, r in enumerate(np.searchsorted(devs, data.cloud_dev).tolist()):
        rows[r].append(y[c])
    for r in range(devs.shape[0]):
        md.AddExactlyOne(rows[r] + [z[r]])
    start_lv = data._level_start
    npos = np.searchsorted(data.node_ids, data.pair_node)
    for k in range(data.node_ids.shape[0]):
        s0 = int(start_lv[k])
        cnt = int(data.node_nbar[k] - data.node_base[k] + 1)
        lv = list(range(s0, s0 + cnt))
        md.AddExactlyOne([u[q] for q in lv])
        xs = [x[p] for p in np.flatnonzero(npos == k).tolist()]
        md.Add(sum(int(data.level_n[q]) * u[q] for q in lv) == int(data.node_base[k]) + sum(xs))
    need, first, last = data.cap_rows()
    for p, f, e in zip(need.tolist(), first.tolist(), last.tolist()):
        md.AddAtMostOne([x[p]] + [u[q] for q in range(f, e)])

    def iv(a: np.ndarray) -> list[int]:
        return np.rint(np.asarray(a) * S).astype(np.int64).tolist()

    lat_terms = (
        list(zip(iv(data.pair_latency), x))
        + list(zip(iv(data.cloud_latency), y))
        + list(zip(iv(inst.device_local_ms[devs]), z))
        + list(zip(iv(data.level_cost), u))
    )
    en_terms = (
        list(zip(iv(data.pair_energy), x))
        + list(zip(iv(data.cloud_energy), y))
        + list(zip(iv(inst.device_local_mj[devs]), z))
    )
    lat_expr = cp_model.LinearExpr.WeightedSum([v for _, v in lat_terms], [c for c, _ in lat_terms])
    en_expr = cp_model.LinearExpr.WeightedSum([v for _, v in en_terms], [c for c, _ in en_terms])
    if epsilon is not None:
        # each of the (at most one per device + one per node) active terms may be
        # rounded up by half a unit
        slack = (devs.shape[0] + data.node_ids.shape[0]) // 2 + 1
        if objective == "energy":
            md.Add(lat_expr <= int(math.floor((epsilon - data.fixed_latency) * S)) + slack)
        else:
            md.Add(en_expr <= int(math.floor((epsilon - data.fixed_energy) * S)) + slack)
    if objective == "latency":
        md.Minimize(lat_expr)
    elif objective == "energy":
        md.Minimize(en_expr)
    else:
        span = int(sum(max(c, 0) for c, _ in lat_terms)) + 1
        md.Minimize(lat_expr - span * sum(x))
    out = CpsatModel(
        md, x, y, z, u, lat_expr, en_expr, 0.5 * (devs.shape[0] + data.node_ids.shape[0]) / S
    )
    if hint is not None:
        for v, val in zip(out.variables, hint.tolist()):
            md.AddHint(v, int(round(val)))
    return out
