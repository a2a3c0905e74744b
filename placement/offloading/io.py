"""Reader and writer of the offloading instance file (format ``placement/offloading``,
version 1) and of solution files (``placement/offloading-solution``, version 1), and the
instance summary of ``placement info``.

Every violated rule raises :class:`~placement.errors.InputError` naming the file,
the field and the rule.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from placement._io import (
    check_count,
    check_finite,
    check_instance_hash,
    dump_json,
    load_json,
    read_limits,
    without_timings,
)
from placement.errors import InputError
from placement.offloading.evaluate import Assignment, validate_assignment
from placement.offloading.instance import OffloadingInstance
from placement.result import Result, Status, Termination

FORMAT = "placement/offloading"
VERSION = 1
SOLUTION_FORMAT = "placement/offloading-solution"
SOLUTION_VERSION = 1

_TOP_REQUIRED = ("format", "version", "access_points", "edge_nodes", "clouds", "devices", "rtt_ms")
_TOP_OPTIONAL = ("name", "generator", "radio", "description")
_SECTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # section: (required keys, optional keys)
    "radio": ((), ("w_wifi_mj_per_ms", "w_lte_mj_per_ms")),
    "access_points": (("bandwidth_mbps",), ("background_users", "name")),
    "edge_nodes": (
        ("tier", "ap", "inference_ms"),
        ("queue_slope_ms", "queue_intercept_ms", "max_devices", "queue_table_ms", "name"),
    ),
    "clouds": (("inference_ms", "rtt_wifi_ms", "rtt_lte_ms"), ("name",)),
    "devices": (
        ("ap", "fps", "frame_kb", "local_ms", "local_mj", "lte_mbps"),
        ("class", "name"),
    ),
}


def _keys(obj: Any, section: str, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    if not isinstance(obj, dict):
        raise InputError(f"must be an object, got {type(obj).__name__}", field=section)
    for k in required:
        if k not in obj:
            raise InputError("missing required key", field=f"{section}.{k}" if section else k)
    allowed = set(required) | set(optional)
    for k in obj:
        if k not in allowed:
            where = f"{section}.{k}" if section else k
            raise InputError(f"unknown key (allowed: {', '.join(sorted(allowed))})", field=where)


def _num_list(
    obj: Any, fname: str, *, integer: bool = False, allow_null: bool = False
) -> np.ndarray:
    if not isinstance(obj, list):
        raise InputError(f"must be a list, got {type(obj).__name__}", field=fname)
    check_count(len(obj), "entries", "offloading", field=fname)
    out = np.empty(len(obj), dtype=np.int64 if integer else np.float64)
    for k, v in enumerate(obj):
        if v is None and allow_null:
            out[k] = math.inf
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InputError(f"entry {k} must be a number, got {v!r}", field=fname)
        if isinstance(v, float) and not math.isfinite(v):
            raise InputError(f"entry {k} must be finite, got {v!r}", field=fname)
        if integer:
            if isinstance(v, float) and not v.is_integer():
                raise InputError(f"entry {k} must be an integer, got {v!r}", field=fname)
            if abs(v) >= 2**62:
                raise InputError(f"entry {k} is out of the integer range, got {v!r}", field=fname)
            out[k] = int(v)
        else:
            try:
                out[k] = float(v)
            except OverflowError:
                raise InputError(
                    f"entry {k} must be finite, got a number too large", field=fname
                ) from None
            if not math.isfinite(out[k]):
                raise InputError(f"entry {k} must be finite, got {v!r}", field=fname)
    if out.size and not integer:
        big = np.abs(np.where(np.isfinite(out), out, 0.0)) > read_limits("offloading").max_number
        if big.any():
            k = int(np.flatnonzero(big)[0])
            raise InputError(
                f"entry {k} is {obj[k]!r}, beyond the limit of "
                f"±{read_limits('offloading').max_number:g}",
                field=fname,
            )
    return out


def _str_list(obj: Any, fname: str, n: int | None = None) -> tuple[str, ...]:
    if not isinstance(obj, list):
        raise InputError(f"must be a list, got {type(obj).__name__}", field=fname)
    for k, v in enumerate(obj):
        if not isinstance(v, str):
            raise InputError(f"entry {k} must be a string, got {v!r}", field=fname)
    if n is not None and len(obj) != n:
        raise InputError(f"must have length {n}, got {len(obj)}", field=fname)
    return tuple(obj)


def _matrix(obj: Any, fname: str, rows: int, cols: int) -> np.ndarray:
    if not isinstance(obj, list):
        raise InputError(f"must be a list of rows, got {type(obj).__name__}", field=fname)
    if len(obj) != rows:
        raise InputError(
            f"must have {rows} rows (one per access point), got {len(obj)}", field=fname
        )
    out = np.empty((rows, cols), dtype=np.float64)
    for r, row in enumerate(obj):
        if not isinstance(row, list) or len(row) != cols:
            got = len(row) if isinstance(row, list) else type(row).__name__
            raise InputError(f"row {r} must be a list of {cols} numbers, got {got}", field=fname)
        out[r] = _num_list(row, f"{fname}[{r}]", allow_null=True)
    return out


def instance_from_dict(d: Any) -> OffloadingInstance:
    """Build a validated instance from the parsed JSON object of the file format.

    Raises
    ------
    InputError
        On any violated rule (the message names the field and the rule).
    """
    if not isinstance(d, dict):
        raise InputError(f"top level must be a JSON object, got {type(d).__name__}")
    fmt = d.get("format")
    if fmt != FORMAT:
        raise InputError(f"unknown format {fmt!r}, expected {FORMAT!r}", field="format")
    ver = d.get("version")
    if ver != VERSION or isinstance(ver, bool):
        raise InputError(
            f"unsupported version {ver!r}, this reader knows version {VERSION}", field="version"
        )
    _keys(d, "", _TOP_REQUIRED, _TOP_OPTIONAL)
    for sec, (req, opt) in _SECTIONS.items():
        if sec in d:
            _keys(d[sec], sec, req, opt)

    name = d.get("name", "unnamed")
    if not isinstance(name, str):
        raise InputError("must be a string", field="name")
    if d.get("generator") is not None:
        check_finite(d["generator"], "generator")
    radio = d.get("radio", {})
    w_wifi = radio.get("w_wifi_mj_per_ms", 1.21)
    w_lte = radio.get("w_lte_mj_per_ms", 2.5)
    for f, w in (("radio.w_wifi_mj_per_ms", w_wifi), ("radio.w_lte_mj_per_ms", w_lte)):
        if isinstance(w, bool) or not isinstance(w, (int, float)):
            raise InputError(f"must be a number, got {w!r}", field=f)

    aps = d["access_points"]
    bw = _num_list(aps["bandwidth_mbps"], "access_points.bandwidth_mbps")
    A = len(bw)
    bg = (
        _num_list(aps["background_users"], "access_points.background_users", integer=True)
        if "background_users" in aps
        else np.zeros(A, dtype=np.int64)
    )
    if len(bg) != A:
        raise InputError(
            f"must have length {A} (one per access point), got {len(bg)}",
            field="access_points.background_users",
        )

    en = d["edge_nodes"]
    tiers = _str_list(en["tier"], "edge_nodes.tier")
    J = len(tiers)

    def node_arr(key: str, default: float | int | None, integer: bool = False) -> np.ndarray:
        if key not in en:
            if default is None:
                raise InputError("missing required key", field=f"edge_nodes.{key}")
            return np.full(J, default, dtype=np.int64 if integer else np.float64)
        a = _num_list(en[key], f"edge_nodes.{key}", integer=integer)
        if len(a) != J:
            raise InputError(
                f"must have length {J} (one per edge node), got {len(a)}", field=f"edge_nodes.{key}"
            )
        return a

    tables = None
    if "queue_table_ms" in en:
        qt = en["queue_table_ms"]
        if not isinstance(qt, list):
            raise InputError(
                "must be a list (one table or null per node)", field="edge_nodes.queue_table_ms"
            )
        if len(qt) != J:
            raise InputError(
                f"must have length {J} (one per edge node), got {len(qt)}",
                field="edge_nodes.queue_table_ms",
            )
        tables = tuple(
            None if t is None else _num_list(t, f"edge_nodes.queue_table_ms[{k}]")
            for k, t in enumerate(qt)
        )
    all_tables = tables is not None and all(t is not None for t in tables)
    lin_default = 0.0 if all_tables else None
    slope = node_arr("queue_slope_ms", lin_default)
    icpt = node_arr("queue_intercept_ms", lin_default)
    nap = node_arr("ap", None, integer=True)
    ninf = node_arr("inference_ms", None)
    maxd = node_arr("max_devices", -1, integer=True)

    cl = d["clouds"]
    cinf = _num_list(cl["inference_ms"], "clouds.inference_ms")
    K = len(cinf)
    crw = _matrix(cl["rtt_wifi_ms"], "clouds.rtt_wifi_ms", A, K)
    crl = _matrix(cl["rtt_lte_ms"], "clouds.rtt_lte_ms", A, K)

    dv = d["devices"]
    dap = _num_list(dv["ap"], "devices.ap", integer=True)
    N = len(dap)

    def dev_arr(key: str) -> np.ndarray:
        a = _num_list(dv[key], f"devices.{key}")
        if len(a) != N:
            raise InputError(
                f"must have length {N} (one per device), got {len(a)}", field=f"devices.{key}"
            )
        return a

    classes = _str_list(dv["class"], "devices.class", N) if "class" in dv else ("",) * N
    rtt = _matrix(d["rtt_ms"], "rtt_ms", A, J)

    return OffloadingInstance(
        name=name,
        ap_bandwidth_mbps=bw,
        ap_background_users=bg,
        node_tier=tiers,
        node_ap=nap,
        node_inference_ms=ninf,
        node_queue_slope_ms=slope,
        node_queue_intercept_ms=icpt,
        node_max_devices=maxd,
        node_queue_table_ms=tables,
        cloud_inference_ms=cinf,
        cloud_rtt_wifi_ms=crw,
        cloud_rtt_lte_ms=crl,
        device_ap=dap,
        device_fps=dev_arr("fps"),
        device_frame_kb=dev_arr("frame_kb"),
        device_local_ms=dev_arr("local_ms"),
        device_local_mj=dev_arr("local_mj"),
        device_lte_mbps=dev_arr("lte_mbps"),
        device_class=classes,
        rtt_ms=rtt,
        w_wifi=w_wifi,
        w_lte=w_lte,
        generator=d.get("generator"),
    )


def _mat_to_list(a: np.ndarray) -> list[list[float | None]]:
    out = a.tolist()
    if np.isinf(a).any():
        out = [[None if math.isinf(v) else v for v in row] for row in out]
    return out


def instance_to_dict(inst: OffloadingInstance) -> dict[str, Any]:
    """The JSON object of the file format for ``inst`` (``null`` marks an unreachable RTT)."""
    en: dict[str, Any] = {
        "tier": list(inst.node_tier),
        "ap": inst.node_ap.tolist(),
        "inference_ms": inst.node_inference_ms.tolist(),
        "queue_slope_ms": inst.node_queue_slope_ms.tolist(),
        "queue_intercept_ms": inst.node_queue_intercept_ms.tolist(),
        "max_devices": inst.node_max_devices.tolist(),
    }
    if inst.node_queue_table_ms is not None:
        en["queue_table_ms"] = [None if t is None else t.tolist() for t in inst.node_queue_table_ms]
    d: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "name": inst.name,
    }
    if inst.generator is not None:
        d["generator"] = inst.generator
    d.update(
        {
            "radio": {"w_wifi_mj_per_ms": inst.w_wifi, "w_lte_mj_per_ms": inst.w_lte},
            "access_points": {
                "bandwidth_mbps": inst.ap_bandwidth_mbps.tolist(),
                "background_users": inst.ap_background_users.tolist(),
            },
            "edge_nodes": en,
            "clouds": {
                "inference_ms": inst.cloud_inference_ms.tolist(),
                "rtt_wifi_ms": _mat_to_list(inst.cloud_rtt_wifi_ms),
                "rtt_lte_ms": _mat_to_list(inst.cloud_rtt_lte_ms),
            },
            "devices": {
                "ap": inst.device_ap.tolist(),
                "fps": inst.device_fps.tolist(),
                "frame_kb": inst.device_frame_kb.tolist(),
                "local_ms": inst.device_local_ms.tolist(),
                "local_mj": inst.device_local_mj.tolist(),
                "lte_mbps": inst.device_lte_mbps.tolist(),
                "class": list(inst.device_class),
            },
            "rtt_ms": _mat_to_list(inst.rtt_ms),
        }
    )
    return d


def read_instance(path: str | os.PathLike[str]) -> OffloadingInstance:
    """Read an offloading instance from ``.json`` or ``.json.gz``.

    Raises
    ------
    InputError
        Naming the file, the field and the rule, for any malformed file.
    """
    d = load_json(path, "offloading")
    try:
        return instance_from_dict(d)
    except InputError as exc:
        raise exc.with_path(str(path)) from None


def write_instance(inst: OffloadingInstance, path: str | os.PathLike[str]) -> None:
    """Write ``inst`` atomically (``.gz`` suffix → gzip)."""
    dump_json(path, instance_to_dict(inst))


def detect_format(path: str | os.PathLike[str]) -> str | None:
    """``"offloading"`` for a ``.json`` / ``.json.gz`` file that is not another
    problem's, else ``None``; never raises (every other reader is asked first)."""
    name = os.fspath(path)
    return "offloading" if name.endswith((".json", ".json.gz")) else None


