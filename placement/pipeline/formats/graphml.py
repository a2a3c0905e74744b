"""GraphML / GML substrates (Internet Topology Zoo) as pipeline instances.

Nodes keep their ``Latitude`` / ``Longitude``; a link without a delay attribute
gets the great-circle distance between its ends divided by the signal speed in
fibre, :data:`SPEED_KM_PER_MS` (2/3 c ≈ 199.86 km/ms). A link with an end lacking
coordinates gets :data:`DEFAULT_DELAY_MS`. Bandwidth comes from ``LinkSpeedRaw``
(bit/s) when present, else unbounded. Nodes carry no resources: the result is a
substrate for :mod:`placement.pipeline.generate`, with no functions or requests.

Parallel edges (96 of the 276 Zoo networks have some; their GML files declare no
``multigraph 1`` and networkx refuses them, the GraphML copies read as multigraphs)
are merged into one link per node pair: the bandwidths add up (parallel circuits
carry traffic side by side) and the smallest delay is kept (the shortest circuit
is used). A :class:`ParallelEdgesWarning` says how many edges were merged; self-loops
are dropped with the same warning.

The whole Zoo (276 networks) is bundled compactly as ``instances/pipeline/zoo/
zoo.json.gz`` (nodes with label and coordinates, edges with ``LinkSpeedRaw``;
derived by ``instances/tools/derive_data.py``, CC BY 4.0): :func:`zoo_names`,
:func:`zoo_graph` and :func:`read_zoo` read a network by name from it, or from a
folder of GraphML / GML files or of the Zoo's ``graphml.tar.gz`` / ``gml.tar.gz``.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import math
import os
import re
import tarfile
import warnings
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from placement._io import bracket_depth, check_count, check_xml, read_bytes, read_limits
from placement.errors import InputError
from placement.pipeline.instance import Link, Node, PipelineInstance

logger = logging.getLogger(__name__)

#: Signal speed in fibre: 2/3 of the speed of light, in km per ms.
SPEED_KM_PER_MS = 299_792.458 * 2.0 / 3.0 / 1000.0
#: Delay of a link whose ends lack coordinates.
DEFAULT_DELAY_MS = 1.0
EARTH_RADIUS_KM = 6371.0
#: Environment variable naming a folder of Zoo files read before the bundled Zoo.
ZOO_DIR_ENV = "PLACEMENT_ZOO_DIR"
#: How parallel edges are merged (quoted by the warning).
MERGE_RULE = "bandwidths added, the smallest delay kept"


class ParallelEdgesWarning(UserWarning):
    """A graph had parallel edges (or self-loops); they were merged (dropped)."""


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance in km between two ``(lat, lon)`` points in degrees."""
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def graph_to_instance(g: nx.Graph, name: str, source: str) -> PipelineInstance:
    """Convert a networkx graph with Topology-Zoo attributes into a substrate."""
    names: dict[object, str] = {}
    used: set[str] = set()
    nodes: list[Node] = []
    for n, data in g.nodes(data=True):
        base = str(data.get("label") or n).strip() or str(n)
        nm = base
        k = 1
        while nm in used:
            k += 1
            nm = f"{base}#{k}"
        used.add(nm)
        names[n] = nm
        lat, lon = data.get("Latitude"), data.get("Longitude")
        coords = None
        try:
            if lat is not None and lon is not None:
                coords = (float(lat), float(lon))
        except (TypeError, ValueError, OverflowError):
            coords = None
        if coords is not None and not (
            math.isfinite(coords[0])
            and math.isfinite(coords[1])
            and -90 <= coords[0] <= 90
            and -180 <= coords[1] <= 360
        ):
            raise InputError(
                f"Latitude / Longitude {lat!r} / {lon!r} out of range ([-90, 90] / [-180, 360])",
                field=f"node {nm!r}",
            )
        nodes.append(Node(name=nm, coords=coords))
    coord = {nd.name: nd.coords for nd in nodes}
    merged: dict[frozenset[str], list[float]] = {}
    guessed = 0
    n_parallel = n_loops = 0
    for u, v, data in g.edges(data=True):
        a, b = names[u], names[v]
        if a == b:
            n_loops += 1
            continue
        if "delay_ms" in data:
            try:
                d = float(data["delay_ms"])
            except (TypeError, ValueError, OverflowError):
                d = math.nan
            if not (math.isfinite(d) and 0 <= d <= read_limits("graphml").max_number):
                raise InputError(
                    f"delay_ms must be a finite number >= 0, got {data['delay_ms']!r}",
                    field=f"edge {a!r}-{b!r}",
                )
        elif coord[a] is not None and coord[b] is not None:
            d = great_circle_km(coord[a], coord[b]) / SPEED_KM_PER_MS
        else:
            d = DEFAULT_DELAY_MS
            guessed += 1
        bw = math.inf
        raw = data.get("LinkSpeedRaw")
        try:
            if raw is not None and math.isfinite(float(raw)) and float(raw) > 0:
                bw = float(raw) / 1e6
        except (TypeError, ValueError, OverflowError):
            pass
        key = frozenset((a, b))
        if key in merged:
            n_parallel += 1
            merged[key][0] += bw
            merged[key][1] = min(merged[key][1], d)
        else:
            merged[key] = [bw, d]
    if n_parallel or n_loops:
        msg = (
            f"{name}: {n_parallel} parallel edge(s) merged into the links they duplicate "
            f"({MERGE_RULE}); {n_loops} self-loop(s) dropped"
        )
        logger.info(msg)
        warnings.warn(msg, ParallelEdgesWarning, stacklevel=3)
    links = []
    for key, (bw, d) in merged.items():
        a, b = sorted(key)
        links.append(Link(a, b, bw, round(d, 6)))
    meta = {
        "source": source,
        "speed_km_per_ms": SPEED_KM_PER_MS,
        "links_without_coordinates": guessed,
        "parallel_edges_merged": n_parallel,
        "self_loops_dropped": n_loops,
        "network": str(g.graph.get("Network", name)),
    }
    return PipelineInstance(
        name=name, nodes=tuple(nodes), links=tuple(links), functions=(), requests=(), meta=meta
    )


