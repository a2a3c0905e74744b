"""JSON format ``placement/pipeline`` version 1: reader, writer, solution files, and
:func:`read_pipeline` (any supported format, detected from the path).

Layout (``null`` = unbounded for capacities, bandwidths and delay bounds)::

    {"format": "placement/pipeline", "version": 1, "name": "...", "meta": {...},
     "substrate": {
       "nodes": [{"name", "resources": {"cores": 4, "ram_mb": 8000},
                  "capabilities": [...], "exclusive": [...],
                  "power": {"idle_w", "per_core_w"}, "class", "availability_h": [lo, hi],
                  "coords": [lat, lon]}],
       "links": [{"u", "v", "bandwidth_mbps", "delay_ms"}]},
     "functions": [{"name", "demands": {...}, "proc_ms", "capacity", "max_instances",
                    "requires": [...], "cost",
                    "overrides": {"<node>": {"demands", "proc_ms", "cost"}},
                    "flavours": {"<name>": {"demands", "boot_ms", "image_mb", "memory_mb",
                                            "migration_ms", "downtime_ms"}},
                    "flavour": "<name>"}],
     "requests": [{"name", "steps": [{"id", "function", "nodes": [...], "replicas", "load",
                              "max_boot_ms"}],
                   "edges": [{"from", "to", "bandwidth_mbps"}], "max_delay_ms",
                   "priority", "execution": "automatic" | "on_demand", "lifetime_s",
                   "max_boot_ms"}],
     "previous": {"<request>": {"<step>": ["<node>", ...]}}}

Every violation raises :class:`~placement.errors.InputError` naming the file,
the field (JSON path) and the rule; unknown keys are errors (typos must not pass
silently).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from pathlib import Path
from typing import Any

from placement._io import (
    check_count,
    check_finite,
    check_instance_hash,
    check_quantity,
    dump_json,
    load_json,
    without_timings,
)
from placement.errors import InputError
from placement.pipeline.formats.bjointsp import is_bjointsp, read_bjointsp
from placement.pipeline.formats.gap import is_gap_file, read_gap
from placement.pipeline.formats.graphml import read_substrate
from placement.pipeline.formats.vnfcp import is_vnfcp_dir, read_vnfcp
from placement.pipeline.instance import (
    Edge,
    Flavour,
    Function,
    Link,
    Node,
    Override,
    PipelineInstance,
    Placement,
    Request,
    Step,
)
from placement.result import Result

logger = logging.getLogger(__name__)

FORMAT = "placement/pipeline"
VERSION = 1
SOLUTION_FORMAT = "placement/pipeline-solution"
SOLUTION_VERSION = 1
FORMATS = ("pipeline", "vnfcp", "gap", "graphml", "gml", "bjointsp")


def _obj(d: Any, fld: str, allowed: set[str], required: tuple[str, ...] = ()) -> dict:
    if not isinstance(d, dict):
        raise InputError(f"must be an object, got {type(d).__name__}", field=fld or None)
    for k in d:
        if k not in allowed:
            raise InputError(
                f"unknown key (allowed: {sorted(allowed)})", field=f"{fld}.{k}" if fld else k
            )
    for k in required:
        if k not in d:
            raise InputError("missing required key", field=f"{fld}.{k}" if fld else k)
    return d


def _list(d: Any, fld: str) -> list:
    if not isinstance(d, list):
        raise InputError(f"must be a list, got {type(d).__name__}", field=fld)
    check_count(len(d), "entries", "pipeline", field=fld)
    return d


def _strs(d: Any, fld: str) -> list[str]:
    lst = _list(d, fld)
    for k, s in enumerate(lst):
        if not isinstance(s, str) or not s:
            raise InputError(f"entry {k} must be a non-empty string, got {s!r}", field=fld)
    return lst


def _num(d: Any, fld: str, *, none_is_inf: bool = False) -> float:
    if d is None and none_is_inf:
        return math.inf
    if isinstance(d, bool) or not isinstance(d, int | float):
        raise InputError(
            f"must be a number{' or null' if none_is_inf else ''}, got {d!r}", field=fld
        )
    return check_quantity(d, fld, "pipeline")


def _int(d: Any, fld: str) -> Any:
    """An integer field: kept as given (the instance checks its range) unless absurd."""
    if isinstance(d, int) and not isinstance(d, bool):
        check_quantity(d, fld, "pipeline")
    return d


def _nums(d: Any, fld: str) -> dict[str, float]:
    if not isinstance(d, dict):
        raise InputError(f"must be an object of numbers, got {type(d).__name__}", field=fld)
    check_count(len(d), "entries", "pipeline", field=fld)
    return {k: _num(v, f"{fld}.{k}", none_is_inf=True) for k, v in d.items()}


def _build(cls: type, fld: str, **kw: Any) -> Any:
    try:
        return cls(**kw)
    except InputError as exc:
        sub = f"{fld}.{exc.field}" if exc.field else fld
        raise InputError(exc.rule, field=sub) from None


def instance_from_dict(d: Any) -> PipelineInstance:
    """Build an instance from the parsed JSON object (raises InputError)."""
    _obj(
        d,
        "",
        {"format", "version", "name", "meta", "substrate", "functions", "requests", "previous"},
        ("format", "version", "substrate", "functions", "requests"),
    )
    if d["format"] != FORMAT:
        raise InputError(f"must be {FORMAT!r}, got {d['format']!r}", field="format")
    if d["version"] != VERSION:
        raise InputError(
            f"unsupported version {d['version']!r} (supported: {VERSION})", field="version"
        )
    sub = _obj(d["substrate"], "substrate", {"nodes", "links"}, ("nodes",))
    nodes = []
    for k, nd in enumerate(_list(sub["nodes"], "substrate.nodes")):
        f = f"substrate.nodes[{k}]"
        _obj(
            nd,
            f,
            {
                "name",
                "resources",
                "capabilities",
                "exclusive",
                "power",
                "class",
                "availability_h",
                "coords",
            },
            ("name",),
        )
        power = _obj(nd.get("power", {}), f"{f}.power", {"idle_w", "per_core_w"})
        av = nd.get("availability_h")
        if av is not None and (not isinstance(av, list) or len(av) != 2):
            raise InputError("must be [min, max]", field=f"{f}.availability_h")
        co = nd.get("coords")
        if co is not None and (not isinstance(co, list) or len(co) != 2):
            raise InputError("must be [latitude, longitude]", field=f"{f}.coords")
        cls = nd.get("class")
        if cls is not None and not isinstance(cls, str):
            raise InputError("must be a string", field=f"{f}.class")
        nodes.append(
            _build(
                Node,
                f,
                name=nd["name"],
                resources=_nums(nd.get("resources", {}), f"{f}.resources"),
                capabilities=frozenset(_strs(nd.get("capabilities", []), f"{f}.capabilities")),
                exclusive=frozenset(_strs(nd.get("exclusive", []), f"{f}.exclusive")),
                idle_w=_num(power.get("idle_w", 0.0), f"{f}.power.idle_w"),
                per_core_w=_num(power.get("per_core_w", 0.0), f"{f}.power.per_core_w"),
                node_class=cls,
                availability_h=None
                if av is None
                else (
                    _num(av[0], f"{f}.availability_h[0]"),
                    _num(av[1], f"{f}.availability_h[1]", none_is_inf=True),
                ),
                coords=None
                if co is None
                else (_num(co[0], f"{f}.coords[0]"), _num(co[1], f"{f}.coords[1]")),
            )
        )
    links = []
    for k, lk in enumerate(_list(sub.get("links", []), "substrate.links")):
        f = f"substrate.links[{k}]"
        _obj(lk, f, {"u", "v", "bandwidth_mbps", "delay_ms"}, ("u", "v"))
        links.append(
            _build(
                Link,
                f,
                u=lk["u"],
                v=lk["v"],
                bandwidth_mbps=_num(
                    lk.get("bandwidth_mbps"), f"{f}.bandwidth_mbps", none_is_inf=True
                ),
                delay_ms=_num(lk.get("delay_ms", 0.0), f"{f}.delay_ms"),
            )
        )
    funcs = []
    for k, fd in enumerate(_list(d["functions"], "functions")):
        f = f"functions[{k}]"
        _obj(
            fd,
            f,
            {
                "name",
                "demands",
                "proc_ms",
                "capacity",
                "max_instances",
                "requires",
                "cost",
                "overrides",
                "flavours",
                "flavour",
            },
            ("name",),
        )
        ovs = {}
        for node, od in _obj(
            fd.get("overrides", {}),
            f"{f}.overrides",
            set(fd.get("overrides", {}) if isinstance(fd.get("overrides", {}), dict) else ()),
        ).items():
            of = f"{f}.overrides.{node}"
            _obj(od, of, {"demands", "proc_ms", "cost"})
            ovs[node] = _build(
                Override,
                of,
                demands=_nums(od.get("demands", {}), f"{of}.demands"),
                proc_ms=None if od.get("proc_ms") is None else _num(od["proc_ms"], f"{of}.proc_ms"),
                cost=None if od.get("cost") is None else _num(od["cost"], f"{of}.cost"),
            )
        fls = {}
        fl_in = fd.get("flavours", {})
        if not isinstance(fl_in, dict):
            raise InputError("must be an object", field=f"{f}.flavours")
        for fname, fv in fl_in.items():
            ff = f"{f}.flavours.{fname}"
            _obj(
                fv,
                ff,
                {"demands", "boot_ms", "image_mb", "memory_mb", "migration_ms", "downtime_ms"},
            )
            fls[fname] = _build(
                Flavour,
                ff,
                demands=_nums(fv.get("demands", {}), f"{ff}.demands"),
                **{
                    k2: _num(fv.get(k2, 0.0), f"{ff}.{k2}")
                    for k2 in ("boot_ms", "image_mb", "memory_mb", "migration_ms", "downtime_ms")
                },
            )
        mi = fd.get("max_instances", -1)
        funcs.append(
            _build(
                Function,
                f,
                name=fd["name"],
                demands=_nums(fd.get("demands", {}), f"{f}.demands"),
                proc_ms=_num(fd.get("proc_ms", 0.0), f"{f}.proc_ms"),
                capacity=_num(fd.get("capacity"), f"{f}.capacity", none_is_inf=True),
                max_instances=_int(mi, f"{f}.max_instances"),
                requires=frozenset(_strs(fd.get("requires", []), f"{f}.requires")),
                cost=_num(fd.get("cost", 0.0), f"{f}.cost"),
                overrides=ovs,
                flavours=fls,
                flavour=fd.get("flavour"),
            )
        )
    reqs = []
    for k, rd in enumerate(_list(d["requests"], "requests")):
        f = f"requests[{k}]"
        _obj(
            rd,
            f,
            {
                "name",
                "steps",
                "edges",
                "max_delay_ms",
                "priority",
                "execution",
                "lifetime_s",
                "max_boot_ms",
            },
            ("name", "steps"),
        )
        steps = []
        for j, sd in enumerate(_list(rd["steps"], f"{f}.steps")):
            sf = f"{f}.steps[{j}]"
            _obj(sd, sf, {"id", "function", "nodes", "replicas", "load", "max_boot_ms"}, ("id",))
            nodes_ = sd.get("nodes")
            steps.append(
                _build(
                    Step,
                    sf,
                    id=sd["id"],
                    function=sd.get("function"),
                    nodes=None if nodes_ is None else tuple(_strs(nodes_, f"{sf}.nodes")),
                    replicas=_int(sd.get("replicas", 1), f"{sf}.replicas"),
                    load=None if sd.get("load") is None else _num(sd["load"], f"{sf}.load"),
                    max_boot_ms=None
                    if "max_boot_ms" not in sd
                    else _num(sd["max_boot_ms"], f"{sf}.max_boot_ms", none_is_inf=True),
                )
            )
        edges = []
        for j, ed in enumerate(_list(rd.get("edges", []), f"{f}.edges")):
            ef = f"{f}.edges[{j}]"
            _obj(ed, ef, {"from", "to", "bandwidth_mbps"}, ("from", "to"))
            edges.append(
                _build(
                    Edge,
                    ef,
                    src=ed["from"],
                    dst=ed["to"],
                    bandwidth_mbps=_num(ed.get("bandwidth_mbps", 0.0), f"{ef}.bandwidth_mbps"),
                )
            )
        lt = rd.get("lifetime_s")
        reqs.append(
            _build(
                Request,
                f,
                name=rd["name"],
                steps=tuple(steps),
                edges=tuple(edges),
                max_delay_ms=_num(rd.get("max_delay_ms"), f"{f}.max_delay_ms", none_is_inf=True),
                priority=_num(rd.get("priority", 1.0), f"{f}.priority"),
                execution=rd.get("execution", "automatic"),
                lifetime_s=None if lt is None else _num(lt, f"{f}.lifetime_s"),
                max_boot_ms=_num(rd.get("max_boot_ms"), f"{f}.max_boot_ms", none_is_inf=True),
            )
        )
    prev_in = d.get("previous", {})
    if not isinstance(prev_in, dict):
        raise InputError("must be an object", field="previous")
    prev = {}
    for r, sd in prev_in.items():
        if not isinstance(sd, dict):
            raise InputError("must be an object", field=f"previous.{r}")
        prev[r] = {s: tuple(_strs(n, f"previous.{r}.{s}")) for s, n in sd.items()}
    meta = d.get("meta", {})
    if not isinstance(meta, dict):
        raise InputError("must be an object", field="meta")
    check_finite(meta, "meta")
    name = d.get("name", "pipeline")
    if not isinstance(name, str):
        raise InputError("must be a string", field="name")
    try:
        return PipelineInstance(
            name=name,
            nodes=tuple(nodes),
            links=tuple(links),
            functions=tuple(funcs),
            requests=tuple(reqs),
            previous=prev,
            meta=meta,
        )
    except InputError as exc:
        fld = exc.field or ""
        if fld.startswith(("nodes", "links")):
            fld = "substrate." + fld
        raise InputError(exc.rule, field=fld or None) from None


def _inf(x: float) -> float | None:
    return None if math.isinf(x) else x


def instance_to_dict(inst: PipelineInstance) -> dict[str, Any]:
    """The JSON object of ``inst`` (inverse of :func:`instance_from_dict`)."""
    nodes = []
    for n in inst.nodes:
        d: dict[str, Any] = {
            "name": n.name,
            "resources": {k: _inf(v) for k, v in n.resources.items()},
        }
        if n.capabilities:
            d["capabilities"] = sorted(n.capabilities)
        if n.exclusive:
            d["exclusive"] = sorted(n.exclusive)
        if n.idle_w or n.per_core_w:
            d["power"] = {"idle_w": n.idle_w, "per_core_w": n.per_core_w}
        if n.node_class:
            d["class"] = n.node_class
        if n.availability_h:
            d["availability_h"] = [n.availability_h[0], _inf(n.availability_h[1])]
        if n.coords:
            d["coords"] = list(n.coords)
        nodes.append(d)
    links = [
        {"u": lk.u, "v": lk.v, "bandwidth_mbps": _inf(lk.bandwidth_mbps), "delay_ms": lk.delay_ms}
        for lk in inst.links
    ]
    funcs = []
    for f in inst.functions:
        d = {
            "name": f.name,
            "demands": dict(f.demands),
            "proc_ms": f.proc_ms,
            "capacity": _inf(f.capacity),
            "max_instances": f.max_instances,
        }
        if f.requires:
            d["requires"] = sorted(f.requires)
        if f.cost:
            d["cost"] = f.cost
        if f.overrides:
            d["overrides"] = {
                v: {
                    k: x
                    for k, x in (
                        ("demands", dict(o.demands)),
                        ("proc_ms", o.proc_ms),
                        ("cost", o.cost),
                    )
                    if x not in (None, {})
                }
                for v, o in f.overrides.items()
            }
        if f.flavours:
            d["flavours"] = {
                k: {
                    "demands": dict(fl.demands),
                    "boot_ms": fl.boot_ms,
                    "image_mb": fl.image_mb,
                    "memory_mb": fl.memory_mb,
                    "migration_ms": fl.migration_ms,
                    "downtime_ms": fl.downtime_ms,
                }
                for k, fl in f.flavours.items()
            }
        if f.flavour:
            d["flavour"] = f.flavour
        funcs.append(d)
    reqs = []
    for r in inst.requests:
        steps = []
        for s in r.steps:
            sd: dict[str, Any] = {"id": s.id}
            if s.function is not None:
                sd["function"] = s.function
            if s.nodes is not None:
                sd["nodes"] = list(s.nodes)
            if s.replicas != 1:
                sd["replicas"] = s.replicas
            if s.load is not None:
                sd["load"] = s.load
            if s.max_boot_ms is not None:
                sd["max_boot_ms"] = _inf(s.max_boot_ms)
            steps.append(sd)
        rd: dict[str, Any] = {
            "name": r.name,
            "steps": steps,
            "edges": [
                {"from": e.src, "to": e.dst, "bandwidth_mbps": e.bandwidth_mbps} for e in r.edges
            ],
            "max_delay_ms": _inf(r.max_delay_ms),
            "priority": r.priority,
            "execution": r.execution,
        }
        if r.lifetime_s is not None:
            rd["lifetime_s"] = _inf(r.lifetime_s)
        if math.isfinite(r.max_boot_ms):
            rd["max_boot_ms"] = r.max_boot_ms
        reqs.append(rd)
    out: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "name": inst.name,
        "meta": _jsonable(dict(inst.meta)),
        "substrate": {"nodes": nodes, "links": links},
        "functions": funcs,
        "requests": reqs,
    }
    if inst.previous:
        out["previous"] = {r: {s: list(n) for s, n in d.items()} for r, d in inst.previous.items()}
    return out


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if hasattr(x, "value") and hasattr(x, "name") and not isinstance(x, int | float | str):
        return x.value
    if isinstance(x, int | float | str | bool) or x is None:
        return x
    return str(x)


def read_pipeline_json(path: str | os.PathLike[str]) -> PipelineInstance:
    """Read a ``placement/pipeline`` JSON file (``.gz`` transparently)."""
    d = load_json(path, "pipeline")
    try:
        return instance_from_dict(d)
    except InputError as exc:
        raise exc.with_path(str(path)) from None


def write_pipeline(inst: PipelineInstance, path: str | os.PathLike[str]) -> None:
    """Write ``inst`` as ``placement/pipeline`` JSON (atomically)."""
    dump_json(path, instance_to_dict(inst), indent=1)


def detect_format(path: str | os.PathLike[str]) -> str | None:
    """Format of ``path``: ``pipeline``, ``vnfcp``, ``gap``, ``graphml``, ``gml``,
    ``bjointsp`` (a folder or three paths) or ``None``.

    Never raises.
    """
    try:
        if isinstance(path, list | tuple) or is_bjointsp(path):
            return "bjointsp" if is_bjointsp(path) else None
        p = Path(path)
        if is_vnfcp_dir(p):
            return "vnfcp"
        if not p.is_file():
            return None
        name = p.name.lower()
        if name.endswith(".graphml") or name.endswith(".graphml.gz"):
            return "graphml"
        if name.endswith(".gml"):
            return "gml"
        if name.endswith(".json") or name.endswith(".json.gz"):
            try:
                d = load_json(p, "pipeline")
            except InputError:
                return None
            if isinstance(d, dict) and d.get("format") == FORMAT:
                return "pipeline"
            return None
        if is_gap_file(p):
            return "gap"
    except Exception:  # noqa: BLE001 - detection must never raise
        return None
    return None


def content_hash(inst: PipelineInstance) -> str:
    """``sha256:<hex>`` of the instance's content (substrate, functions, requests,
    previous placement; not its name or metadata)."""
    d = instance_to_dict(inst)
    for k in ("name", "meta"):
        d.pop(k, None)
    text = json.dumps(d, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def check_solution_instance(d: dict[str, Any], inst: PipelineInstance, path: str) -> None:
    """Refuse a solution file written for another instance (its ``instance_hash``)."""
    check_instance_hash(d, content_hash(inst), inst.name, path)


def instance_summary(inst: PipelineInstance) -> dict[str, Any]:
    """Readable summary of a pipeline instance (``placement info``)."""
    s = dict(inst.summary())
    front = inst.meta.get("published_front")
    if front:
        s["published_front"] = [list(p) for p in front]
    return s


def read_pipeline(path: str | os.PathLike[str], format: str | None = None) -> PipelineInstance:
    """Read any supported pipeline format.

    Parameters
    ----------
    path
        A ``placement/pipeline`` JSON file, a VNFCP directory, an OR-Library GAP
        file, a GraphML / GML substrate, or B-JointSP inputs (a folder, or the three
        paths network, template, sources).
    format
        One of :data:`FORMATS`; detected from the path when ``None``.

    Raises
    ------
    InputError
        Unknown format, or the reader's first violated rule (file, field, rule).
    """
    fmt = format or detect_format(path)
    if fmt == "bjointsp":
        return read_bjointsp(path)
    if isinstance(path, list | tuple):
        if len(path) == 1:
            return read_pipeline(path[0], format=format)
        raise InputError(
            "several paths are B-JointSP inputs: NET.graphml TEMPLATE.yaml SOURCES.yaml",
            path=" ".join(map(str, path)),
            field="format",
        )
    if fmt is None:
        if not Path(path).exists():
            raise InputError("file not found", path=str(path))
        raise InputError(
            f"cannot tell the format; pass --format one of {list(FORMATS)}",
            path=str(path),
            field="format",
        )
    if fmt == "pipeline":
        return read_pipeline_json(path)
    if fmt == "vnfcp":
        return read_vnfcp(path)
    if fmt == "gap":
        return read_gap(path)
    if fmt in ("graphml", "gml"):
        return read_substrate(path, format=fmt)
    raise InputError(f"unknown format {fmt!r} (known: {list(FORMATS)})", field="format")


def solution_to_dict(inst: PipelineInstance, result: Result) -> dict[str, Any]:
    """The solution-file object of ``result``."""
    params = dict(result.params)
    objs = result.metrics.get("objectives", {})
    return {
        "format": SOLUTION_FORMAT,
        "version": SOLUTION_VERSION,
        "instance": inst.name,
        "instance_hash": content_hash(inst),
        "method": result.method,
        "objective_name": result.objective_name,
        "objective": result.objective,
        "status": result.status.value,
        "termination": result.termination.value,
        "bound": result.bound,
        "gap": result.gap,
        "bounds": _jsonable(params.get("bounds", {})),
        "objectives": _jsonable(objs),
        "feasible": None if result.evaluation is None else result.evaluation.feasible,
        "violations": [] if result.evaluation is None else list(result.evaluation.violations),
        "runtime_s": result.runtime,
        "seed": result.seed,
        "params": _jsonable(params),
        "statistics": _jsonable(result.statistics),
        "placement": None if result.solution is None else result.solution.to_dict(),
    }


def write_solution(
    inst: PipelineInstance, result: Result, path: str | os.PathLike[str], *, timings: bool = True
) -> None:
    """Write the solution file of ``result`` atomically; ``timings=False`` leaves out
    every measured time, so two runs with the same seed give identical files."""
    d = solution_to_dict(inst, result)
    dump_json(path, d if timings else without_timings(d), indent=1)


def read_solution(path: str | os.PathLike[str]) -> tuple[Placement, dict[str, Any]]:
    """Read a pipeline solution file: its placement and the whole parsed object."""
    d = load_json(path, "solution")
    if not isinstance(d, dict) or d.get("format") != SOLUTION_FORMAT:
        raise InputError(f"must be {SOLUTION_FORMAT!r}", path=str(path), field="format")
    if d.get("placement") is None:
        raise InputError(
            "missing (the solution holds no placement)", path=str(path), field="placement"
        )
    return Placement.from_dict(d["placement"], path=str(path)), d
