"""Reader of B-JointSP inputs (substrate GraphML + service template YAML + sources YAML).

B-JointSP (Dräxler, Schneider, Karl, NetSoft 2018) and the coord-sim ecosystem describe
a problem by three files:

* **network** — a GraphML graph (Topology-Zoo style, integer node ids, ``Latitude`` /
  ``Longitude``); node ``n`` becomes ``pop<n>``; node capacities from the ``cpu`` and
  ``mem`` attributes (default 10 and 10, B-JointSP's command-line defaults), link
  data rate from ``dr`` (default 50); the link delay is the geodesic distance between
  its ends at 0.77 × the speed of light, in ms, rounded to an integer as B-JointSP does
  (a node without coordinates takes the mean of its neighbours', repeatedly; a link
  that still lacks them is an error);
* **template** — YAML ``name``, ``vnfs`` (``name``, ``type`` ``source`` / ``normal``,
  ``stateful``, ``inputs_fwd``, ``inputs_bwd``, ``outputs_fwd``, ``outputs_bwd``,
  ``cpu`` and ``mem`` coefficient lists, ``vnf_delay``, ``out_fwd`` / ``out_bwd``
  output-rate coefficient lists) and ``vlinks`` (``direction``, ``src``,
  ``src_output``, ``dest``, ``dest_input``, ``max_delay``);
* **sources** — YAML list of ``{node, vnf, flows: [{id, data_rate}]}``.

Mapping onto the pipeline model (the semantic differences are listed in
``instances/pipeline/FORMAT.md``): every flow of every source is a request whose first
step is the source component pinned at the source node; every component reached over
forward vlinks is a step running the function of that component (a component reached
over a backward vlink is a second step ``<name>~bwd``; the source component reached
backwards is a sink pinned at the source node); each vlink is an edge whose bandwidth
is the flow's data rate propagated through the ``out_fwd`` / ``out_bwd`` coefficients
(``rate_k = Σ_i c[k][i] · in_i + c[k][-1]``). A component's resource demand
``Σ_i a_i · in_i + b`` becomes instances of capacity ``κ`` (the least flow data rate)
demanding ``max_i a_i · κ + b`` each (exact for ``b = 0`` and rates that are multiples
of ``κ``; a component with only a constant demand has unbounded capacity). The
request's ``max_delay_ms`` is the largest sum, over its source→sink paths, of the
vlinks' ``max_delay`` plus the components' ``vnf_delay``.
"""

from __future__ import annotations

import io
import logging
import math
from pathlib import Path
from typing import Any

import networkx as nx

from placement._io import check_count, check_tree, check_xml, read_bytes, read_limits, read_text
from placement.errors import InputError
from placement.pipeline.instance import Edge, Function, Link, Node, PipelineInstance, Request, Step

logger = logging.getLogger(__name__)

FMT = "bjointsp"

#: B-JointSP's command-line defaults for node and link capacities.
DEFAULT_CPU, DEFAULT_MEM, DEFAULT_DR = 10.0, 10.0, 50.0
SPEED_OF_LIGHT = 299_792_458.0  # m/s
PROPAGATION_FACTOR = 0.77
EARTH_RADIUS_M = 6_371_008.8


def _geodesic_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _yaml(path: Path) -> Any:
    """A YAML file under the ``bjointsp`` read limits; anchors and aliases are refused
    (an alias bomb expands without bound when the tree is walked)."""
    import yaml

    text = read_text(path, FMT)
    cap = read_limits(FMT).max_items
    try:
        for k, ev in enumerate(yaml.parse(text, Loader=yaml.SafeLoader)):
            if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None):
                raise InputError("YAML anchors and aliases are not accepted", path=str(path))
            if k > cap:
                raise InputError(
                    f"more than the {FMT} limit of {cap:,} YAML values", path=str(path)
                )
        obj = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML ({exc.__class__.__name__})", path=str(path)) from None
    check_tree(obj, FMT, path=str(path))
    return obj


def find_files(path: str | Path | list | tuple) -> tuple[Path, Path, Path] | None:
    """``(network, template, sources)`` from three paths or a folder holding one
    ``.graphml`` and two YAML files (the template is the one with ``vnfs``, else the one
    named like ``template``), else ``None``."""
    if isinstance(path, list | tuple):
        ps = [Path(p) for p in path]
        if len(ps) == 3 and ps[0].suffix.lower() == ".graphml":
            return ps[0], ps[1], ps[2]
        return None
    p = Path(path)
    if not p.is_dir():
        return None
    gml = sorted(p.glob("*.graphml"))
    ymls = sorted([*p.glob("*.yaml"), *p.glob("*.yml")])
    if len(gml) != 1 or len(ymls) != 2:
        return None
    tmpl = [y for y in ymls if "vnfs:" in read_text(y, FMT)]
    if len(tmpl) != 1:
        tmpl = [y for y in ymls if "templ" in y.name.lower()]
    if len(tmpl) != 1:
        return None
    src = next(y for y in ymls if y != tmpl[0])
    return gml[0], tmpl[0], src


