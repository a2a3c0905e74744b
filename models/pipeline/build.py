r"""Exact Pyomo MILP of pipeline / VNF-chain placement, assembled from blocks.

Builders only build: :func:`build_pipeline_model` returns a ``ConcreteModel``;
:func:`~placement.models.pipeline.extract.extract_placement` turns a solved model into a
:class:`~placement.pipeline.instance.Placement`; solving lives in
:mod:`placement.pipeline.methods`. The formulation is written once, in the blocks:

* :mod:`~placement.models.pipeline.prep` — commodities (aggregated identical requests),
  slots (replicas), segments, candidate hosts, shortest segment paths;
* :mod:`~placement.models.pipeline.hosting` — instances, admission, slot placement,
  instance capacity, node resources, exclusivity, ``max_instances``, anti-affinity;
* :mod:`~placement.models.pipeline.routing` — layered or arc-flow routing, bandwidth;
* :mod:`~placement.models.pipeline.delay` — end-to-end delay bounds per path;
* :mod:`~placement.models.pipeline.objectives` — objectives, weights, ε-constraints.
"""

from __future__ import annotations

import pyomo.environ as pyo
from placement.models.pipeline.delay import add_delay
from placement.models.pipeline.hosting import add_hosting
from placement.models.pipeline.objectives import add_objectives
from placement.models.pipeline.prep import Prep
from placement.models.pipeline.routing import add_routing

from placement.errors import InputError
from placement.pipeline.instance import PipelineInstance
from placement.pipeline.params import FORMULATIONS, OBJECTIVES


def build_pipeline_model(
    instance: PipelineInstance,
    objective: str = "cores",
    formulation: str = "layered",
    *,
    bounds: dict[str, float] | None = None,
    epsilon: tuple[str, ...] = (),
    aggregate: bool | str = "egress",
) -> pyo.ConcreteModel:
    """Build the exact MILP of ``instance``.

    Parameters
    ----------
    instance
        The pipeline instance.
    objective
        Primary objective (a key of :data:`OBJECTIVES`); its ``weight`` is set to
        its sense, every other weight to 0 (change ``model.weight[k]`` to blend).
    formulation
        ``"layered"`` (shortest-path segments) or ``"arc"`` (arc flow).
    bounds
        ε-constraints ``objective -> value`` (``<=`` for minimised objectives,
        ``>=`` for ``priority``); the right-hand sides are the mutable
        ``model.eps[k]``.
    epsilon
        Further objectives that get a (deactivated) ε-constraint, for sweeps.
    aggregate
        ``True``: aggregate identical chain requests into integer commodities;
        ``"egress"``: also merge automatic chains that differ only in their single
        pinned ingress into one flow towards their egress (smaller model, exact for
        the same reason: every unit of the flow ends at the same egress);
        ``False``: one commodity per request.

    Returns
    -------
    pyomo.environ.ConcreteModel
        With ``model.prep`` (the preprocessed data) for
        :func:`~placement.models.pipeline.extract.extract_placement`.

    Raises
    ------
    InputError
        For an unknown objective / formulation or a step no node can host.
    """
    if objective not in OBJECTIVES:
        raise InputError(
            f"unknown objective {objective!r} (known: {sorted(OBJECTIVES)})", field="objective"
        )
    if formulation not in FORMULATIONS:
        raise InputError(
            f"unknown formulation {formulation!r} (known: {list(FORMULATIONS)})",
            field="formulation",
        )
    bounds = dict(bounds or {})
    for k in list(bounds) + list(epsilon):
        if k not in OBJECTIVES:
            raise InputError(
                f"unknown objective {k!r} (known: {sorted(OBJECTIVES)})", field="bound"
            )
    inst = instance
    prep = Prep(inst, objective, formulation, aggregate=aggregate)
    m = pyo.ConcreteModel(name=f"pipeline[{inst.name}]")
    m.prep = prep
    m.formulation = formulation

    yidx, ub = add_hosting(m, prep)
    seg_hops, seg_delay = add_routing(m, prep, formulation)
    path_expr, multi = add_delay(m, prep, seg_delay, formulation)
    add_objectives(
        m,
        prep,
        yidx,
        ub,
        seg_hops,
        path_expr,
        multi,
        objective=objective,
        bounds=bounds,
        epsilon=tuple(epsilon),
    )
    return m


def objective_upper_bound(model: pyo.ConcreteModel, name: str) -> float | None:
    """A finite upper bound of a nonnegative objective expression over the box of its
    integer variables (``None`` when unknown)."""
    e = model.exprs[name]
    if isinstance(e, int | float):
        return float(e)
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(e)
    if repn.nonlinear_vars or repn.quadratic_vars:
        return None
    total = float(repn.constant)
    for coef, var in zip(repn.linear_coefs, repn.linear_vars):
        lb, ubv = var.bounds
        if coef >= 0:
            if ubv is None:
                return None
            total += coef * ubv
        else:
            if lb is None:
                return None
            total += coef * lb
    return total


def objective_coefficients(model: pyo.ConcreteModel, name: str) -> list[float]:
    """The coefficients of objective ``name`` (for step / integrality checks)."""
    e = model.exprs[name]
    if isinstance(e, int | float):
        return []
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(e)
    return [float(c) for c in repn.linear_coefs]
