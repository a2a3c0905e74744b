"""Reader of the Würzburg VNFCP benchmark format (files ``topology``, ``requests``,
``vnfLib`` and ``optimal``).

A problem is a directory holding ``topology``, ``requests`` and ``vnfLib`` (and
optionally ``optimal``, the published Pareto front). Units: bandwidth-like fields
(link bandwidth, request bandwidth, VNF capacity) are divided by 1000 and delays
(µs) are divided by 1000 to give ms — only ratios matter. ``-1`` means unbounded.

Both dialects are read: the benchmark one (space-separated topology, vnfLib rows
``name, cores, ram, hdd, delay, capacity, max instances``) and the ``mo-vnfcp`` one
(comma-separated topology, node ids with coordinates ``0(2.5,-1.5)``, vnfLib with
a ``[resources]`` section and rows ``name, delay, capacity, max instances,
migration penalty, <resources...>``).
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path

from placement._io import check_count, read_limits, read_text
from placement.errors import InputError
from placement.pipeline.instance import Edge, Function, Link, Node, PipelineInstance, Request, Step

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"[^\s,()]+(?:\([^)]*\))?")
_RES_ALIASES = {"cpu": "cores", "cores": "cores", "ram": "ram", "hdd": "hdd"}


def _lines(path: Path) -> list[tuple[int, str]]:
    text = read_text(path, "vnfcp")
    lines = text.splitlines()
    check_count(len(lines), "lines", "vnfcp", path=str(path))
    out = []
    for k, line in enumerate(lines, start=1):
        s = line.strip()
        if s and not s.startswith("#"):
            out.append((k, s))
    return out


def _num(tok: str, path: Path, fld: str, *, unbounded: bool = True) -> float:
    try:
        v = float(tok)
    except ValueError:
        raise InputError(f"expected a number, got {tok!r}", path=str(path), field=fld) from None
    if unbounded and v == -1:
        return math.inf
    if not math.isfinite(v) or v < 0:
        raise InputError(f"must be >= 0 or -1 (unbounded), got {tok!r}", path=str(path), field=fld)
    if v > read_limits("vnfcp").max_number:
        raise InputError(
            f"must be at most {read_limits('vnfcp').max_number:g}, got {tok!r}",
            path=str(path),
            field=fld,
        )
    return v


def _split_node_id(
    tok: str, path: Path | None = None, fld: str | None = None
) -> tuple[str, tuple[float, float] | None]:
    m = re.fullmatch(r"([^()]+)\(\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\)", tok)
    if m:
        try:
            xy = (float(m.group(2)), float(m.group(3)))
        except ValueError:
            raise InputError(
                f"node coordinates must be numbers, got {tok!r}", path=str(path), field=fld
            ) from None
        lim = read_limits("vnfcp").max_number
        if not all(math.isfinite(c) and abs(c) <= lim for c in xy):
            raise InputError(
                f"node coordinates must be finite, got {tok!r}", path=str(path), field=fld
            )
        return m.group(1), xy
    return tok, None


def read_vnflib(path: Path) -> tuple[list[Function], dict[str, list[str]], list[str]]:
    """Read a ``vnfLib`` file.

    Returns
    -------
    tuple
        ``(functions, aliases, resources)``: functions with lower-case names,
        alias (lower case) -> list of VNF names, and the topology's resource
        column names.
    """
    section = None
    resources = ["cores", "ram", "hdd"]
    mo_dialect = False
    rows: list[tuple[int, list[str]]] = []
    abbrev: dict[str, list[str]] = {}
    for ln, s in _lines(path):
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1].strip().lower()
            if section == "resources":
                resources = []
                mo_dialect = True
            continue
        toks = [t.strip() for t in s.split(",")]
        if section == "resources":
            resources.append(_RES_ALIASES.get(s.lower(), s.lower()))
        elif section == "vnfs":
            rows.append((ln, toks))
        elif section == "abbrev":
            if len(toks) < 2:
                raise InputError(
                    "an alias needs a name and at least one VNF", path=str(path), field=f"line {ln}"
                )
            abbrev[toks[0].lower()] = [t.lower() for t in toks[1:] if t]
        elif section == "pairs":
            continue  # a heuristic hint of the benchmark, not a constraint
        else:
            raise InputError(
                f"row outside a known section ({section!r})", path=str(path), field=f"line {ln}"
            )
    funcs: list[Function] = []
    seen: set[str] = set()
    for ln, toks in rows:
        fld = f"line {ln}"
        if mo_dialect:
            if len(toks) < 5 + len(resources):
                raise InputError(
                    f"expected {5 + len(resources)} columns, got {len(toks)}",
                    path=str(path),
                    field=fld,
                )
            name, delay, cap, maxi = toks[0], toks[1], toks[2], toks[3]
            res_toks = toks[5 : 5 + len(resources)]
        else:
            if len(toks) != 7:
                raise InputError(
                    f"expected 7 columns (name, cores, ram, hdd, delay, capacity, "
                    f"max instances), got {len(toks)}",
                    path=str(path),
                    field=fld,
                )
            name, res_toks, delay, cap, maxi = toks[0], toks[1:4], toks[4], toks[5], toks[6]
        key = name.lower()
        if key in seen:
            raise InputError(f"duplicate VNF {name!r}", path=str(path), field=fld)
        seen.add(key)
        demands = {
            r: _num(t, path, f"{fld} ({r})", unbounded=False) for r, t in zip(resources, res_toks)
        }
        capacity = _num(cap, path, f"{fld} (capacity)")
        if capacity == 0:
            raise InputError(
                "capacity must be > 0 or -1", path=str(path), field=f"{fld} (capacity)"
            )
        try:
            mi = float(maxi)
        except ValueError:
            mi = math.nan
        if not (math.isfinite(mi) and -1 <= mi <= read_limits("vnfcp").max_number):
            raise InputError(
                f"max instances must be -1 or an integer >= 0, got {maxi!r}",
                path=str(path),
                field=f"{fld} (max instances)",
            )
        max_inst = int(mi)
        funcs.append(
            Function(
                name=key,
                demands=demands,
                proc_ms=_num(delay, path, f"{fld} (delay)", unbounded=False) / 1000.0,
                capacity=capacity / 1000.0 if math.isfinite(capacity) else math.inf,
                max_instances=max_inst,
            )
        )
    for alias, lst in abbrev.items():
        for v in lst:
            if v not in seen and v not in abbrev:
                raise InputError(
                    f"alias {alias!r} uses unknown VNF {v!r}", path=str(path), field="[abbrev]"
                )
    return funcs, abbrev, resources


def read_topology(path: Path, resources: list[str]) -> tuple[list[Node], list[Link]]:
    """Read a ``topology`` file (header ``N L``, N node rows, L link rows)."""
    lines = _lines(path)
    if not lines:
        raise InputError("empty file", path=str(path), field="header")
    ln, head = lines[0]
    toks = _TOKEN.findall(head)
    if len(toks) != 2 or not all(t.isdigit() for t in toks):
        raise InputError(
            f"header must be '<nodes> <links>', got {head!r}", path=str(path), field="header"
        )
    n_nodes, n_links = int(toks[0]), int(toks[1])
    body = lines[1:]
    if len(body) != n_nodes + n_links:
        raise InputError(
            f"header announces {n_nodes} nodes + {n_links} links but the file has {len(body)} rows",
            path=str(path),
            field="header",
        )
    nodes: list[Node] = []
    ids: set[str] = set()
    for ln, s in body[:n_nodes]:
        toks = _TOKEN.findall(s)
        fld = f"line {ln}"
        if len(toks) < 2:
            raise InputError("node row needs an id and resources", path=str(path), field=fld)
        name, coords = _split_node_id(toks[0], path, fld)
        if name in ids:
            raise InputError(f"duplicate node {name!r}", path=str(path), field=fld)
        ids.add(name)
        res = {r: _num(t, path, f"{fld} ({r})") for r, t in zip(resources, toks[1:])}
        nodes.append(Node(name=name, resources=res, coords=coords))
    links: list[Link] = []
    seen: set[frozenset[str]] = set()
    for ln, s in body[n_nodes:]:
        toks = _TOKEN.findall(s)
        fld = f"line {ln}"
        if len(toks) != 4:
            raise InputError(
                f"link row needs 4 fields (node node bandwidth delay), got {len(toks)}",
                path=str(path),
                field=fld,
            )
        u, _ = _split_node_id(toks[0])
        v, _ = _split_node_id(toks[1])
        for x in (u, v):
            if x not in ids:
                raise InputError(f"unknown node {x!r}", path=str(path), field=fld)
        if u == v:
            raise InputError(f"self-loop on {u!r}", path=str(path), field=fld)
        key = frozenset((u, v))
        if key in seen:
            raise InputError(f"duplicate link {u}-{v}", path=str(path), field=fld)
        seen.add(key)
        bw = _num(toks[2], path, f"{fld} (bandwidth)")
        delay = _num(toks[3], path, f"{fld} (delay)", unbounded=False)
        links.append(Link(u, v, bw / 1000.0 if math.isfinite(bw) else math.inf, delay / 1000.0))
    return nodes, links


def read_requests(
    path: Path, functions: list[Function], aliases: dict[str, list[str]], node_ids: set[str]
) -> list[Request]:
    """Read a ``requests`` file (one chain per line; identical lines are distinct requests)."""
    known = {f.name for f in functions}

    budget = read_limits("vnfcp").max_records

    def expand(name: str, depth: int = 0) -> list[str]:
        if name in known:
            return [name]
        if name in aliases and depth < 20:
            out: list[str] = []
            for a in aliases[name]:
                out += expand(a, depth + 1)
                if len(out) > budget:
                    raise InputError(
                        f"alias {name!r} expands to more than {budget} VNFs",
                        path=str(path),
                        field="chain",
                    )
            return out
        raise KeyError(name)

    reqs: list[Request] = []
    for k, (ln, s) in enumerate(_lines(path)):
        toks = [t.strip() for t in s.split(",")]
        fld = f"line {ln}"
        if len(toks) < 4:
            raise InputError(
                "a request needs ingress, egress, bandwidth, max delay", path=str(path), field=fld
            )
        ing, egr = toks[0], toks[1]
        for x in (ing, egr):
            if x not in node_ids:
                raise InputError(f"unknown node {x!r}", path=str(path), field=fld)
        bw = _num(toks[2], path, f"{fld} (bandwidth)", unbounded=False) / 1000.0
        dmax = _num(toks[3], path, f"{fld} (max delay)")
        chain: list[str] = []
        for t in toks[4:]:
            if not t:
                continue
            try:
                chain += expand(t.lower())
            except KeyError:
                raise InputError(f"unknown VNF or alias {t!r}", path=str(path), field=fld) from None
            check_count(len(chain), "chain steps", "vnfcp", path=str(path), field=fld)
        steps = [Step("ingress", nodes=(ing,))]
        steps += [Step(f"f{i + 1}", function=f) for i, f in enumerate(chain)]
        steps += [Step("egress", nodes=(egr,))]
        edges = [Edge(a.id, b.id, bw) for a, b in zip(steps[:-1], steps[1:])]
        reqs.append(
            Request(
                name=f"r{k}",
                steps=tuple(steps),
                edges=tuple(edges),
                max_delay_ms=dmax / 1000.0 if math.isfinite(dmax) else math.inf,
            )
        )
    return reqs


def read_front(path: str | Path) -> list[tuple[float, float]]:
    """Read an ``optimal`` file: the published (cpu, hops) Pareto points."""
    p = Path(path)
    pts: list[tuple[float, float]] = []
    for _, s in _lines(p):
        m = re.fullmatch(r"\[?\s*([0-9.eE+-]+)\s*,\s*([0-9.eE+-]+)\s*\]?", s)
        if m:
            try:
                xy = (float(m.group(1)), float(m.group(2)))
            except ValueError:
                continue
            if all(math.isfinite(v) for v in xy):
                pts.append(xy)
    return sorted(set(pts))


def is_vnfcp_dir(path: str | Path) -> bool:
    """Whether ``path`` is a directory holding ``topology``, ``requests`` and ``vnfLib``."""
    p = Path(path)
    try:
        return p.is_dir() and all((p / f).is_file() for f in ("topology", "requests", "vnfLib"))
    except OSError:
        return False


def read_vnfcp(path: str | Path, *, name: str | None = None) -> PipelineInstance:
    """Read a VNFCP problem directory into a :class:`PipelineInstance`.

    Parameters
    ----------
    path
        Directory with ``topology``, ``requests``, ``vnfLib`` (``optimal`` optional).
    name
        Instance name (default: the directory name).

    Raises
    ------
    InputError
        With the file and line of the first violated rule.
    """
    p = Path(path)
    if not is_vnfcp_dir(p):
        raise InputError(
            "a VNFCP problem is a directory with files topology, requests, vnfLib", path=str(p)
        )
    funcs, aliases, resources = read_vnflib(p / "vnfLib")
    nodes, links = read_topology(p / "topology", resources)
    reqs = read_requests(p / "requests", funcs, aliases, {n.name for n in nodes})
    meta = {
        "source": "vnfcp",
        "path": p.name,
        "default_objective": "hops",
        "units": "bandwidth/1000, delay us/1000",
    }
    if (p / "optimal").is_file():
        front = read_front(p / "optimal")
        if front:
            meta["published_front"] = [list(x) for x in front]
    try:
        return PipelineInstance(
            name=name or p.name,
            nodes=tuple(nodes),
            links=tuple(links),
            functions=tuple(funcs),
            requests=tuple(reqs),
            meta=meta,
        )
    except InputError as exc:
        raise exc.with_path(str(p)) from None