def is_bjointsp(path: Any) -> bool:
    """Whether ``path`` names B-JointSP inputs (never raises)."""
    try:
        return find_files(path) is not None
    except Exception:  # noqa: BLE001 - detection must never raise
        return False


def _num(x: Any, path: Path, fld: str, lo: float = 0.0) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or x < lo:
        raise InputError(f"must be a number >= {lo:g}, got {x!r}", path=str(path), field=fld)
    return float(x)


def read_network(path: Path) -> tuple[list[Node], list[Link]]:
    """Nodes ``pop<n>`` and links of a B-JointSP GraphML network."""
    if path.suffix.lower() != ".graphml":
        raise InputError("the network must be a .graphml file", path=str(path), field="network")
    raw = read_bytes(path, FMT)
    check_xml(raw, FMT, path=str(path))
    try:
        g = nx.read_graphml(io.BytesIO(raw))
    except Exception as exc:  # noqa: BLE001 - networkx raises many kinds
        raise InputError(
            f"not a GraphML graph ({exc.__class__.__name__})", path=str(path)
        ) from None
    check_count(g.number_of_nodes(), "nodes", FMT, path=str(path))
    check_count(g.number_of_edges(), "edges", FMT, path=str(path))
    names = {}
    for n in g.nodes:
        try:
            names[n] = f"pop{int(n)}"
        except ValueError:
            raise InputError(
                f"node id {n!r} is not an integer", path=str(path), field="node"
            ) from None
    nodes = []
    for n, d in g.nodes(data=True):
        cpu = _num(d.get("cpu", DEFAULT_CPU), path, f"node {n}.cpu")
        mem = _num(d.get("mem", DEFAULT_MEM), path, f"node {n}.mem")
        nodes.append((n, cpu, mem))
    # a node without coordinates takes the mean of its neighbours' (repeatedly)
    pos = {
        n: (float(d["Latitude"]), float(d["Longitude"]))
        for n, d in g.nodes(data=True)
        if d.get("Latitude") is not None and d.get("Longitude") is not None
    }
    filled = []
    while True:
        new = {}
        for n in g.nodes:
            if n in pos:
                continue
            nb = [pos[m] for m in g[n] if m in pos]
            if nb:
                new[n] = (sum(a for a, _ in nb) / len(nb), sum(b for _, b in nb) / len(nb))
        if not new:
            break
        pos.update(new)
        filled += sorted(new)
    links = []
    seen = set()
    for u, v, d in g.edges(data=True):
        if u == v or frozenset((u, v)) in seen:
            continue  # B-JointSP keeps one link per pair
        seen.add(frozenset((u, v)))
        if u not in pos or v not in pos:
            raise InputError(
                "link delay needs Latitude and Longitude at both ends (or at a neighbour)",
                path=str(path),
                field=f"edge {u}-{v}",
            )
        dist = _geodesic_m(*pos[u], *pos[v])
        delay = float(round(dist / SPEED_OF_LIGHT * 1000.0 * PROPAGATION_FACTOR))
        dr = _num(d.get("dr", DEFAULT_DR), path, f"edge {u}-{v}.dr")
        links.append(Link(names[u], names[v], dr, delay))
    nodes = [Node(names[n], {"cores": c, "mem": m}, coords=pos.get(n)) for n, c, m in nodes]
    if filled:
        logger.info("%s: coordinates of %d nodes from their neighbours", path.name, len(filled))
    return nodes, links


def _coeffs(x: Any, n_in: int, path: Path, fld: str) -> list[float]:
    if not isinstance(x, list) or len(x) != n_in + 1:
        raise InputError(
            f"must list {n_in + 1} coefficients (one per input, then a constant), got {x!r}",
            path=str(path),
            field=fld,
        )
    return [_num(c, path, f"{fld}[{i}]", lo=-math.inf) for i, c in enumerate(x)]


