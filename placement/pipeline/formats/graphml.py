"""GraphML / GML substrates (Internet Topology Zoo) as pipeline instances.

Nodes keep their ``Latitude`` / ``Longitude``; a link without a delay attribute
gets the great-circle distance between its ends divided by the signal speed in
fibre, :data:`SPEED_KM_PER_MS` (2/3 c ≈ 199.86 km/ms). A link with an end lacking
coordinates gets :data:`DEFAULT_DELAY_MS`. Bandwidth comes from ``LinkSpeedRaw``
(bit/s) when present, else unbounded. Nodes carry no resources: the result is a
substrate for :mod:`placement.pipeline.generate`, with no functions or requests.
Parallel edges of multigraphs are merged (bandwidths add up, the smallest delay
is kept).
"""

from __future__ import annotations

import gzip
import logging
import math
from pathlib import Path

import networkx as nx

from placement.errors import InputError
from placement.pipeline.instance import Link, Node, PipelineInstance

logger = logging.getLogger(__name__)

#: Signal speed in fibre: 2/3 of the speed of light, in km per ms.
SPEED_KM_PER_MS = 299_792.458 * 2.0 / 3.0 / 1000.0
#: Delay of a link whose ends lack coordinates.
DEFAULT_DELAY_MS = 1.0
EARTH_RADIUS_KM = 6371.0


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
        except (TypeError, ValueError):
            coords = None
        nodes.append(Node(name=nm, coords=coords))
    coord = {nd.name: nd.coords for nd in nodes}
    merged: dict[frozenset[str], list[float]] = {}
    guessed = 0
    for u, v, data in g.edges(data=True):
        a, b = names[u], names[v]
        if a == b:
            continue
        if "delay_ms" in data:
            d = float(data["delay_ms"])
        elif coord[a] is not None and coord[b] is not None:
            d = great_circle_km(coord[a], coord[b]) / SPEED_KM_PER_MS
        else:
            d = DEFAULT_DELAY_MS
            guessed += 1
        bw = math.inf
        raw = data.get("LinkSpeedRaw")
        try:
            if raw is not None and float(raw) > 0:
                bw = float(raw) / 1e6
        except (TypeError, ValueError):
            pass
        key = frozenset((a, b))
        if key in merged:
            merged[key][0] += bw
            merged[key][1] = min(merged[key][1], d)
        else:
            merged[key] = [bw, d]
    links = []
    for key, (bw, d) in merged.items():
        a, b = sorted(key)
        links.append(Link(a, b, bw, round(d, 6)))
    meta = {
        "source": source,
        "speed_km_per_ms": SPEED_KM_PER_MS,
        "links_without_coordinates": guessed,
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
    if not p.is_file():
        raise InputError("file not found", path=str(p))
    fmt = format or ("gml" if p.name.lower().endswith(".gml") else "graphml")
    try:
        raw = p.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        if fmt == "gml":
            g = nx.parse_gml(raw.decode("utf-8").splitlines(), label="id")
        else:
            import io

            g = nx.read_graphml(io.BytesIO(raw))
    except Exception as exc:  # noqa: BLE001 - any parse error is bad input
        raise InputError(f"cannot parse {fmt}: {exc}", path=str(p), field="graph") from None
    if g.is_directed():
        g = g.to_undirected()
    name = p.name.split(".")[0]
    try:
        return graph_to_instance(g, name, fmt)
    except InputError as exc:
        raise exc.with_path(str(p)) from None