# ------------------------------------------------------------------ summary
def _fmt_range(a: Any) -> str:
    a = np.asarray(a, dtype=float)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return "-"
    return f"{a.min():.2f} .. {a.max():.2f} (median {np.median(a):.2f})"


def instance_summary(inst: OffloadingInstance) -> dict[str, Any]:
    """Readable summary of an offloading instance (``placement info``)."""
    tiers = {t: int(sum(1 for x in inst.node_tier if x == t)) for t in inst.tiers}
    classes: dict[str, int] = {}
    for c in inst.device_class:
        classes[c] = classes.get(c, 0) + 1
    rtt = inst.rtt_ms[np.isfinite(inst.rtt_ms)] if inst.rtt_ms.size else np.array([])
    return {
        "name": inst.name,
        "access_points": inst.n_aps,
        "edge_nodes": inst.n_nodes,
        "edge_nodes_by_tier": tiers,
        "clouds": inst.n_clouds,
        "devices": inst.n_devices,
        "device_classes": dict(sorted(classes.items())),
        "rtt_ms": _fmt_range(rtt),
        "cloud_rtt_wifi_ms": _fmt_range(inst.cloud_rtt_wifi_ms),
        "cloud_rtt_lte_ms": _fmt_range(inst.cloud_rtt_lte_ms),
        "deadline_ms": _fmt_range(inst.deadline_ms),
        "fps": _fmt_range(inst.device_fps),
        "wifi_upload_ms": _fmt_range(inst.wifi_upload_ms),
        "users_per_ap": _fmt_range(inst.ap_users),
        "generator": inst.generator,
    }