def read_template(path: Path) -> dict[str, Any]:
    """The components and vlinks of a template (validated)."""
    d = _yaml(path)
    if not isinstance(d, dict) or not isinstance(d.get("vnfs"), list):
        raise InputError("must be a mapping with a 'vnfs' list", path=str(path), field="vnfs")
    vlinks = d.get("vlinks")
    if not isinstance(vlinks, list):
        raise InputError("must be a list", path=str(path), field="vlinks")
    comps: dict[str, dict[str, Any]] = {}
    for k, v in enumerate(d["vnfs"]):
        fld = f"vnfs[{k}]"
        if not isinstance(v, dict) or not isinstance(v.get("name"), str):
            raise InputError("needs a 'name'", path=str(path), field=fld)
        if v.get("type") not in ("source", "normal"):
            raise InputError(
                f"type must be source or normal, got {v.get('type')!r}",
                path=str(path),
                field=f"{fld}.type",
            )
        if v["name"] in comps:
            raise InputError(f"duplicate component {v['name']!r}", path=str(path), field=fld)
        n_fwd = int(_num(v.get("inputs_fwd", 0), path, f"{fld}.inputs_fwd"))
        n_bwd = int(_num(v.get("inputs_bwd", 0), path, f"{fld}.inputs_bwd"))
        n_in = n_fwd + n_bwd
        src = v["type"] == "source"
        cpu = v.get("cpu", [0])
        mem = v.get("mem", [0])
        comp = {
            "name": v["name"],
            "source": src,
            "n_in": n_in,
            "cpu": [0.0] if src else _coeffs(cpu, n_in, path, f"{fld}.cpu"),
            "mem": [0.0] if src else _coeffs(mem, n_in, path, f"{fld}.mem"),
            "delay": _num(v.get("vnf_delay", 0), path, f"{fld}.vnf_delay"),
            "out": {
                "forward": [
                    _coeffs(c, n_in, path, f"{fld}.out_fwd[{i}]")
                    for i, c in enumerate(v.get("out_fwd") or [])
                ],
                "backward": [
                    _coeffs(c, n_in, path, f"{fld}.out_bwd[{i}]")
                    for i, c in enumerate(v.get("out_bwd") or [])
                ],
            },
        }
        comps[v["name"]] = comp
    arcs = []
    for k, a in enumerate(vlinks):
        fld = f"vlinks[{k}]"
        if not isinstance(a, dict):
            raise InputError("must be a mapping", path=str(path), field=fld)
        for end in ("src", "dest"):
            if a.get(end) not in comps:
                raise InputError(
                    f"unknown component {a.get(end)!r}", path=str(path), field=f"{fld}.{end}"
                )
        if a.get("direction") not in ("forward", "backward"):
            raise InputError(
                f"direction must be forward or backward, got {a.get('direction')!r}",
                path=str(path),
                field=f"{fld}.direction",
            )
        arcs.append(
            {
                "direction": a["direction"],
                "src": a["src"],
                "src_output": int(_num(a.get("src_output", 0), path, f"{fld}.src_output")),
                "dest": a["dest"],
                "dest_input": int(_num(a.get("dest_input", 0), path, f"{fld}.dest_input")),
                "max_delay": _num(a.get("max_delay", math.inf), path, f"{fld}.max_delay"),
            }
        )
    return {"name": str(d.get("name", path.stem)), "components": comps, "arcs": arcs}


def read_sources(path: Path, comps: dict[str, Any]) -> list[tuple[str, str, str, float]]:
    """``(node, component, flow id, data rate)`` of every flow."""
    d = _yaml(path)
    if not isinstance(d, list):
        raise InputError("must be a list of sources", path=str(path), field="sources")
    out = []
    for k, s in enumerate(d):
        fld = f"sources[{k}]"
        if not isinstance(s, dict):
            raise InputError("must be a mapping", path=str(path), field=fld)
        vnf = s.get("vnf")
        if vnf not in comps:
            raise InputError(f"unknown component {vnf!r}", path=str(path), field=f"{fld}.vnf")
        if not comps[vnf]["source"]:
            raise InputError(
                f"component {vnf!r} is not a source component", path=str(path), field=f"{fld}.vnf"
            )
        flows = s.get("flows")
        if not isinstance(flows, list) or not flows:
            raise InputError("must list at least one flow", path=str(path), field=f"{fld}.flows")
        for j, f in enumerate(flows):
            if not isinstance(f, dict):
                raise InputError("must be a mapping", path=str(path), field=f"{fld}.flows[{j}]")
            rate = _num(f.get("data_rate"), path, f"{fld}.flows[{j}].data_rate")
            out.append((str(s.get("node")), vnf, str(f.get("id", f"f{j}")), rate))
    return out


