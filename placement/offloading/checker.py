"""The public offloading feasibility checker, written independently of the evaluator's code path.

Plain Python loops over the raw instance fields re-derive every quantity of the
cost model (users per AP, upload, RTT, queue at the final load, latency, energy)
and compare each device with its deadline and budget. Tests judge every solver
through :func:`check_offloading` / :func:`assert_offloading_feasible`, so a bug in
the vectorised evaluator cannot hide a bug in a solver (cf. ``linopy.testing``).
"""

from __future__ import annotations

import math
from typing import Any

from placement.tolerances import CHECK_TOL as TOL


def _queue(inst: Any, j: int, n: int) -> float:
    if n <= 0:
        return 0.0
    tables = inst.node_queue_table_ms
    if tables is not None and tables[j] is not None:
        t = tables[j]
        return float(t[min(n, len(t)) - 1])
    return max(0.0, float(inst.node_queue_slope_ms[j]) * n + float(inst.node_queue_intercept_ms[j]))


def _cap(inst: Any, j: int, failed: set[int]) -> float:
    if j in failed:
        return 0
    cap = math.inf
    md = int(inst.node_max_devices[j])
    if md >= 0:
        cap = md
    tables = inst.node_queue_table_ms
    if tables is not None and tables[j] is not None:
        cap = min(cap, len(tables[j]))
    return cap


def device_costs(inst: Any, assignment: Any) -> list[dict[str, float]]:
    """Latency, energy and the checks of every device, recomputed with plain loops.

    Returns one dict per device with ``latency_ms``, ``energy_mj``, ``deadline_ms``,
    ``budget_mj`` and ``ok``. An inactive device (kind 3) shares no AP, loads no node
    and costs nothing; a node in ``assignment.failed_nodes`` takes no device.
    """
    kinds = [int(k) for k in assignment.kind]
    targets = [int(t) for t in assignment.target]
    lte = [bool(x) for x in assignment.lte]
    n_dev = len(inst.device_ap)
    failed = {int(j) for j in getattr(assignment, "failed_nodes", ())}
    users = [int(b) for b in inst.ap_background_users]
    for i in range(n_dev):
        if kinds[i] != 3:
            users[int(inst.device_ap[i])] += 1
    load: dict[int, int] = {}
    for i in range(n_dev):
        if kinds[i] == 1:
            load[targets[i]] = load.get(targets[i], 0) + 1
    out = []
    for i in range(n_dev):
        a = int(inst.device_ap[i])
        deadline = 1000.0 / float(inst.device_fps[i])
        budget = float(inst.device_local_mj[i])
        kb = float(inst.device_frame_kb[i])
        if kinds[i] == 3:
            lat, en, ok = 0.0, 0.0, True
        elif kinds[i] == 0:
            lat, en, ok = float(inst.device_local_ms[i]), budget, True
        elif kinds[i] == 1:
            j = targets[i]
            up = 8.0 * kb / (float(inst.ap_bandwidth_mbps[a]) / users[a])
            net = up + float(inst.rtt_ms[a][j])
            lat = net + float(inst.node_inference_ms[j]) + _queue(inst, j, load[j])
            en = inst.w_wifi * net
            ok = lat <= deadline + TOL and en <= budget + TOL and load[j] <= _cap(inst, j, failed)
        elif kinds[i] == 2:
            k = targets[i]
            if lte[i]:
                net = 8.0 * kb / float(inst.device_lte_mbps[i]) + float(inst.cloud_rtt_lte_ms[a][k])
                w = inst.w_lte
            else:
                up = 8.0 * kb / (float(inst.ap_bandwidth_mbps[a]) / users[a])
                net = up + float(inst.cloud_rtt_wifi_ms[a][k])
                w = inst.w_wifi
            lat = net + float(inst.cloud_inference_ms[k])
            en = w * net
            ok = lat <= deadline + TOL and en <= budget + TOL
        else:
            raise ValueError(f"device {i}: unknown kind {kinds[i]}")
        out.append(
            {
                "latency_ms": lat,
                "energy_mj": en,
                "deadline_ms": deadline,
                "budget_mj": budget,
                "ok": ok,
            }
        )
    return out


def check_offloading(inst: Any, assignment: Any) -> list[str]:
    """Return one message per violated constraint (empty list: feasible).

    Inactive devices (kind 3) are ignored; a device on a failed node is a violation.
    """
    msgs = []
    if len(assignment.kind) != len(inst.device_ap):
        return [f"assignment has {len(assignment.kind)} entries for {len(inst.device_ap)} devices"]
    for i, c in enumerate(device_costs(inst, assignment)):
        if not c["ok"]:
            msgs.append(
                f"device {i}: latency {c['latency_ms']:.4f} ms (deadline {c['deadline_ms']:.4f}), "
                f"energy {c['energy_mj']:.4f} mJ (budget {c['budget_mj']:.4f})"
                + (" or node over capacity" if int(assignment.kind[i]) == 1 else "")
            )
    return msgs


def total_latency(inst: Any, assignment: Any) -> float:
    """Objective (total latency, ms) recomputed with plain loops."""
    return math.fsum(c["latency_ms"] for c in device_costs(inst, assignment))


def assert_offloading_feasible(inst: Any, assignment: Any) -> None:
    """Raise ``AssertionError`` listing the first violations, if any."""
    msgs = check_offloading(inst, assignment)
    if msgs:
        head = "\n  ".join(msgs[:10])
        raise AssertionError(f"{len(msgs)} violated device(s):\n  {head}")


def assert_metrics_match(
    inst: Any, assignment: Any, metrics: dict[str, Any], rtol: float = 1e-9
) -> None:
    """Assert that reported metrics (counts, violations, objective) match a plain-loop
    recomputation."""
    costs = device_costs(inst, assignment)
    kinds = [int(k) for k in assignment.kind]
    assert metrics["edge"] == kinds.count(1)
    assert metrics["cloud"] == kinds.count(2)
    assert metrics["local"] == kinds.count(0)
    assert metrics.get("inactive", 0) == kinds.count(3)
    assert metrics["violations"] == sum(not c["ok"] for c in costs)
    obj = math.fsum(c["latency_ms"] for c in costs)
    assert math.isclose(metrics["objective"], obj, rel_tol=rtol, abs_tol=1e-6), (
        metrics["objective"],
        obj,
    )