# ------------------------------------------------------------------ solutions
def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return _jsonable(v.tolist())
    if isinstance(v, np.generic):
        return _jsonable(v.item())
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (Status, Termination)):
        return v.value
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return type(v).__name__


def solution_to_dict(instance: OffloadingInstance, result: Result) -> dict[str, Any]:
    """The solution-file object of ``result``: ``objective`` is the value of the
    objective named by ``objective_name`` (total latency in ms unless the method
    optimised energy or the edge count). An online state's solution lists its failed
    edge nodes under ``failed_nodes`` (its inactive devices have kind ``inactive``)."""
    d = {
        "format": SOLUTION_FORMAT,
        "version": SOLUTION_VERSION,
        "instance": instance.name,
        "instance_hash": instance.content_hash,
        "method": result.method,
        "params": _jsonable(result.params),
        "seed": result.seed,
        "status": result.status.value,
        "termination": result.termination.value,
        "objective_name": result.objective_name,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "runtime_s": result.runtime,
        "assignment": result.solution.to_dict() if result.solution is not None else None,
        "metrics": _jsonable(result.metrics),
        "statistics": _jsonable(result.statistics),
    }
    if result.solution is not None and result.solution.failed_nodes:
        d["failed_nodes"] = list(result.solution.failed_nodes)
    return d


