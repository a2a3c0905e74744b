"""HiGHS through ``highspy`` directly: a :class:`~placement.backends.base.MatrixModel`
loaded into one ``highspy.Highs`` object, re-solvable after a row bound changes.

Status table (``highspy.HighsModelStatus`` -> :class:`~placement.result.Termination`):
optimal -> optimal; infeasible / unbounded-or-infeasible -> infeasible; time limit ->
time_limit; interrupts -> interrupted (time_limit when the interrupt enforced the time
limit); iteration, solution, objective-bound and objective-target
limits -> iteration_limit; unbounded -> unbounded; anything else -> error. The status
follows from the termination and whether HiGHS holds a primal solution.

The solve runs through :func:`placement.stop.run_blocking`: HiGHS' interrupt callbacks
stop it on Ctrl-C or once it overruns its time limit, and a solve that does not react
(HiGHS checks at some points only) is abandoned with the last incumbent and dual
bound its callbacks reported.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from placement.backends.base import BackendParams, MatrixModel
from placement.result import RawSolution, Status, Termination, status_of
from placement.stop import run_blocking

#: HiGHS options of every direct solve. Presolve is off: on the offloading model it
#: spends most of the time probing binaries whose LP relaxation is already (nearly)
#: integral — config C, 1000 devices: 4.8 s with presolve, 1.1 s without; A-C0, 4000
#: devices: no proof after 156 s with presolve, optimal in 21 s without.
HIGHS_OPTIONS: dict[str, Any] = {"presolve": "off"}


def _mip_interrupt() -> Any:
    import highspy

    return highspy.cb.HighsCallbackType.kCallbackMipInterrupt


def _termination(model_status: Any) -> Termination:
    import highspy

    S = highspy.HighsModelStatus
    table = {
        S.kOptimal: Termination.OPTIMAL,
        S.kInfeasible: Termination.INFEASIBLE,
        S.kUnboundedOrInfeasible: Termination.INFEASIBLE,
        S.kTimeLimit: Termination.TIME_LIMIT,
        S.kInterrupt: Termination.INTERRUPTED,
        S.kHighsInterrupt: Termination.INTERRUPTED,
        S.kIterationLimit: Termination.ITERATION_LIMIT,
        S.kSolutionLimit: Termination.ITERATION_LIMIT,
        S.kObjectiveBound: Termination.ITERATION_LIMIT,
        S.kObjectiveTarget: Termination.ITERATION_LIMIT,
        S.kUnbounded: Termination.UNBOUNDED,
    }
    return table.get(model_status, Termination.ERROR)


def version() -> str:
    """The HiGHS version (raises ``ImportError`` without highspy)."""
    import highspy

    h = highspy.Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


class HighsModel:
    """A :class:`MatrixModel` loaded into HiGHS.

    Parameters
    ----------
    mm
        The model.
    relax
        Solve the LP relaxation (no integrality).
    verbose
        HiGHS log on the console.
    """

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
        lp.col_upper_ = np.ones(mm.n_cols) if mm.col_upper is None else mm.col_upper
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
        #: Set once a solve was abandoned (its thread may still use ``h``): the model
        #: must not be solved again.
        self.abandoned = False
        self._watch: dict[str, Any] = {"stop": False, "x": None, "obj": math.inf, "bound": None}
        if not relax:
            h.cbMipImprovingSolution += self._on_solution
            h.cbMipInterrupt += self._on_interrupt
        h.cbSimplexInterrupt += self._on_interrupt
        h.cbIpmInterrupt += self._on_interrupt

    def _on_solution(self, e: Any) -> None:
        w = self._watch
        obj = float(e.data_out.objective_function_value)
        if obj < w["obj"]:
            w["obj"] = obj
            w["x"] = np.array(e.data_out.mip_solution, dtype=np.float64)

    def _on_interrupt(self, e: Any) -> None:
        w = self._watch
        if e.callback_type == _mip_interrupt():
            b = float(e.data_out.mip_dual_bound)
            if math.isfinite(b):
                w["bound"] = b
        if w["stop"]:
            e.interrupt()

    def cancel(self) -> None:
        """Ask a running solve to stop at HiGHS' next interrupt check (thread-safe)."""
        self._watch["stop"] = True

    def set_row_upper(self, row: int, upper: float) -> None:
        """Change the upper bound of one row (an ε-constraint's right-hand side)."""
        import highspy

        self.h.changeRowBounds(int(row), -highspy.kHighsInf, float(upper))

    def solve(self, params: BackendParams, start: np.ndarray | None = None) -> RawSolution:
        """Run HiGHS; the column values are ``RawSolution.solution`` (``None`` without).

        ``start`` is a full column vector passed as a MIP start.
        """
        import highspy

        h = self.h
        tl = params.time_left()
        h.setOptionValue("time_limit", float(tl) if tl is not None else highspy.kHighsInf)
        if params.mip_gap is not None:
            h.setOptionValue("mip_rel_gap", float(params.mip_gap))
        if params.abs_gap is not None:
            h.setOptionValue("mip_abs_gap", float(params.abs_gap))
        h.setOptionValue("random_seed", params.solver_seed)
        if params.threads is not None:
            h.setOptionValue("threads", int(params.threads))
        # with a start in hand, feasibility jump only delays the root (A-C0 x 4000: it ran
        # 40 s without checking the time limit or interrupts, for an incumbent 2x worse)
        h.setOptionValue("mip_heuristic_run_feasibility_jump", start is None)
        for key, val in params.options.items():
            h.setOptionValue(key, val)
        if start is not None and not self.relax:
            sol = highspy.HighsSolution()
            sol.col_value = np.asarray(start, dtype=np.float64)
            sol.value_valid = True
            h.setSolution(sol)
        if self.abandoned:
            raise RuntimeError("this HiGHS model was abandoned by an earlier solve")
        self._watch.update(stop=False, x=None, obj=math.inf, bound=None)
        t0 = time.perf_counter()
        outcome = run_blocking(h.run, cancel=self.cancel, time_limit=tl)
        dt = time.perf_counter() - t0
        if not outcome.finished:
            self.abandoned = True
            return self._abandoned(outcome.stopped, dt)
        info = h.getInfo()
        term = _termination(h.getModelStatus())
        if term == Termination.INTERRUPTED and outcome.stopped == "time_limit":
            term = Termination.TIME_LIMIT
        has = info.primal_solution_status == 2 and term not in (
            Termination.INFEASIBLE,
            Termination.UNBOUNDED,
        )
        status = status_of(term, has)
        stats = {
            "solve_time_s": dt,
            "highs_status": h.modelStatusToString(h.getModelStatus()),
            "mip_nodes": int(info.mip_node_count),
            "columns": self.mm.n_cols,
            "rows": self.mm.n_rows,
            "nonzeros": int(self.mm.value.shape[0]),
        }
        out = RawSolution(status=status, termination=term, statistics=stats)
        if has:
            out.solution = np.asarray(h.getSolution().col_value)
            out.objective = float(info.objective_function_value)
            if self.relax:
                out.bound = out.objective if status == Status.OPTIMAL else None
            elif status == Status.OPTIMAL and info.mip_node_count < 0:
                out.bound = out.objective
            else:
                out.bound = float(info.mip_dual_bound)
        elif not self.relax and math.isfinite(info.mip_dual_bound) and status == Status.NO_SOLUTION:
            out.bound = float(info.mip_dual_bound)
        return out

    def _abandoned(self, stopped: str | None, dt: float) -> RawSolution:
        """The outcome of a solve that did not return after it was asked to stop: the
        last incumbent and dual bound HiGHS reported through its callbacks."""
        w = self._watch
        term = Termination.TIME_LIMIT if stopped == "time_limit" else Termination.INTERRUPTED
        has = w["x"] is not None
        out = RawSolution(
            status=status_of(term, has),
            termination=term,
            statistics={
                "solve_time_s": dt,
                "highs_status": "abandoned after the stop request",
                "abandoned": True,
                "columns": self.mm.n_cols,
                "rows": self.mm.n_rows,
                "nonzeros": int(self.mm.value.shape[0]),
            },
        )
        if has:
            out.solution = w["x"]
            out.objective = float(w["obj"])
        if not self.relax and w["bound"] is not None:
            out.bound = float(w["bound"])
        return out
