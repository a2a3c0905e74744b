"""Between solver values and assignments: reading a solved model back, and MIP starts.

Column order everywhere is the data's: ``x`` (edge pairs), ``y`` (cloud options), ``z``
(free devices, local), ``u`` (load levels).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from placement.models.offloading.data import OffloadingData

from placement.offloading.evaluate import Assignment
from placement.offloading.instance import KIND_CLOUD, KIND_EDGE, KIND_LOCAL


def assignment_from_values(
    data: OffloadingData, x: np.ndarray, y: np.ndarray, fixed: Assignment | None = None
) -> Assignment:
    """Assignment from 0/1 values of ``x`` (per pair) and ``y`` (per cloud option);
    devices with neither are local; ``fixed`` edge devices keep their node."""
    N = data.instance.n_devices
    kind = np.full(N, KIND_LOCAL, dtype=np.int8)
    target = np.full(N, -1, dtype=np.int64)
    fx = fixed if fixed is not None else data.fixed
    if fx is not None:
        fe = fx.kind == KIND_EDGE
        kind[fe] = KIND_EDGE
        target[fe] = fx.target[fe]
    ci = np.flatnonzero(np.asarray(y) > 0.5)
    kind[data.cloud_dev[ci]] = KIND_CLOUD
    target[data.cloud_dev[ci]] = data.cloud_id[ci]
    xi = np.flatnonzero(np.asarray(x) > 0.5)
    kind[data.pair_dev[xi]] = KIND_EDGE
    target[data.pair_dev[xi]] = data.pair_node[xi]
    return Assignment.from_arrays(kind, target)


def extract_assignment(model: Any) -> Assignment:
    """Read the assignment from a solved model (values loaded into its variables).

    Devices outside the model (a slice) are local; fixed devices keep their node.
    """
    data: OffloadingData = model.data
    pairs = zip(data.pair_dev.tolist(), data.pair_node.tolist())
    clouds = zip(data.cloud_dev.tolist(), data.cloud_id.tolist())
    x = np.array([model.x[p].value or 0.0 for p in pairs], dtype=np.float64)
    y = np.array([model.y[c].value or 0.0 for c in clouds], dtype=np.float64)
    return assignment_from_values(data, x, y)


def set_start(model: Any, assignment: Assignment) -> bool:
    """Set the variable values of ``model`` to ``assignment`` (a MIP start).

    Returns ``False`` (and leaves the values unset) when the assignment uses an
    option the model does not have (a pruned pair, another cloud).
    """
    data: OffloadingData = model.data
    vals = start_values(data, assignment)
    if vals is None:
        return False
    x, y, z, u = vals
    for p, v in zip(model.P, x):
        model.x[p].set_value(float(v))
    for c, v in zip(model.C, y):
        model.y[c].set_value(float(v))
    for i, v in zip(model.I, z):
        model.z[i].set_value(float(v))
    for lv, v in zip(model.U, u):
        model.u[lv].set_value(float(v))
    return True


def start_values(
    data: OffloadingData, assignment: Assignment
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """0/1 vectors ``(x, y, z, u)`` of ``assignment`` in the data's order, or ``None``
    when it is not representable (uses a pruned pair or a dropped cloud option, or
    violates a cap)."""
    kind, target = assignment.kind, assignment.target
    dev = data.devices
    pair_key = {
        (i, j): k for k, (i, j) in enumerate(zip(data.pair_dev.tolist(), data.pair_node.tolist()))
    }
    cloud_key = {
        (i, k): c for c, (i, k) in enumerate(zip(data.cloud_dev.tolist(), data.cloud_id.tolist()))
    }
    x = np.zeros(data.n_pairs)
    y = np.zeros(data.cloud_dev.shape[0])
    z = np.zeros(dev.shape[0])
    for r, i in enumerate(dev.tolist()):
        if kind[i] == KIND_EDGE:
            k = pair_key.get((i, int(target[i])))
            if k is None:
                return None
            x[k] = 1
        elif kind[i] == KIND_CLOUD:
            if assignment.lte[i]:
                return None
            c = cloud_key.get((i, int(target[i])))
            if c is None:
                return None
            y[c] = 1
        else:
            z[r] = 1
    loads = data.node_base.copy()
    pos = np.searchsorted(data.node_ids, data.pair_node[x > 0.5])
    np.add.at(loads, pos, 1)
    if np.any(loads > data.node_nbar):
        return None
    xi = np.flatnonzero(x > 0.5)
    if np.any(data.pair_cap[xi] < loads[np.searchsorted(data.node_ids, data.pair_node[xi])]):
        return None
    u = np.zeros(data.n_levels)
    start = data._level_start
    u[start + (loads - data.node_base)] = 1
    return x, y, z, u


def start_vector(data: OffloadingData, start: Assignment | None) -> np.ndarray | None:
    """The full column vector ``(x, y, z, u)`` of ``start`` (``None`` if not representable)."""
    if start is None:
        return None
    vals = start_values(data, start)
    return None if vals is None else np.concatenate(vals)


def completion(data: OffloadingData, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The full column vector for given ``x`` and ``y`` values (``z`` and ``u`` follow)."""
    n = data.devices.shape[0]
    taken = np.zeros(n)
    np.add.at(taken, np.searchsorted(data.devices, data.pair_dev), np.round(x))
    np.add.at(taken, np.searchsorted(data.devices, data.cloud_dev), np.round(y))
    loads = data.node_base.copy()
    np.add.at(loads, np.searchsorted(data.node_ids, data.pair_node), np.round(x).astype(np.int64))
    u = np.zeros(data.n_levels)
    u[data._level_start + (loads - data.node_base)] = 1
    return np.concatenate((x, y, 1.0 - taken, u))


def xy_from_model(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """Loaded values of ``x`` and ``y`` of a solved Pyomo model, in the data's order."""
    x = np.array([v.value or 0.0 for v in model.x.values()], dtype=np.float64)
    y = np.array([v.value or 0.0 for v in model.y.values()], dtype=np.float64)
    return x, y


def start_by_var(model: Any, assignment: Assignment) -> dict[int, float] | None:
    """``id(var) -> value`` of ``assignment`` for every variable of a Pyomo model (a MIP
    start for :func:`placement.backends.pyomo.highs_set_start`), or ``None``."""
    if not set_start(model, assignment):
        return None
    return {id(v): v.value for comp in (model.x, model.y, model.z, model.u) for v in comp.values()}
