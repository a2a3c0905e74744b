"""Exact solving of the offloading model (spec §3): HiGHS, CP-SAT, any Pyomo MILP solver,
the LP bound and the partitioned MILPs (MT-MILP, 2PMT-MILP).

Every backend starts from the same pre-filtered data
(:func:`placement.models.offloading.prefilter`):

* ``solver="highs"`` (default) — the matrix of the Pyomo model emitted directly with
  numpy into ``highspy`` (:func:`build_matrix`; identical rows, columns and
  coefficients to :func:`~placement.models.offloading.build_offloading_model`, proven
  in ``tests/test_milp.py``). It exists because building through Pyomo costs more
  than 20 % of the solve time on config C (``benchmarks/results/milp_build.md``).
* ``solver="highs-pyomo"`` (alias ``appsi_highs``) — the Pyomo model through Pyomo's
  in-process HiGHS interface (``pyomo.contrib.solver``), with ``load_solutions=False``,
  ``raise_exception_on_nonoptimal_result=False`` and explicit status handling.
* any other name (``cbc``, ``glpk``, ``gurobi``, ``cplex``, ``scip``, ...) — the Pyomo
  model through ``pyomo.contrib.solver``'s factory if it knows the name, else the
  classic ``pyomo.environ.SolverFactory``.
* :func:`solve_cpsat` — OR-Tools CP-SAT on the same data with integer costs
  (``round(cost · CPSAT_SCALE)``, ``CPSAT_SCALE = 1e6`` units per ms / mJ, i.e. ns /
  nJ resolution; rounding moves a solution's total by at most ``(N + J)/2e6`` ms,
  and the returned assignment is re-evaluated exactly by the evaluator).

Status mapping (every backend): optimal → ``Status.OPTIMAL``; time (or iteration)
limit with an incumbent → ``Status.FEASIBLE`` + ``Termination.TIME_LIMIT`` and the
solver's bound; time limit without one → ``Status.NO_SOLUTION``; infeasible (only
possible with an ε-constraint) → ``Status.INFEASIBLE``; anything else →
``Status.ERROR``. The bound is a bound on the *solved* objective, so it is reported
as ``Result.bound`` only for the latency objective (total latency is what
``Result.objective`` holds); otherwise it goes to ``statistics["solver_bound"]``.

MIP start: ``warm_start=True`` (default) runs ``placement.solve(inst, method="nimbus")``
if that method is available, else the ``cloud`` baseline, repairs options the model
pruned (a dominated edge pair, a dominated cloud) by the option that dominates them
and passes the result to HiGHS (``setSolution``) or CP-SAT (hints). An assignment or
a :class:`~placement.result.Result` may be passed instead.
"""

from __future__ import annotations

import logging
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

import numpy as np

from .errors import InputError, SolverUnavailableError
from .evaluate import Assignment, evaluate
from .instance import KIND_CLOUD, KIND_EDGE, KIND_LOCAL, OffloadingInstance
from .methods import RawSolution
from .result import Status, Termination

logger = logging.getLogger(__name__)

#: Default relative MIP gap: effectively exact (HiGHS' own default is 1e-4).
DEFAULT_MIP_GAP = 1e-9
#: HiGHS options of the direct path. Presolve is off: on this model it spends most of
#: the time probing binaries whose LP relaxation is already (nearly) integral — config
#: C 1000 devices: 4.8 s with presolve, 1.1 s without; A-C0 4000 devices: no proof after
#: 156 s with presolve (gap 98 %), optimal in 21 s without (benchmarks/results/milp_*.md).
HIGHS_OPTIONS: dict[str, Any] = {"presolve": "off"}
#: Integer units per ms (latency) and per mJ (energy) of the CP-SAT model.
CPSAT_SCALE = 1e6
PYOMO_HIGHS = ("highs-pyomo", "appsi_highs")
#: Pyomo MILP solvers probed by :func:`available_backends`.
PYOMO_PROBE = ("cbc", "glpk", "gurobi", "cplex", "scip")


class SolverNotFoundError(InputError, SolverUnavailableError):
    """The requested solver is not installed: a user-input problem (``InputError``, CLI
    exit code 2) that is also a :class:`SolverUnavailableError`."""

    def __init__(self, solver: str, detail: str) -> None:
        InputError.__init__(
            self, f"solver {solver!r} is {detail}; see `placement check`", field="solver"
        )