def read_substrate(path: str | Path, format: str | None = None) -> PipelineInstance:
    """Read a GraphML or GML file (``.gz`` too) as a substrate-only instance.

    Raises
    ------
    InputError
        When networkx cannot parse the file.
    """
    p = Path(path)
    fmt = format or ("gml" if p.name.lower().endswith(".gml") else "graphml")
    raw = read_bytes(p, fmt)
    if fmt == "gml":
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", path=str(p)) from None
        if bracket_depth(text) > read_limits(fmt).max_depth:
            raise InputError(
                f"lists nested deeper than the {fmt} limit of {read_limits(fmt).max_depth}",
                path=str(p),
            )
    else:
        check_xml(raw, fmt, path=str(p))
    try:
        g = parse_graph(raw, fmt)
    except Exception as exc:  # noqa: BLE001 - any parse error is bad input
        msg = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise InputError(f"cannot parse {fmt}: {msg}", path=str(p), field="graph") from None
    check_count(g.number_of_nodes(), "nodes", fmt, path=str(p))
    check_count(g.number_of_edges(), "edges", fmt, path=str(p))
    name = p.name.split(".")[0]
    try:
        return graph_to_instance(g, name, fmt)
    except InputError as exc:
        raise exc.with_path(str(p)) from None


def parse_graph(raw: bytes, fmt: str) -> nx.Graph:
    """Parse GraphML or GML bytes into an undirected (multi)graph.

    A GML file whose edges repeat a node pair without declaring ``multigraph 1`` is
    read again as a multigraph (networkx refuses it otherwise).
    """
    if fmt == "gml":
        text = raw.decode("utf-8")
        try:
            g = nx.parse_gml(text.splitlines(), label="id")
        except nx.NetworkXError as exc:
            if "duplicated" not in str(exc):
                raise
            text = re.sub(r"^(\s*graph\s*\[)", r"\1\n  multigraph 1", text, count=1, flags=re.M)
            g = nx.parse_gml(text.splitlines(), label="id")
    else:
        g = nx.read_graphml(io.BytesIO(raw))
    if g.is_directed():
        g = g.to_undirected()
    return g


