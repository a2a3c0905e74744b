r"""Exact Pyomo model of the latency–energy offloading problem.

:func:`build_offloading_model` builds the ``ConcreteModel`` from the pre-filtered data
of :func:`~placement.models.offloading.data.prefilter`;
:func:`~placement.models.offloading.extract.extract_assignment` reads an assignment
back. Builders only build: solving lives in :mod:`placement.offloading.methods`.

Formulation
-----------
Sets: devices :math:`I`; for each device the pre-filtered edge nodes :math:`J_i` (a pair
:math:`(i,j)` is kept iff the AP of :math:`i` reaches :math:`j`,
:math:`\mathit{up}_i + \mathit{rtt}_{a_i j} + \mathit{inf}_j + q_j(1) \le \varepsilon_{t,i}`,
:math:`w_{wifi}\,\mathit{net}_{ij} \le \varepsilon_{b,i}` and the node takes at least one
device); the feasible Wi-Fi cloud options :math:`K_i` (see *Clouds* below); the load
levels :math:`n = 0..\bar N_j` of every node with a candidate, where
:math:`\bar N_j = \min(\mathit{capacity}_j, |\{i : j \in J_i\}|, \max_i \mathit{cap}_{ij})`.

.. math::

    \min\;& \sum_{(i,j)} (\mathit{net}_{ij} + \mathit{inf}_j)\,x_{ij}
           + \sum_j \sum_{n=0}^{\bar N_j} n\,q_j(n)\,u_{jn}
           + \sum_{(i,k)} L^{cloud}_{ik}\,y_{ik} + \sum_i \mathit{local\_ms}_i\,z_i \\
    \text{s.t.}\;& \textstyle\sum_{j \in J_i} x_{ij} + \sum_{k \in K_i} y_{ik} + z_i = 1
                   && \forall i \\
    & \textstyle\sum_n u_{jn} = 1,\quad \sum_n n\,u_{jn} - \sum_i x_{ij} = b_j && \forall j \quad (b_j: \text{fixed load, 0 unless partial}) \\
    & x_{ij} + \textstyle\sum_{n > \mathit{cap}_{ij}} u_{jn} \le 1
        && \forall (i,j): \mathit{cap}_{ij} < \bar N_j \\
    & [\text{ε}]\; \textstyle\sum_{(i,j)} w\,\mathit{net}_{ij} x_{ij} + \sum E^{cloud}_{ik} y_{ik}
        + \sum_i \mathit{local\_mj}_i z_i \le E_{max}
        \quad(\text{or } \textstyle\sum \text{latency} \le L_{max}) \\
    & x, y, z, u \in \{0, 1\}

with :math:`\mathit{cap}_{ij} = \max\{n : \mathit{net}_{ij} + \mathit{inf}_j + q_j(n) \le
\varepsilon_{t,i}\}`. The queue term :math:`\sum_n n\,q_j(n)\,u_{jn}` equals
:math:`n_j\,q_j(n_j)` exactly (one level is chosen and it equals the load). The
``cap`` row is the deadline rule :math:`x_{ij} \le \sum_{n \le cap_{ij}} u_{jn}` rewritten with
:math:`\sum_n u_{jn} = 1` (same polytope, fewer nonzeros when :math:`\mathit{cap}` is
large) and dropped when :math:`\mathit{cap}_{ij} \ge \bar N_j` (it is then implied):
big-M free and exact — every device on :math:`j` meets its deadline at the final load.
Feasibility comparisons use the evaluator's tolerance
(:data:`placement.tolerances.FEAS_TOL`) and its floating-point expression order, so the
model and :func:`placement.offloading.evaluate.evaluate` agree on every boundary case.

Objectives: ``latency`` (default; equals :attr:`Evaluation.objective`), ``energy``
(equals :attr:`Evaluation.total_energy_mj`), ``edge`` (maximise the number of
edge-offloaded devices; :func:`add_edge_floor` adds the second, lexicographic stage:
least latency with that number fixed). The ε-constraint bounds total energy when the objective is
latency and total latency when the objective is energy; its right-hand side is the
mutable ``Param`` ``model.epsilon``, so a sweep changes it and re-solves without
rebuilding.

The pre-filter, the cloud options, the dominance reduction and partial models are
described in :mod:`placement.models.offloading.data`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from placement.models.offloading.data import OffloadingData, prefilter

from placement.offloading.evaluate import Assignment
from placement.offloading.instance import OffloadingInstance


def build_offloading_model(
    instance: OffloadingInstance | OffloadingData,
    objective: str = "latency",
    epsilon: float | None = None,
    *,
    prune: str = "auto",
    devices: np.ndarray | None = None,
    nodes: np.ndarray | None = None,
    fixed: Assignment | None = None,
) -> Any:
    """Build the exact model of the module docstring as a Pyomo ``ConcreteModel``.

    Parameters
    ----------
    instance
        The instance, or data already produced by :func:`prefilter`.
    objective
        ``latency`` (default), ``energy`` or ``edge`` (maximise edge devices; the
        lexicographic latency stage is :func:`add_edge_floor`).
    epsilon
        Right-hand side of the ε-constraint (total energy in mJ for the latency
        objective, total latency in ms for the energy objective); ``None``: no
        ε-constraint. Stored in the mutable ``model.epsilon``.
    prune, devices, nodes, fixed
        See :func:`prefilter`.

    Returns
    -------
    pyomo.environ.ConcreteModel
        With variables ``x[i, j]``, ``y[i, k]``, ``z[i]``, ``u[j, n]``, expressions
        ``total_latency``, ``total_energy``, ``n_edge``, objective ``objective`` and
        (with ε) constraint ``eps_con``; the data is attached as ``model.data``.
    """
    import pyomo.environ as pyo

    data = (
        instance
        if isinstance(instance, OffloadingData)
        else prefilter(
            instance,
            objective=objective,
            epsilon=epsilon,
            prune=prune,
            devices=devices,
            nodes=nodes,
            fixed=fixed,
        )
    )
    inst = data.instance
    m = pyo.ConcreteModel(name=f"offloading[{inst.name}]")
    m.data = data
    pd, pn = data.pair_dev.tolist(), data.pair_node.tolist()
    pairs = list(zip(pd, pn))
    clouds = list(zip(data.cloud_dev.tolist(), data.cloud_id.tolist()))
    levels = list(zip(data.level_node.tolist(), data.level_n.tolist()))
    devs = data.devices.tolist()
    m.I = pyo.Set(initialize=devs, ordered=True)
    m.P = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    m.C = pyo.Set(initialize=clouds, dimen=2, ordered=True)
    m.U = pyo.Set(initialize=levels, dimen=2, ordered=True)
    m.J = pyo.Set(initialize=data.node_ids.tolist(), ordered=True)
    m.x = pyo.Var(m.P, within=pyo.Binary)
    m.y = pyo.Var(m.C, within=pyo.Binary)
    m.z = pyo.Var(m.I, within=pyo.Binary)
    m.u = pyo.Var(m.U, within=pyo.Binary)

    lat = dict(zip(pairs, data.pair_latency.tolist()))
    en = dict(zip(pairs, data.pair_energy.tolist()))
    clat = dict(zip(clouds, data.cloud_latency.tolist()))
    cen = dict(zip(clouds, data.cloud_energy.tolist()))
    lcost = dict(zip(levels, data.level_cost.tolist()))
    local_ms = inst.device_local_ms
    local_mj = inst.device_local_mj

    by_dev_x: dict[int, list] = {i: [] for i in devs}
    by_node_x: dict[int, list] = {j: [] for j in data.node_ids.tolist()}
    for p in pairs:
        by_dev_x[p[0]].append(m.x[p])
        by_node_x[p[1]].append(m.x[p])
    by_dev_y: dict[int, list] = {i: [] for i in devs}
    for c in clouds:
        by_dev_y[c[0]].append(m.y[c])
    by_node_u: dict[int, list] = {j: [] for j in data.node_ids.tolist()}
    for lv in levels:
        by_node_u[lv[0]].append(lv)

    qs = pyo.quicksum
    base_of = dict(zip(data.node_ids.tolist(), data.node_base.tolist()))
    m.total_latency = pyo.Expression(
        expr=qs(lat[p] * m.x[p] for p in pairs)
        + qs(lcost[lv] * m.u[lv] for lv in levels)
        + qs(clat[c] * m.y[c] for c in clouds)
        + qs(float(local_ms[i]) * m.z[i] for i in devs)
        + data.fixed_latency
    )
    m.total_energy = pyo.Expression(
        expr=qs(en[p] * m.x[p] for p in pairs)
        + qs(cen[c] * m.y[c] for c in clouds)
        + qs(float(local_mj[i]) * m.z[i] for i in devs)
        + data.fixed_energy
    )
    m.n_edge = pyo.Expression(expr=qs(m.x[p] for p in pairs))

    m.assign = pyo.Constraint(m.I, rule=lambda m, i: qs(by_dev_x[i] + by_dev_y[i]) + m.z[i] == 1)
    m.one_level = pyo.Constraint(m.J, rule=lambda m, j: qs(m.u[lv] for lv in by_node_u[j]) == 1)
    m.load_def = pyo.Constraint(
        m.J,
        rule=lambda m, j: (
            qs(lv[1] * m.u[lv] for lv in by_node_u[j] if lv[1]) - qs(by_node_x[j]) == base_of[j]
        ),
    )
    need, first, last = data.cap_rows()
    cap_pairs = [pairs[k] for k in need.tolist()]
    cap_levels = {
        pairs[k]: levels[f:e] for k, f, e in zip(need.tolist(), first.tolist(), last.tolist())
    }
    m.CAP = pyo.Set(initialize=cap_pairs, dimen=2, ordered=True)
    m.cap = pyo.Constraint(
        m.CAP, rule=lambda m, i, j: m.x[i, j] + qs(m.u[lv] for lv in cap_levels[i, j]) <= 1
    )
    m.epsilon = pyo.Param(
        mutable=True,
        initialize=float("inf") if epsilon is None else float(epsilon),
        within=pyo.Reals,
    )
    if epsilon is not None:
        if objective == "energy":
            m.eps_con = pyo.Constraint(expr=m.total_latency <= m.epsilon)
        else:
            m.eps_con = pyo.Constraint(expr=m.total_energy <= m.epsilon)
    if objective == "latency":
        m.objective = pyo.Objective(expr=m.total_latency, sense=pyo.minimize)
    elif objective == "energy":
        m.objective = pyo.Objective(expr=m.total_energy, sense=pyo.minimize)
    else:
        m.objective = pyo.Objective(expr=m.n_edge, sense=pyo.maximize)
    return m


def add_edge_floor(model: Any, floor: int) -> None:
    """Second stage of the ``edge`` objective: keep at least ``floor`` edge devices and
    minimise total latency (the lexicographic objective)."""
    import pyomo.environ as pyo

    model.edge_floor = pyo.Constraint(expr=model.n_edge >= int(floor))
    model.objective.deactivate()
    model.objective_latency = pyo.Objective(expr=model.total_latency, sense=pyo.minimize)