# ============================================================== validation
def _check_pos(name: str, value: Any, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise InputError(f"Expected {name} to be a finite number, got {value!r}.", field=name)
    if value < 0 or (value == 0 and not allow_zero):
        raise InputError(
            f"Expected {name} {'>=' if allow_zero else '>'} 0, got {value!r}.", field=name
        )
    return float(value)


def _check_int(name: str, value: Any, lo: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InputError(f"Expected {name} to be an integer, got {value!r}.", field=name)
    if value < lo:
        raise InputError(f"Expected {name} >= {lo}, got {value!r}.", field=name)
    return int(value)


def _check_common(
    instance: Any, time_limit: Any, mip_gap: Any, threads: Any, objective: Any, epsilon: Any
) -> tuple[float | None, float, int | None, str, float | None]:
    if not isinstance(instance, OffloadingInstance):
        raise InputError("Expected an OffloadingInstance.", field="instance")
    tl = None if time_limit is None else _check_pos("time_limit", time_limit)
    gap = DEFAULT_MIP_GAP if mip_gap is None else _check_pos("mip_gap", mip_gap, allow_zero=True)
    if gap >= 1:
        raise InputError(f"Expected mip_gap in [0, 1), got {mip_gap!r}.", field="mip_gap")
    th = None if threads is None else _check_int("threads", threads)
    if objective not in ("latency", "energy", "edge"):
        raise InputError(
            f"Expected objective in {{latency, energy, edge}}, got {objective!r}.",
            field="objective",
        )
    eps = None if epsilon is None else _check_pos("epsilon", epsilon, allow_zero=True)
    if eps is not None and objective == "edge":
        raise InputError("Expected no epsilon with objective 'edge'.", field="epsilon")
    return tl, gap, th, objective, eps


# ============================================================== matrix
@dataclass(eq=False)
class MatrixModel:
    """The model as a sparse row-wise matrix (what :func:`build_matrix` emits).

    Columns: ``x`` (pairs), ``y`` (cloud options), ``z`` (free devices), ``u`` (levels).
    Rows: ``assign``, ``one_level``, ``load_def``, ``cap``, then ``eps_con`` and
    ``edge_floor`` when present. Minimisation (``edge`` is minimised as ``-n_edge``).
    """

    cost: np.ndarray
    offset: float
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    col_names: list[str]
    row_names: list[str]
    n_x: int
    n_y: int
    n_z: int
    n_u: int
    eps_row: int | None = None

    @property
    def n_cols(self) -> int:
        """Number of columns."""
        return int(self.cost.shape[0])

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.row_lower.shape[0])

    def rows(self) -> dict[str, tuple[float, float, dict[str, float]]]:
        """``row name -> (lower, upper, {column name: coefficient})`` (for tests)."""
        out = {}
        for r, name in enumerate(self.row_names):
            s, e = self.start[r], self.start[r + 1]
            out[name] = (
                float(self.row_lower[r]),
                float(self.row_upper[r]),
                {self.col_names[c]: float(v) for c, v in zip(self.index[s:e], self.value[s:e])},
            )
        return out


def _names(prefix: str, *cols: np.ndarray) -> list[str]:
    if len(cols) == 1:
        return [f"{prefix}[{a}]" for a in cols[0].tolist()]
    return [f"{prefix}[{a},{b}]" for a, b in zip(cols[0].tolist(), cols[1].tolist())]


def build_matrix(
    data: Any,
    objective: str = "latency",
    epsilon: float | None = None,
    *,
    edge_floor: int | None = None,
    names: bool = False,
) -> MatrixModel:
    """Emit the model of :mod:`placement.models.offloading` as a row-wise matrix.

    Parameters
    ----------
    data
        :class:`~placement.models.offloading.OffloadingData`.
    objective
        ``latency``, ``energy`` or ``edge`` (as ``min -n_edge``).
    epsilon
        ε-constraint right-hand side (energy for latency, latency for energy) or ``None``.
    edge_floor
        Adds ``Σ x ≥ edge_floor`` (second lexicographic stage of ``edge``).
    names
        Also produce column / row names in Pyomo's spelling (``x[i,j]``, ``cap[i,j]``).
    """
    inst = data.instance
    P, C = data.n_pairs, int(data.cloud_dev.shape[0])
    devs = data.devices
    n, U = int(devs.shape[0]), data.n_levels
    Jn = int(data.node_ids.shape[0])
    ox, oy, oz, ou = 0, P, P + C, P + C + n
    ncol = ou + U
    lat = np.concatenate(
        (data.pair_latency, data.cloud_latency, inst.device_local_ms[devs], data.level_cost)
    )
    en = np.concatenate(
        (data.pair_energy, data.cloud_energy, inst.device_local_mj[devs], np.zeros(U))
    )
    rows_r: list[np.ndarray] = []
    rows_c: list[np.ndarray] = []
    rows_v: list[np.ndarray] = []

    def add(r: np.ndarray, c: np.ndarray, v: Any) -> None:
        rows_r.append(np.asarray(r, dtype=np.int64))
        rows_c.append(np.asarray(c, dtype=np.int64))
        rows_v.append(np.broadcast_to(np.asarray(v, dtype=np.float64), np.shape(r)))

    pdpos = np.searchsorted(devs, data.pair_dev)
    add(pdpos, ox + np.arange(P), 1.0)
    add(np.searchsorted(devs, data.cloud_dev), oy + np.arange(C), 1.0)
    add(np.arange(n), oz + np.arange(n), 1.0)
    r0 = n
    lpos = np.searchsorted(data.node_ids, data.level_node)
    add(r0 + lpos, ou + np.arange(U), 1.0)
    r1 = r0 + Jn
    nz = np.flatnonzero(data.level_n > 0)
    add(r1 + lpos[nz], ou + nz, data.level_n[nz].astype(np.float64))
    add(r1 + np.searchsorted(data.node_ids, data.pair_node), ox + np.arange(P), -1.0)
    r2 = r1 + Jn
    need, first, last = data.cap_rows()
    R = int(need.shape[0])
    add(r2 + np.arange(R), ox + need, 1.0)
    cnt = last - first
    if R:
        rr = np.repeat(np.arange(R), cnt)
        within = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        add(r2 + rr, ou + np.repeat(first, cnt) + within, 1.0)
    nrow = r2 + R
    lower = np.concatenate(
        (np.ones(n), np.ones(Jn), data.node_base.astype(np.float64), np.full(R, -np.inf))
    )
    upper = np.concatenate((np.ones(n), np.ones(Jn), data.node_base.astype(np.float64), np.ones(R)))
    row_names: list[str] = []
    if names:
        row_names = (
            _names("assign", devs)
            + _names("one_level", data.node_ids)
            + _names("load_def", data.node_ids)
            + _names("cap", data.pair_dev[need], data.pair_node[need])
        )
    eps_row = None
    if epsilon is not None:
        coef = lat if objective == "energy" else en
        const = data.fixed_latency if objective == "energy" else data.fixed_energy
        nzc = np.flatnonzero(coef != 0)
        add(np.full(nzc.shape[0], nrow), nzc, coef[nzc])
        lower = np.append(lower, -np.inf)
        upper = np.append(upper, float(epsilon) - const)
        eps_row = nrow
        nrow += 1
        if names:
            row_names.append("eps_con")
    if edge_floor is not None:
        add(np.full(P, nrow), ox + np.arange(P), 1.0)
        lower = np.append(lower, float(edge_floor))
        upper = np.append(upper, np.inf)
        nrow += 1
        if names:
            row_names.append("edge_floor")
    r = np.concatenate(rows_r)
    c = np.concatenate(rows_c)
    v = np.concatenate(rows_v)
    order = np.lexsort((c, r))
    r, c, v = r[order], c[order], v[order]
    start = np.concatenate(([0], np.cumsum(np.bincount(r, minlength=nrow)))).astype(np.int64)
    if objective == "latency":
        cost, offset = lat, data.fixed_latency
    elif objective == "energy":
        cost, offset = en, data.fixed_energy
    else:
        cost = np.concatenate((-np.ones(P), np.zeros(ncol - P)))
        offset = 0.0
    col_names: list[str] = []
    if names:
        col_names = (
            _names("x", data.pair_dev, data.pair_node)
            + _names("y", data.cloud_dev, data.cloud_id)
            + _names("z", devs)
            + _names("u", data.level_node, data.level_n)
        )
    return MatrixModel(
        cost=np.ascontiguousarray(cost, dtype=np.float64),
        offset=float(offset),
        row_lower=lower,
        row_upper=upper,
        start=start,
        index=c,
        value=v,
        col_names=col_names,
        row_names=row_names,
        n_x=P,
        n_y=C,
        n_z=n,
        n_u=U,
        eps_row=eps_row,
    )


# ============================================================== outcomes
@dataclass
class Outcome:
    """What one backend run produced (before it becomes a :class:`RawSolution`)."""

    status: Status
    termination: Termination
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    objective: float | None = None
    bound: float | None = None
    statistics: dict[str, Any] = field(default_factory=dict)
    values: np.ndarray | None = None


def _highs_status(h: Any) -> tuple[Status, Termination, bool]:
    import highspy

    ms = h.getModelStatus()
    info = h.getInfo()
    has = info.primal_solution_status == 2
    S = highspy.HighsModelStatus
    if ms == S.kOptimal:
        return Status.OPTIMAL, Termination.OPTIMAL, has
    if ms in (S.kInfeasible, S.kUnboundedOrInfeasible):
        return Status.INFEASIBLE, Termination.INFEASIBLE, False
    if ms in (S.kTimeLimit, S.kInterrupt, S.kHighsInterrupt):
        return (Status.FEASIBLE if has else Status.NO_SOLUTION), Termination.TIME_LIMIT, has
    if ms in (S.kIterationLimit, S.kSolutionLimit, S.kObjectiveBound, S.kObjectiveTarget):
        return (Status.FEASIBLE if has else Status.NO_SOLUTION), Termination.ITERATION_LIMIT, has
    if ms == S.kUnbounded:
        return Status.ERROR, Termination.UNBOUNDED, False
    return (Status.FEASIBLE if has else Status.ERROR), Termination.ERROR, has


class HighsModel:
    """A :class:`MatrixModel` loaded into one ``highspy.Highs`` object (re-solvable:
    :meth:`set_epsilon` changes the ε row's right-hand side in place)."""

    def __init__(self, mm: MatrixModel, *, relax: bool = False, verbose: bool = False) -> None:
        import highspy

        self.mm = mm
        self.relax = relax
        h = highspy.Highs()
        h.setOptionValue("output_flag", bool(verbose))
        for key, val in HIGHS_OPTIONS.items():
            h.setOptionValue(key, val)
        lp = highspy.HighsLp()
        lp.num_col_ = mm.n_cols
        lp.num_row_ = mm.n_rows
        lp.col_cost_ = mm.cost
        lp.col_lower_ = np.zeros(mm.n_cols)
        lp.col_upper_ = np.ones(mm.n_cols)
        lp.row_lower_ = np.where(np.isinf(mm.row_lower), -highspy.kHighsInf, mm.row_lower)
        lp.row_upper_ = np.where(np.isinf(mm.row_upper), highspy.kHighsInf, mm.row_upper)
        lp.offset_ = mm.offset
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = mm.n_cols
        lp.a_matrix_.num_row_ = mm.n_rows
        lp.a_matrix_.start_ = mm.start.astype(np.int32)
        lp.a_matrix_.index_ = mm.index.astype(np.int32)
        lp.a_matrix_.value_ = mm.value
        if not relax:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * mm.n_cols
        h.passModel(lp)
        self.h = h

    def set_epsilon(self, epsilon: float, constant: float = 0.0) -> None:
        """Change the ε row's right-hand side."""
        import highspy

        if self.mm.eps_row is None:
            raise ValueError("the model has no ε-constraint")
        self.h.changeRowBounds(self.mm.eps_row, -highspy.kHighsInf, float(epsilon) - constant)

    def solve(
        self,
        *,
        time_limit: float | None = None,
        mip_gap: float = DEFAULT_MIP_GAP,
        threads: int | None = None,
        seed: int = 0,
        start: np.ndarray | None = None,
    ) -> Outcome:
        """Run HiGHS and map its status."""
        import highspy

        h = self.h
        h.setOptionValue("time_limit", float(time_limit) if time_limit else highspy.kHighsInf)
        h.setOptionValue("mip_rel_gap", float(mip_gap))
        h.setOptionValue("random_seed", int(seed) % (2**31 - 1))
        if threads is not None:
            h.setOptionValue("threads", int(threads))
        if start is not None and not self.relax:
            sol = highspy.HighsSolution()
            sol.col_value = np.asarray(start, dtype=np.float64)
            sol.value_valid = True
            h.setSolution(sol)
        t0 = time.perf_counter()
        h.run()
        dt = time.perf_counter() - t0
        status, term, has = _highs_status(h)
        info = h.getInfo()
        stats = {
            "solve_time_s": dt,
            "highs_status": h.modelStatusToString(h.getModelStatus()),
            "mip_nodes": int(info.mip_node_count),
            "columns": self.mm.n_cols,
            "rows": self.mm.n_rows,
            "nonzeros": int(self.mm.value.shape[0]),
        }
        out = Outcome(status, term, statistics=stats)
        if has:
            val = np.asarray(h.getSolution().col_value)
            out.values = val
            mm = self.mm
            out.x = val[: mm.n_x]
            out.y = val[mm.n_x : mm.n_x + mm.n_y]
            out.objective = float(info.objective_function_value)
            if self.relax:
                out.bound = out.objective
            elif status == Status.OPTIMAL and info.mip_node_count < 0:
                out.bound = out.objective
            else:
                out.bound = float(info.mip_dual_bound)
        elif status == Status.NO_SOLUTION and not self.relax and math.isfinite(info.mip_dual_bound):
            out.bound = float(info.mip_dual_bound)
        return out


def _start_vector(data: Any, start: Assignment | None) -> np.ndarray | None:
    from placement.models.offloading import start_values

    if start is None:
        return None
    vals = start_values(data, start)
    if vals is None:
        return None
    return np.concatenate(vals)


# ---------------------------------------------------------------- warm start
def _heuristic_start(instance: OffloadingInstance, seed: int) -> tuple[Assignment | None, str]:
    from .methods import METHODS
    from .solve import solve

    for name in ("nimbus", "cloud"):
        spec = METHODS.get(name)
        if spec is None or not spec.is_available():
            continue
        try:
            res = solve(instance, method=name, seed=seed)
        except Exception as exc:  # a broken heuristic must not stop the exact solve
            logger.warning("warm start %s failed: %s", name, exc)
            continue
        if res.solution is not None and res.metrics.get("violations", 1) == 0:
            return res.solution, name
    return None, "none"


def repair_start(data: Any, assignment: Assignment) -> Assignment | None:
    """Map ``assignment`` onto the model's options: a device on an option the model
    does not have (a pruned edge pair, a dominated cloud, LTE) moves to the model
    option (a kept cloud or local) with the least latency among those no worse in
    latency and energy than what it had. Returns ``None`` if a device cannot move
    or a node's final load breaks a cap (the assignment was infeasible)."""
    from placement.models.offloading import start_values

    inst = data.instance
    ev = evaluate(inst, assignment)
    kind = assignment.kind.copy()
    target = assignment.target.copy()
    pair_keys = set(zip(data.pair_dev.tolist(), data.pair_node.tolist()))
    cloud_keys = set(zip(data.cloud_dev.tolist(), data.cloud_id.tolist()))
    by_dev: dict[int, list[int]] = {}
    for c, i in enumerate(data.cloud_dev.tolist()):
        by_dev.setdefault(i, []).append(c)
    in_model = np.zeros(inst.n_devices, dtype=bool)
    in_model[data.devices] = True
    for i in np.flatnonzero(in_model & (kind != KIND_LOCAL)).tolist():
        t = int(target[i])
        if kind[i] == KIND_EDGE and (i, t) in pair_keys:
            continue
        if kind[i] == KIND_CLOUD and not assignment.lte[i] and (i, t) in cloud_keys:
            continue
        # latency at load 1 for an edge option is a lower bound of its latency
        lt = (
            float(ev.latency_ms[i])
            if kind[i] != KIND_EDGE
            else float(ev.net_ms[i] + ev.inference_ms[i] + inst.queue_ms(t, 1))
        )
        e = float(ev.energy_mj[i])
        best, best_lat = (KIND_LOCAL, -1), float(inst.device_local_ms[i])
        if not (best_lat <= lt + 1e-9 and float(inst.device_local_mj[i]) <= e + 1e-9):
            best, best_lat = None, math.inf
        for c in by_dev.get(i, []):
            cl, ce = float(data.cloud_latency[c]), float(data.cloud_energy[c])
            if cl <= lt + 1e-9 and ce <= e + 1e-9 and cl < best_lat:
                best, best_lat = (KIND_CLOUD, int(data.cloud_id[c])), cl
        if best is None:
            if data.prune == "latency":
                best = (KIND_LOCAL, -1)
            else:
                return None
        kind[i], target[i] = best
    fixed = Assignment.from_arrays(kind, target)
    if start_values(data, fixed) is None:
        return None
    return fixed


def greedy_energy_start(data: Any) -> Assignment:
    """A feasible low-energy assignment for a MIP start (the least-energy problem is a
    packing problem whose LP relaxation is weak, so HiGHS' own heuristics find poor
    incumbents): devices in several orders each take their least-energy option that
    keeps every device on the node within its ``cap`` (per-node minimum cap tracked);
    the best of the orders is returned. Only options of the model are used."""
    inst = data.instance
    devs = data.devices.tolist()
    N = inst.n_devices
    opts: dict[int, list[tuple[float, int, int, int]]] = {i: [] for i in devs}
    for p, (i, j) in enumerate(zip(data.pair_dev.tolist(), data.pair_node.tolist())):
        opts[i].append((float(data.pair_energy[p]), KIND_EDGE, j, int(data.pair_cap[p])))
    for c, (i, k) in enumerate(zip(data.cloud_dev.tolist(), data.cloud_id.tolist())):
        opts[i].append((float(data.cloud_energy[c]), KIND_CLOUD, k, 0))
    for i in devs:
        opts[i].append((float(inst.device_local_mj[i]), KIND_LOCAL, -1, 0))
        opts[i].sort()
    nbar = dict(zip(data.node_ids.tolist(), data.node_nbar.tolist()))
    base = dict(zip(data.node_ids.tolist(), data.node_base.tolist()))
    best_edge = {i: min((o[3] for o in opts[i] if o[1] == KIND_EDGE), default=0) for i in devs}
    orders = [
        sorted(devs, key=lambda i: opts[i][0][0]),  # cheapest devices first
        sorted(devs, key=lambda i: -best_edge[i]),  # most tolerant devices first
        sorted(
            devs, key=lambda i: opts[i][0][0] - opts[i][1][0] if len(opts[i]) > 1 else 0.0
        ),  # regret
    ]
    best: tuple[float, Assignment] | None = None
    for order in orders:
        load = dict(base)
        mincap = {j: nbar[j] for j in nbar}
        kind = np.zeros(N, dtype=np.int8)
        target = np.full(N, -1, dtype=np.int64)
        if data.fixed is not None:
            fe = data.fixed.kind == KIND_EDGE
            kind[fe], target[fe] = KIND_EDGE, data.fixed.target[fe]
        total = 0.0
        for i in order:
            for e, kd, t, cap in opts[i]:
                if kd == KIND_EDGE:
                    n = load[t] + 1
                    if n > cap or n > mincap[t]:
                        continue
                    load[t] = n
                    mincap[t] = min(mincap[t], cap)
                kind[i], target[i] = kd, t
                total += e
                break
        a = Assignment.from_arrays(kind, target)
        if best is None or total < best[0]:
            best = (total, a)
    assert best is not None
    return best[1]


def _resolve_start(
    instance: OffloadingInstance, warm_start: Any, seed: int
) -> tuple[Assignment | None, str]:
    if warm_start is None or warm_start is False:
        return None, "none"
    if warm_start is True:
        return _heuristic_start(instance, seed)
    if isinstance(warm_start, str):
        from .solve import solve

        res = solve(instance, method=warm_start, seed=seed)
        return res.solution, warm_start
    if isinstance(warm_start, Assignment):
        return warm_start, "given"
    sol = getattr(warm_start, "solution", None)
    if isinstance(sol, Assignment):
        return sol, "given"
    raise InputError(
        f"Expected warm_start to be a bool, a method name, an Assignment or a Result, got {type(warm_start).__name__}.",
        field="warm_start",
    )


# ============================================================== backends
def _solve_highs_direct(
    data: Any,
    objective: str,
    epsilon: float | None,
    *,
    time_limit: float | None,
    mip_gap: float,
    threads: int | None,
    seed: int,
    start: Assignment | None,
    verbose: bool,
) -> Outcome:
    t0 = time.perf_counter()
    mm = build_matrix(data, "edge" if objective == "edge" else objective, epsilon)
    hm = HighsModel(mm, verbose=verbose)
    build = time.perf_counter() - t0
    sv = _start_vector(data, start)
    out = hm.solve(time_limit=time_limit, mip_gap=mip_gap, threads=threads, seed=seed, start=sv)
    out.statistics["build_time_s"] = build
    out.statistics["start_accepted"] = sv is not None
    if objective == "edge" and out.x is not None:
        floor = int(round(float(np.sum(out.x))))
        used = time.perf_counter() - t0
        tl2 = None if time_limit is None else max(time_limit - used, 1.0)
        mm2 = build_matrix(data, "latency", None, edge_floor=floor)
        hm2 = HighsModel(mm2, verbose=verbose)
        sv2 = np.concatenate((out.x, out.y, _z_from(data, out.x, out.y), _u_from(data, out.x)))
        out2 = hm2.solve(time_limit=tl2, mip_gap=mip_gap, threads=threads, seed=seed, start=sv2)
        out2.statistics.update(edge_stage={"edge": floor, **out.statistics})
        if out.status != Status.OPTIMAL and out2.status == Status.OPTIMAL:
            out2.status, out2.termination = out.status, out.termination
        if out2.x is None:
            return out
        return out2
    return out


def _z_from(data: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    n = data.devices.shape[0]
    taken = np.zeros(n)
    np.add.at(taken, np.searchsorted(data.devices, data.pair_dev), np.round(x))
    np.add.at(taken, np.searchsorted(data.devices, data.cloud_dev), np.round(y))
    return 1.0 - taken


def _u_from(data: Any, x: np.ndarray) -> np.ndarray:
    loads = data.node_base.copy()
    np.add.at(loads, np.searchsorted(data.node_ids, data.pair_node), np.round(x).astype(np.int64))
    u = np.zeros(data.n_levels)
    u[data._level_start + (loads - data.node_base)] = 1
    return u


_PYOMO_TERM = {
    "convergenceCriteriaSatisfied": (Status.OPTIMAL, Termination.OPTIMAL),
    "maxTimeLimit": (Status.FEASIBLE, Termination.TIME_LIMIT),
    "iterationLimit": (Status.FEASIBLE, Termination.ITERATION_LIMIT),
    "objectiveLimit": (Status.FEASIBLE, Termination.ITERATION_LIMIT),
    "interrupted": (Status.FEASIBLE, Termination.TIME_LIMIT),
    "provenInfeasible": (Status.INFEASIBLE, Termination.INFEASIBLE),
    "locallyInfeasible": (Status.INFEASIBLE, Termination.INFEASIBLE),
    "infeasibleOrUnbounded": (Status.INFEASIBLE, Termination.INFEASIBLE),
    "unbounded": (Status.ERROR, Termination.UNBOUNDED),
}


def _contrib_factory(name: str) -> Any:
    import pyomo.environ  # noqa: F401  (loads the solver plugins into the factory)
    from pyomo.contrib.solver.common.factory import SolverFactory

    key = {"highs-pyomo": "highs", "appsi_highs": "highs"}.get(name, name)
    for cand in (key, f"{key}_direct", f"{key}_persistent"):
        if cand in SolverFactory:
            return SolverFactory(cand)
    return None


def _pyomo_set_start(opt: Any, m: Any, start: Assignment | None) -> bool:
    """MIP start for Pyomo's persistent HiGHS (its private ``_solver_model``)."""
    from placement.models.offloading import set_start

    if start is None or not set_start(m, start):
        return False
    try:
        import highspy

        opt.set_instance(m)
        vmap = opt._pyomo_var_to_solver_var_map
        h = opt._solver_model
        vals = np.zeros(h.getNumCol())
        for comp in (m.x, m.y, m.z, m.u):
            for v in comp.values():
                vals[vmap[id(v)]] = v.value
        sol = highspy.HighsSolution()
        sol.col_value = vals
        sol.value_valid = True
        h.setSolution(sol)
        return True
    except Exception as exc:  # private API: degrade to no start
        logger.info("no MIP start through Pyomo's HiGHS interface: %s", exc)
        return False


def _solve_pyomo(
    data: Any,
    objective: str,
    epsilon: float | None,
    solver: str,
    *,
    time_limit: float | None,
    mip_gap: float,
    threads: int | None,
    seed: int,
    start: Assignment | None,
    verbose: bool,
) -> Outcome:
    import pyomo.environ as pyo

    from placement.models.offloading import build_offloading_model

    t0 = time.perf_counter()
    m = build_offloading_model(data, objective=objective, epsilon=epsilon)
    build = time.perf_counter() - t0
    opt = _contrib_factory(solver)
    stats: dict[str, Any] = {"build_time_s": build, "interface": None}
    if opt is not None and not opt.available():
        opt = None  # e.g. no gurobipy: the classic plugin may still find a binary
    if opt is not None:
        stats["interface"] = "pyomo.contrib.solver"
        started = (
            _pyomo_set_start(opt, m, start) if "highs" in type(opt).__name__.lower() else False
        )
        stats["start_accepted"] = started

        def run(tl: float | None) -> Any:
            return opt.solve(
                m,
                load_solutions=False,
                raise_exception_on_nonoptimal_result=False,
                tee=bool(verbose),
                time_limit=tl,
                threads=threads,
                rel_gap=mip_gap,
            )

        t1 = time.perf_counter()
        res = run(time_limit)
        status, term = _PYOMO_TERM.get(
            res.termination_condition.name, (Status.ERROR, Termination.ERROR)
        )
        has = res.solution_status.name in ("feasible", "optimal")
        if status == Status.FEASIBLE and not has:
            status = Status.NO_SOLUTION
        if status == Status.ERROR and has:
            status = Status.FEASIBLE
        if has:
            res.solution_loader.load_vars()
        if objective == "edge" and has:
            floor = int(round(pyo.value(m.n_edge)))
            m.edge_floor = pyo.Constraint(expr=m.n_edge >= floor)
            m.objective.deactivate()
            m.objective_latency = pyo.Objective(expr=m.total_latency, sense=pyo.minimize)
            used = time.perf_counter() - t0
            res2 = run(None if time_limit is None else max(time_limit - used, 1.0))
            if res2.solution_status.name in ("feasible", "optimal"):
                res2.solution_loader.load_vars()
                s2, t2 = _PYOMO_TERM.get(
                    res2.termination_condition.name, (Status.ERROR, Termination.ERROR)
                )
                if status == Status.OPTIMAL:
                    status, term = (s2 if s2 != Status.ERROR else Status.FEASIBLE), t2
                res = res2
        stats["solve_time_s"] = time.perf_counter() - t1
        stats["termination_condition"] = res.termination_condition.name
        out = Outcome(status, term, statistics=stats)
        if has:
            out.x, out.y = _xy_from_model(m)
            out.objective = res.incumbent_objective
        if res.objective_bound is not None and math.isfinite(res.objective_bound):
            out.bound = float(res.objective_bound)
        return out
    # classic Pyomo solver plugins (cbc, glpk, cplex, ...)
    legacy = pyo.SolverFactory(solver)
    if legacy is None or not legacy.available(exception_flag=False):
        raise SolverNotFoundError(solver, "not available to Pyomo")
    stats["interface"] = "pyomo.environ.SolverFactory"
    opts = _legacy_options(solver, time_limit, mip_gap, threads)
    t1 = time.perf_counter()
    res = legacy.solve(m, load_solutions=False, tee=bool(verbose), options=opts)
    stats["solve_time_s"] = time.perf_counter() - t1
    tc = str(res.solver.termination_condition)
    has = len(res.solution) > 0
    if tc == "optimal":
        status, term = Status.OPTIMAL, Termination.OPTIMAL
    elif tc in ("maxTimeLimit", "maxIterations", "maxEvaluations"):
        status, term = (Status.FEASIBLE if has else Status.NO_SOLUTION), Termination.TIME_LIMIT
    elif tc in ("infeasible", "infeasibleOrUnbounded"):
        status, term = Status.INFEASIBLE, Termination.INFEASIBLE
    else:
        status, term = (Status.FEASIBLE if has else Status.ERROR), Termination.ERROR
    stats["termination_condition"] = tc
    out = Outcome(status, term, statistics=stats)
    if has:
        m.solutions.load_from(res)
        out.x, out.y = _xy_from_model(m)
        out.objective = pyo.value(m.objective)
        lb = getattr(res.problem, "lower_bound", None)
        if lb is not None and math.isfinite(float(lb)):
            out.bound = float(lb)
    return out


def _legacy_options(
    solver: str, tl: float | None, gap: float, threads: int | None
) -> dict[str, Any]:
    names = {
        "cbc": ("seconds", "ratioGap", "threads"),
        "glpk": ("tmlim", "mipgap", None),
        "gurobi": ("TimeLimit", "MIPGap", "Threads"),
        "cplex": ("timelimit", "mipgap", "threads"),
        "scip": ("limits/time", "limits/gap", None),
        "appsi_highs": ("time_limit", "mip_rel_gap", "threads"),
    }.get(solver, (None, None, None))
    opts: dict[str, Any] = {}
    if tl is not None and names[0]:
        opts[names[0]] = int(math.ceil(tl)) if solver == "glpk" else tl
    if names[1]:
        opts[names[1]] = gap
    if threads is not None and names[2]:
        opts[names[2]] = threads
    return opts


def _xy_from_model(m: Any) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([v.value or 0.0 for v in m.x.values()], dtype=np.float64)
    y = np.array([v.value or 0.0 for v in m.y.values()], dtype=np.float64)
    return x, y


def _solve_data(
    data: Any,
    objective: str,
    epsilon: float | None,
    *,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float = DEFAULT_MIP_GAP,
    threads: int | None = None,
    seed: int = 0,
    start: Assignment | None = None,
    verbose: bool = False,
) -> Outcome:
    kw = dict(
        time_limit=time_limit,
        mip_gap=mip_gap,
        threads=threads,
        seed=seed,
        start=start,
        verbose=verbose,
    )
    if solver == "highs":
        return _solve_highs_direct(data, objective, epsilon, **kw)
    return _solve_pyomo(data, objective, epsilon, solver, **kw)


def trivial_bound(data: Any) -> float:
    """A lower bound on total latency without solving: every free device at its best
    option with the node at its smallest possible load (queues are nondecreasing),
    fixed devices at their fixed cost. Used when a time-limited solver has no bound."""
    inst = data.instance
    devs = data.devices
    best = inst.device_local_ms[devs].astype(np.float64).copy()
    if data.cloud_dev.size:
        np.minimum.at(best, np.searchsorted(devs, data.cloud_dev), data.cloud_latency)
    if data.n_pairs:
        base = data.node_base[np.searchsorted(data.node_ids, data.pair_node)]
        lat1 = data.pair_latency + inst.queue_ms(data.pair_node, base + 1)
        np.minimum.at(best, np.searchsorted(devs, data.pair_dev), lat1)
    return float(data.fixed_latency + best.sum())


def _to_raw(data: Any, out: Outcome, objective: str, extra: dict[str, Any]) -> RawSolution:
    from placement.models.offloading import assignment_from_values

    stats = {**out.statistics, **extra, "objective_sense": objective}
    stats.update(
        pairs=data.n_pairs, levels=data.n_levels, variables=data.n_variables, prune=data.prune
    )
    a = None
    if out.x is not None:
        a = assignment_from_values(data, out.x, out.y)
    bound = out.bound if objective == "latency" else None
    if objective == "latency" and out.status in (Status.FEASIBLE, Status.NO_SOLUTION):
        tb = trivial_bound(data)
        stats["trivial_bound"] = tb
        bound = tb if bound is None else max(bound, tb)
    if objective != "latency":
        stats["solver_objective"] = out.objective
        stats["solver_bound"] = out.bound
    return RawSolution(
        assignment=a,
        status=out.status,
        termination=out.termination,
        bound=bound,
        solver_objective=out.objective if objective == "latency" else None,
        statistics=stats,
    )


# ============================================================== public methods
def solve_milp(
    instance: OffloadingInstance,
    *,
    seed: int = 0,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    objective: str = "latency",
    epsilon: float | None = None,
    warm_start: Any = True,
    verbose: bool = False,
) -> RawSolution:
    """Solve the exact model (spec §3) with a MILP solver.

    Parameters
    ----------
    instance
        The offloading instance.
    seed
        HiGHS' ``random_seed``.
    solver
        ``highs`` (direct matrix, default), ``highs-pyomo`` (Pyomo in-process
        interface) or any MILP solver name Pyomo knows.
    time_limit
        Seconds (``None``: none).
    mip_gap
        Relative gap at which the solver stops (default :data:`DEFAULT_MIP_GAP`).
    threads
        Solver threads.
    objective
        ``latency`` (default), ``energy`` or ``edge`` (lexicographic: most edge
        devices, then least latency).
    epsilon
        ε-constraint: total energy ≤ ε (latency objective) or total latency ≤ ε
        (energy objective).
    warm_start
        ``True``: Nimbus (or the ``cloud`` baseline) as MIP start; ``False``: none;
        or a method name, an :class:`Assignment` or a ``Result``.
    verbose
        Solver log to the console.

    Returns
    -------
    RawSolution
    """
    from placement.models.offloading import prefilter

    tl, gap, th, objective, eps = _check_common(
        instance, time_limit, mip_gap, threads, objective, epsilon
    )
    if not isinstance(solver, str) or not solver:
        raise InputError(f"Expected solver to be a name, got {solver!r}.", field="solver")
    t0 = time.perf_counter()
    data = prefilter(instance, objective=objective, epsilon=eps)
    pre = time.perf_counter() - t0
    start, start_name = _resolve_start(instance, warm_start, seed)
    start_obj = None
    if start is not None:
        start_obj = evaluate(instance, start).objective
        start = repair_start(data, start)
    if objective == "energy" and warm_start is True and eps is None:
        # the least-energy problem is a packing problem: a greedy start beats Nimbus'
        g = greedy_energy_start(data)
        if (
            start is None
            or evaluate(instance, g).total_energy_mj < evaluate(instance, start).total_energy_mj
        ):
            start, start_name = g, "greedy-energy"
    if tl is not None:
        tl = max(tl - (time.perf_counter() - t0), 0.5)
    out = _solve_data(
        data,
        objective,
        eps,
        solver=solver,
        time_limit=tl,
        mip_gap=gap,
        threads=th,
        seed=seed,
        start=start,
        verbose=bool(verbose),
    )
    extra = {
        "solver": solver,
        "prefilter_time_s": pre,
        "warm_start": start_name,
        "warm_start_objective": start_obj,
        "epsilon": eps,
    }
    return _to_raw(data, out, objective, extra)


def solve_cpsat(
    instance: OffloadingInstance,
    *,
    seed: int = 0,
    time_limit: float | None = None,
    threads: int | None = None,
    objective: str = "latency",
    epsilon: float | None = None,
    warm_start: Any = True,
    verbose: bool = False,
) -> RawSolution:
    """Solve the exact model with OR-Tools CP-SAT (integer-scaled costs, see module doc).

    Parameters are those of :func:`solve_milp` (``threads`` = CP-SAT workers, default 2).
    """
    from ortools.sat.python import cp_model

    from placement.models.offloading import prefilter

    tl, _, th, objective, eps = _check_common(
        instance, time_limit, None, threads, objective, epsilon
    )
    t0 = time.perf_counter()
    data = prefilter(instance, objective=objective, epsilon=eps)
    start, start_name = _resolve_start(instance, warm_start, seed)
    if start is not None:
        start = repair_start(data, start)
    inst = data.instance
    S = CPSAT_SCALE
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
    for k, _j in enumerate(data.node_ids.tolist()):
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
    if eps is not None:
        # rounding slack: each of the (at most one per device + one per node) active
        # terms may be rounded up by half a unit, so the ε-constraint holds up to
        # (N + J) / (2·CPSAT_SCALE) ms or mJ (a boundary ε stays feasible)
        slack = (devs.shape[0] + data.node_ids.shape[0]) // 2 + 1
        if objective == "energy":
            md.Add(lat_expr <= int(math.floor((eps - data.fixed_latency) * S)) + slack)
        else:
            md.Add(en_expr <= int(math.floor((eps - data.fixed_energy) * S)) + slack)
    if objective == "latency":
        md.Minimize(lat_expr)
    elif objective == "energy":
        md.Minimize(en_expr)
    else:  # lexicographic: edge count first, then latency (weight beyond the latency range)
        span = int(sum(max(c, 0) for c, _ in lat_terms)) + 1
        md.Minimize(lat_expr - span * sum(x))
    sv = _start_vector(data, start)
    if sv is not None:
        for v, val in zip(x + y + z + u, sv.tolist()):
            md.AddHint(v, int(round(val)))
    build = time.perf_counter() - t0
    sol = cp_model.CpSolver()
    sol.parameters.num_workers = th or 2
    sol.parameters.random_seed = int(seed) % (2**31 - 1)
    sol.parameters.log_search_progress = bool(verbose)
    if tl is not None:
        sol.parameters.max_time_in_seconds = max(tl - build, 0.5)
    t1 = time.perf_counter()
    st = sol.Solve(md)
    dt = time.perf_counter() - t1
    name = sol.StatusName(st)
    if st == cp_model.OPTIMAL:
        status, term = Status.OPTIMAL, Termination.OPTIMAL
    elif st == cp_model.FEASIBLE:
        status, term = Status.FEASIBLE, Termination.TIME_LIMIT
    elif st == cp_model.INFEASIBLE:
        status, term = Status.INFEASIBLE, Termination.INFEASIBLE
    elif st == cp_model.UNKNOWN:
        status, term = Status.NO_SOLUTION, Termination.TIME_LIMIT
    else:
        status, term = Status.ERROR, Termination.ERROR
    stats = {
        "solver": "cpsat",
        "cpsat_status": name,
        "build_time_s": build,
        "solve_time_s": dt,
        "scale": S,
        "warm_start": start_name,
        "start_accepted": sv is not None,
    }
    out = Outcome(status, term, statistics=stats)
    if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        out.x = np.array([sol.Value(v) for v in x], dtype=np.float64)
        out.y = np.array([sol.Value(v) for v in y], dtype=np.float64)
        if objective == "latency":
            out.objective = sol.Value(lat_expr) / S + data.fixed_latency
            # the scaled bound is off by at most the rounding of the chosen coefficients
            tol = 0.5 * (devs.shape[0] + data.node_ids.shape[0]) / S
            out.bound = sol.BestObjectiveBound() / S + data.fixed_latency - tol
        elif objective == "energy":
            out.objective = sol.Value(en_expr) / S + data.fixed_energy
            out.bound = sol.BestObjectiveBound() / S + data.fixed_energy
    elif st == cp_model.UNKNOWN and sv is not None and eps is None:
        # out of time before CP-SAT adopted its hint: the (feasible) start is the incumbent
        out.status = Status.FEASIBLE
        out.x = sv[:P]
        out.y = sv[P : P + C]
        out.statistics["incumbent"] = "warm start"
    raw = _to_raw(data, out, objective, {"epsilon": eps})
    # CP-SAT's objective is the scaled one: let the evaluator be the reference
    raw.statistics["solver_objective_scaled"] = out.objective
    raw.solver_objective = None
    return raw


def solve_lp_bound(
    instance: OffloadingInstance,
    *,
    seed: int = 0,
    solver: str = "highs",
    time_limit: float | None = None,
    threads: int | None = None,
    objective: str = "latency",
    epsilon: float | None = None,
) -> RawSolution:
    """LP relaxation of the exact model: a lower bound for instances too large to
    solve, returned with the best heuristic incumbent (Nimbus, else ``cloud``).

    ``Result.bound`` is the LP value (latency objective); the status is ``feasible``
    (incumbent + bound), or ``no_solution`` if the LP did not finish.
    """
    from placement.models.offloading import prefilter

    tl, _, th, objective, eps = _check_common(
        instance, time_limit, None, threads, objective, epsilon
    )
    if solver not in ("highs",) + PYOMO_HIGHS:
        raise InputError(
            f"Expected solver in {{highs, highs-pyomo}}, got {solver!r}.", field="solver"
        )
    t0 = time.perf_counter()
    data = prefilter(instance, objective=objective, epsilon=eps)
    lp_obj, lp_status = lp_relaxation(
        data, objective, eps, solver=solver, time_limit=tl, threads=th
    )
    lp_time = time.perf_counter() - t0
    inc, inc_name = _heuristic_start(instance, seed)
    stats = {
        "solver": solver,
        "lp_status": lp_status,
        "lp_time_s": lp_time,
        "incumbent": inc_name,
        "lp_objective": lp_obj,
        "pairs": data.n_pairs,
        "variables": data.n_variables,
    }
    bound = lp_obj if objective == "latency" else None
    if lp_obj is None:
        st = Status.NO_SOLUTION if inc is None else Status.HEURISTIC
        return RawSolution(
            inc, status=st, termination=Termination.TIME_LIMIT, bound=None, statistics=stats
        )
    return RawSolution(
        inc,
        status=Status.FEASIBLE if inc is not None else Status.NO_SOLUTION,
        termination=Termination.COMPLETED,
        bound=bound,
        statistics=stats,
    )


def lp_relaxation(
    data: Any,
    objective: str = "latency",
    epsilon: float | None = None,
    *,
    solver: str = "highs",
    time_limit: float | None = None,
    threads: int | None = None,
) -> tuple[float | None, str]:
    """Optimal value of the LP relaxation (``None`` if not solved) and the status text."""
    if solver == "highs":
        hm = HighsModel(build_matrix(data, objective, epsilon), relax=True)
        out = hm.solve(time_limit=time_limit, threads=threads)
        return (out.objective if out.status == Status.OPTIMAL else None), out.statistics[
            "highs_status"
        ]
    import pyomo.environ as pyo

    from placement.models.offloading import build_offloading_model

    m = build_offloading_model(data, objective=objective, epsilon=epsilon)
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(m)
    opt = _contrib_factory("highs")
    res = opt.solve(
        m,
        load_solutions=False,
        raise_exception_on_nonoptimal_result=False,
        time_limit=time_limit,
        threads=threads,
    )
    ok = res.termination_condition.name == "convergenceCriteriaSatisfied"
    return (float(res.incumbent_objective) if ok else None), res.termination_condition.name


# ============================================================== partitioned MILP
SPLITS = ("devices", "aps", "colocated")


def partition(
    instance: OffloadingInstance, k: int, split: str = "devices"
) -> list[tuple[np.ndarray, np.ndarray]]:
    """MT decomposition (spec §4): edge nodes dealt round-robin per tier into ``k``
    slices (each tier starts again at slice 0); APs, with their devices, cut into ``k``
    contiguous blocks — with balanced device counts (``split="devices"``, default) or
    equal AP counts (``split="aps"``). ``split="colocated"`` is ``devices`` except that
    a node co-located with an AP goes to that AP's slice (a device keeps its 1-ms T1
    node; the other nodes are still dealt round-robin per tier). Returns
    ``(devices, nodes)`` per slice."""
    if split not in SPLITS:
        raise InputError(
            f"Expected split in {{{', '.join(SPLITS)}}}, got {split!r}.", field="split"
        )
    A = instance.n_aps
    if split == "aps":
        ap_slice = np.repeat(np.arange(k), [len(b) for b in np.array_split(np.arange(A), k)])
    else:
        cnt = np.bincount(instance.device_ap, minlength=A)
        cum = np.cumsum(cnt) - cnt / 2.0
        ap_slice = np.minimum((cum * k / max(cnt.sum(), 1)).astype(np.int64), k - 1)
    node_slice = np.zeros(instance.n_nodes, dtype=np.int64)
    tiers = np.asarray(instance.node_tier, dtype=object)
    pinned = (instance.node_ap >= 0) if split == "colocated" else np.zeros(instance.n_nodes, bool)
    node_slice[pinned] = ap_slice[instance.node_ap[pinned]]
    for t in instance.tiers:
        idx = np.flatnonzero((tiers == t) & ~pinned)
        node_slice[idx] = np.arange(idx.shape[0]) % k
    dslice = ap_slice[instance.device_ap]
    return [(np.flatnonzero(dslice == s), np.flatnonzero(node_slice == s)) for s in range(k)]


_WORKER_INSTANCE: OffloadingInstance | None = None


def _init_worker(instance: OffloadingInstance) -> None:
    global _WORKER_INSTANCE
    _WORKER_INSTANCE = instance


def _slice_job(args: tuple[np.ndarray, np.ndarray, float | None, float, int]) -> tuple[Any, ...]:
    from placement.models.offloading import prefilter

    devices, nodes, tl, gap, seed = args
    inst = _WORKER_INSTANCE
    assert inst is not None
    t0 = time.perf_counter()
    if devices.size == 0:
        return None, None, Status.OPTIMAL, 0.0, 0.0, 0.0
    data = prefilter(inst, devices=devices, nodes=nodes)
    out = _solve_highs_direct(
        data,
        "latency",
        None,
        time_limit=tl,
        mip_gap=gap,
        threads=1,
        seed=seed,
        start=None,
        verbose=False,
    )
    return out.x, out.y, out.status, out.objective, out.bound, time.perf_counter() - t0


def _mt_common(
    instance: OffloadingInstance,
    *,
    seed: int,
    solver: str,
    time_limit: Any,
    mip_gap: Any,
    threads: Any,
    objective: str,
    epsilon: Any,
    warm_start: Any,
    verbose: bool,
    split: str,
    workers: Any,
    two_phase: bool,
) -> RawSolution:
    from placement.models.offloading import assignment_from_values, prefilter

    tl, gap, th, objective, eps = _check_common(
        instance, time_limit, mip_gap, threads, objective, epsilon
    )
    if objective != "latency" or eps is not None:
        raise InputError(
            "Expected objective 'latency' without epsilon for the partitioned MILP.",
            field="objective",
        )
    if solver != "highs":
        raise InputError(
            f"Expected solver 'highs' for the partitioned MILP, got {solver!r}.", field="solver"
        )
    k = th or 2
    nw = min(k, os.cpu_count() or 1) if workers is None else _check_int("workers", workers)
    t0 = time.perf_counter()
    parts = partition(instance, k, split)
    tl1 = None if tl is None else (0.6 * tl if two_phase else 0.9 * tl)
    jobs = [(d, n, tl1, gap, seed + s) for s, (d, n) in enumerate(parts)]
    slice_stats = []
    kind = np.zeros(instance.n_devices, dtype=np.int8)
    target = np.full(instance.n_devices, -1, dtype=np.int64)
    statuses = []
    if nw > 1:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        with ProcessPoolExecutor(
            nw, mp_context=ctx, initializer=_init_worker, initargs=(instance,)
        ) as ex:
            futs = [ex.submit(_slice_job, j) for j in jobs]
            full = prefilter(instance)
            lp_obj, lp_status = lp_relaxation(full, "latency", None, threads=1)
            results = [f.result() for f in futs]
    else:
        _init_worker(instance)
        results = [_slice_job(j) for j in jobs]
        full = prefilter(instance)
        lp_obj, lp_status = lp_relaxation(full, "latency", None, threads=1)
    t_phase1 = time.perf_counter() - t0
    for s, ((d, n), r) in enumerate(zip(parts, results)):
        x, y, st, obj, bnd, dt = r
        statuses.append(st)
        slice_stats.append(
            {
                "slice": s,
                "devices": int(d.size),
                "nodes": int(n.size),
                "status": str(st),
                "objective": obj,
                "bound": bnd,
                "time_s": dt,
            }
        )
        if x is None:
            continue
        data_s = prefilter(instance, devices=d, nodes=n)
        a = assignment_from_values(data_s, x, y)
        sel = d
        kind[sel] = a.kind[sel]
        target[sel] = a.target[sel]
    phase1 = Assignment.from_arrays(kind, target)
    stats: dict[str, Any] = {
        "slices": slice_stats,
        "threads": k,
        "workers": nw,
        "split": split,
        "phase1_time_s": t_phase1,
        "lp_bound": lp_obj,
        "lp_status": lp_status,
        "phase1_objective": evaluate(instance, phase1).objective,
    }
    result_a = phase1
    if two_phase:
        t1 = time.perf_counter()
        fixed = Assignment.from_arrays(
            np.where(kind == KIND_EDGE, kind, KIND_LOCAL), np.where(kind == KIND_EDGE, target, -1)
        )
        data2 = prefilter(instance, fixed=fixed)
        rest = None if tl is None else max(tl - (time.perf_counter() - t0), 1.0)
        start2 = repair_start(data2, phase1)
        out2 = _solve_highs_direct(
            data2,
            "latency",
            None,
            time_limit=rest,
            mip_gap=gap,
            threads=th and 1,
            seed=seed,
            start=start2,
            verbose=bool(verbose),
        )
        stats["phase2"] = {
            **out2.statistics,
            "devices": int(data2.devices.size),
            "status": str(out2.status),
            "objective": out2.objective,
            "time_s": time.perf_counter() - t1,
        }
        if out2.x is not None:
            result_a = assignment_from_values(data2, out2.x, out2.y)
    obj = evaluate(instance, result_a).objective
    status = (
        Status.OPTIMAL if lp_obj is not None and obj - lp_obj <= gap * abs(obj) else Status.FEASIBLE
    )
    return RawSolution(
        result_a, status=status, termination=Termination.COMPLETED, bound=lp_obj, statistics=stats
    )


def solve_mt_milp(
    instance: OffloadingInstance,
    *,
    seed: int = 0,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    objective: str = "latency",
    epsilon: float | None = None,
    warm_start: Any = True,
    verbose: bool = False,
    split: str = "devices",
    workers: int | None = None,
) -> RawSolution:
    """MT decomposition with every slice solved exactly (one HiGHS thread per slice,
    slices in parallel worker processes); ``threads`` = number of slices (default 2).
    The bound is the LP relaxation of the whole instance, so ``Result.gap`` is the
    gap of the partitioned solution to it."""
    return _mt_common(
        instance,
        seed=seed,
        solver=solver,
        time_limit=time_limit,
        mip_gap=mip_gap,
        threads=threads,
        objective=objective,
        epsilon=epsilon,
        warm_start=warm_start,
        verbose=verbose,
        split=split,
        workers=workers,
        two_phase=False,
    )


def solve_2pmt_milp(
    instance: OffloadingInstance,
    *,
    seed: int = 0,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    objective: str = "latency",
    epsilon: float | None = None,
    warm_start: Any = True,
    verbose: bool = False,
    split: str = "devices",
    workers: int | None = None,
) -> RawSolution:
    """MT-MILP, then one central MILP over every device not on the edge, on the whole
    infrastructure with the loads (and deadlines) of the devices placed in phase 1.
    Slices get 60 % of ``time_limit``, the central phase the rest."""
    return _mt_common(
        instance,
        seed=seed,
        solver=solver,
        time_limit=time_limit,
        mip_gap=mip_gap,
        threads=threads,
        objective=objective,
        epsilon=epsilon,
        warm_start=warm_start,
        verbose=verbose,
        split=split,
        workers=workers,
        two_phase=True,
    )


# ============================================================== backends found
def available_backends() -> list[dict[str, Any]]:
    """The MILP backends found here (for ``placement check``): one dict per backend
    with ``name``, ``available``, ``version`` and ``kind``. Never raises."""
    out: list[dict[str, Any]] = []
    try:
        import highspy

        h = highspy.Highs()
        ver = f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"
        out.append(
            {
                "name": "highs",
                "available": True,
                "version": ver,
                "kind": "MILP/LP (highspy, direct matrix; default)",
            }
        )
    except Exception:
        out.append(
            {"name": "highs", "available": False, "version": None, "kind": "MILP/LP (highspy)"}
        )
    try:
        opt = _contrib_factory("highs-pyomo")
        ok = bool(opt.available()) if opt is not None else False
        ver = ".".join(map(str, opt.version())) if ok else None
        import pyomo

        out.append(
            {
                "name": "highs-pyomo",
                "available": ok,
                "version": ver,
                "kind": f"MILP (Pyomo {pyomo.__version__} in-process appsi HiGHS)",
            }
        )
    except Exception:
        out.append(
            {
                "name": "highs-pyomo",
                "available": False,
                "version": None,
                "kind": "MILP (Pyomo HiGHS)",
            }
        )
    try:
        import ortools

        out.append(
            {
                "name": "cpsat",
                "available": True,
                "version": ortools.__version__,
                "kind": "CP-SAT (OR-Tools; integer-scaled costs)",
            }
        )
    except Exception:
        out.append(
            {"name": "cpsat", "available": False, "version": None, "kind": "CP-SAT (OR-Tools)"}
        )
    for name in PYOMO_PROBE:
        entry = {
            "name": name,
            "available": False,
            "version": None,
            "kind": "MILP (Pyomo SolverFactory)",
        }
        try:
            import logging as _lg

            pyomo_log = _lg.getLogger("pyomo")
            old = pyomo_log.level
            pyomo_log.setLevel(_lg.CRITICAL)
            try:
                opt = _contrib_factory(name)
                if opt is not None and opt.available():
                    entry.update(
                        available=True,
                        version=".".join(map(str, opt.version() or ())),
                        kind="MILP (pyomo.contrib.solver)",
                    )
                else:
                    import pyomo.environ as pyo

                    leg = pyo.SolverFactory(name)
                    if leg is not None and leg.available(exception_flag=False):
                        v = leg.version()
                        entry.update(available=True, version=".".join(map(str, v)) if v else None)
            finally:
                pyomo_log.setLevel(old)
        except Exception:
            pass
        out.append(entry)
    return out