# ------------------------------------------------------------------ the whole Zoo
def _zoo_resource() -> Any:
    return resources.files("placement.instances").joinpath("pipeline", "zoo", "zoo.json.gz")


@cache
def _zoo_bundle() -> dict[str, Any]:
    with _zoo_resource().open("rb") as fh:
        return json.loads(gzip.decompress(fh.read()).decode("utf-8"))


def zoo_names() -> list[str]:
    """The names of the 276 bundled Topology-Zoo networks (file stems, sorted)."""
    return sorted(_zoo_bundle()["networks"])


def _bundle_graph(name: str) -> nx.Graph:
    d = _zoo_bundle()["networks"][name]
    g: nx.Graph = nx.MultiGraph() if d["multigraph"] else nx.Graph()
    g.graph.update(d["graph"])
    for k, (label, lat, lon) in enumerate(d["nodes"]):
        attrs: dict[str, Any] = {"label": label}
        if lat is not None:
            attrs["Latitude"], attrs["Longitude"] = lat, lon
        g.add_node(k, **attrs)
    for u, v, speed in d["edges"]:
        g.add_edge(u, v, **({} if speed is None else {"LinkSpeedRaw": speed}))
    return g


def _folder_graph(folder: Path, name: str) -> tuple[nx.Graph, str] | None:
    """``name`` from a folder of GraphML / GML files (``.gz`` too) or Zoo archives."""
    for fmt, ext in (("graphml", ".graphml"), ("gml", ".gml")):
        for cand in (folder / f"{name}{ext}", folder / f"{name}{ext}.gz"):
            if cand.is_file():
                raw = cand.read_bytes()
                if raw[:2] == b"\x1f\x8b":
                    raw = gzip.decompress(raw)
                return parse_graph(raw, fmt), str(cand)
        archive = folder / f"{fmt}.tar.gz"
        if archive.is_file():
            with tarfile.open(archive, "r:gz") as tf:
                try:
                    member = tf.getmember(f"{fmt}/{name}{ext}")
                except KeyError:
                    continue
                fh = tf.extractfile(member)
                if fh is not None:
                    return parse_graph(fh.read(), fmt), f"{archive}:{member.name}"
    return None


def _resolve(name: str, names: list[str]) -> str | None:
    if name in names:
        return name
    low = {n.lower(): n for n in names}
    return low.get(name.lower())


def zoo_graph(name: str, folder: str | os.PathLike[str] | None = None) -> tuple[nx.Graph, str]:
    """The Topology-Zoo network ``name`` (case-insensitive) as a networkx graph, and
    where it came from.

    Looked up in ``folder`` (default: ``$PLACEMENT_ZOO_DIR``) first: ``NAME.graphml``,
    ``NAME.gml`` (optionally ``.gz``) or a member of the Zoo's ``graphml.tar.gz`` /
    ``gml.tar.gz``; then in the bundled Zoo.

    Raises
    ------
    InputError
        When no such network exists (the message lists close names), or ``folder`` is
        not a folder.
    """
    folder = folder or os.environ.get(ZOO_DIR_ENV) or None
    if folder is not None:
        f = Path(folder)
        if not f.is_dir():
            raise InputError("not a folder of Topology-Zoo files", path=str(f), field="zoo_dir")
        found = _folder_graph(f, name)
        if found is not None:
            return found
    names = zoo_names()
    key = _resolve(name, names)
    if key is None:
        import difflib

        close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
        hint = f"; close: {', '.join(close)}" if close else ""
        raise InputError(
            f"unknown Topology-Zoo network {name!r} ({len(names)} bundled{hint})",
            field="substrate",
        )
    return _bundle_graph(key), f"bundled Topology Zoo: {key}"


def read_zoo(name: str, folder: str | os.PathLike[str] | None = None) -> PipelineInstance:
    """The Topology-Zoo network ``name`` as a substrate-only instance (see
    :func:`zoo_graph` for where it is looked up)."""
    g, source = zoo_graph(name, folder)
    key = _resolve(name, zoo_names()) or name
    return graph_to_instance(g, key, source)