def write_solution(
    instance: OffloadingInstance,
    result: Result,
    path: str | os.PathLike[str],
    *,
    timings: bool = True,
) -> None:
    """Write the solution file of ``result`` atomically; ``timings=False`` leaves out
    every measured time (``runtime_s`` and the timing statistics), so two runs with the
    same seed give identical files."""
    d = solution_to_dict(instance, result)
    dump_json(path, d if timings else without_timings(d), indent=None)


def read_solution(
    path: str | os.PathLike[str], instance: OffloadingInstance | None = None
) -> tuple[Assignment, dict[str, Any]]:
    """Read a solution file; return its assignment and the whole parsed object.

    Devices of kind ``inactive`` and a top-level ``failed_nodes`` list (online states)
    are part of the assignment.

    Raises
    ------
    InputError
        Naming the file and field for a malformed file, or when the assignment
        does not fit ``instance``.
    """
    d = load_json(path, "solution")
    try:
        if not isinstance(d, dict):
            raise InputError("top level must be a JSON object")
        if d.get("format") != SOLUTION_FORMAT:
            raise InputError(
                f"unknown format {d.get('format')!r}, expected {SOLUTION_FORMAT!r}", field="format"
            )
        if d.get("version") != SOLUTION_VERSION:
            raise InputError(f"unsupported version {d.get('version')!r}", field="version")
        if d.get("assignment") is None:
            raise InputError("missing (the solution holds no assignment)", field="assignment")
        a = Assignment.from_dict(
            d["assignment"], method=d.get("method"), failed_nodes=d.get("failed_nodes")
        )
        if instance is not None:
            validate_assignment(instance, a)
    except InputError as exc:
        raise exc.with_path(str(path)) from None
    return a, d


def check_solution_instance(d: dict[str, Any], instance: OffloadingInstance, path: str) -> None:
    """Refuse a solution file written for another instance (its ``instance_hash``)."""
    check_instance_hash(d, instance.content_hash, instance.name, path)