def read_bjointsp(path: Any) -> PipelineInstance:
    """Read B-JointSP inputs (three paths or a folder) as a pipeline instance.

    Raises
    ------
    InputError
        Naming the file, the field and the rule.
    """
    files = find_files(path)
    if files is None:
        raise InputError(
            "expected NET.graphml TEMPLATE.yaml SOURCES.yaml, or a folder holding them",
            path=str(path),
            field="format",
        )
    net, tpath, spath = files
    nodes, links = read_network(net)
    names = {n.name for n in nodes}
    tmpl = read_template(tpath)
    comps = tmpl["components"]
    flows = read_sources(spath, comps)
    for node, _v, fid, _r in flows:
        if node not in names:
            raise InputError(f"unknown node {node!r}", path=str(spath), field=f"flow {fid}.node")
    rates = [r for *_, r in flows if r > 0]
    kappa = min(rates) if rates else 1.0
    funcs = []
    for c in comps.values():
        if c["source"]:
            continue
        a = max([max(c["cpu"][:-1], default=0.0), 0.0])
        am = max([max(c["mem"][:-1], default=0.0), 0.0])
        b, bm = c["cpu"][-1], c["mem"][-1]
        linear = a > 0 or am > 0
        funcs.append(
            Function(
                c["name"],
                {"cores": a * kappa + b, "mem": am * kappa + bm},
                proc_ms=c["delay"],
                capacity=kappa if linear else math.inf,
            )
        )
    arcs = tmpl["arcs"]
    reqs = []
    for node, vnf, fid, rate in flows:
        req = _request(node, vnf, fid, rate, comps, arcs, tpath)
        if req is not None:
            reqs.append(req)
    meta = {
        "source": "bjointsp",
        "network": net.name,
        "template": tmpl["name"],
        "sources": spath.name,
        "instance_capacity": kappa,
        "default_objective": "cores",
    }
    return PipelineInstance(
        name=f"{net.stem}-{tmpl['name']}-{spath.stem}",
        nodes=tuple(nodes),
        links=tuple(links),
        functions=tuple(funcs),
        requests=tuple(reqs),
        meta=meta,
    )


def _request(
    node: str, vnf: str, fid: str, rate: float, comps: dict, arcs: list, tpath: Path
) -> Request | None:
    """One flow as a request (see the module docstring)."""
    step_of: dict[tuple[str, str], str] = {(vnf, "forward"): "src"}
    steps: dict[str, Step] = {"src": Step("src", nodes=(node,))}
    in_rates: dict[str, list[float]] = {}
    edges: list[Edge] = []
    edge_bound: dict[tuple[str, str], float] = {}
    queue = [(vnf, "forward")]
    seen = set()
    out_rate: dict[tuple[str, str], list[float]] = {("src", "out"): [rate]}
    while queue:
        comp, way = queue.pop(0)
        if (comp, way) in seen:
            continue
        seen.add((comp, way))
        sid = step_of[(comp, way)]
        c = comps[comp]
        if c["source"] and sid == "src":
            outs = [rate] * max(1, len([a for a in arcs if a["src"] == comp]))
        else:
            ins = in_rates.get(sid, [0.0] * c["n_in"])
            outs = []
            for direction in ("forward", "backward"):
                for co in c["out"][direction]:
                    outs.append(sum(x * y for x, y in zip(co[:-1], ins)) + co[-1])
        for a in arcs:
            if a["src"] != comp:
                continue
            d = a["direction"]
            if c["source"] and sid != "src":
                continue
            if way == "forward" and d == "backward" and not c["source"]:
                pass
            dest = a["dest"]
            key = (dest, d)
            if comps[dest]["source"]:
                dst_id = "sink"
                steps.setdefault(dst_id, Step(dst_id, nodes=(node,)))
            else:
                dst_id = dest if d == "forward" else f"{dest}~bwd"
                steps.setdefault(dst_id, Step(dst_id, function=dest))
            step_of[key] = dst_id
            o = a["src_output"]
            r = outs[o] if o < len(outs) else (outs[0] if outs else rate)
            if dst_id != "sink":
                lst = in_rates.setdefault(dst_id, [0.0] * max(1, comps[dest]["n_in"]))
                if a["dest_input"] < len(lst):
                    lst[a["dest_input"]] += r
            if (sid, dst_id) not in edge_bound:
                edges.append(Edge(sid, dst_id, max(r, 0.0)))
                edge_bound[(sid, dst_id)] = a["max_delay"]
            if dst_id != "sink":
                queue.append(key)
    del out_rate
    if len(steps) < 2:
        return None
    # per-path bound: Σ vlink max_delay + Σ vnf_delay along the path
    succ: dict[str, list[str]] = {}
    for e in edges:
        succ.setdefault(e.src, []).append(e.dst)
    best = 0.0

    def walk(s: str, acc: float, depth: int) -> None:
        nonlocal best
        if depth > len(steps):
            return
        nxt = succ.get(s, [])
        if not nxt:
            best = max(best, acc)
        for t in nxt:
            st = steps[t]
            pd = comps[st.function]["delay"] if st.function else 0.0
            walk(t, acc + edge_bound[(s, t)] + pd, depth + 1)

    walk("src", 0.0, 0)
    try:
        return Request(
            f"{node}-{vnf}-{fid}",
            tuple(steps.values()),
            tuple(edges),
            max_delay_ms=best if math.isfinite(best) else math.inf,
        )
    except InputError as exc:
        raise InputError(exc.rule, path=str(tpath), field=exc.field) from None
