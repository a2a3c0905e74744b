"""Seeded generators of ECCO edge-pipeline instances (car crash, black ice, smart parking).

Substrates: a grid of lampposts carrying roadside units (micro-servers like the
ECCO NUC / Optiplex with sensors and radios), MEC servers every ~10 units and one
cloud node — or any of the 276 Topology-Zoo networks (bundled, or read from a folder)
whose nodes become MEC sites with roadside units attached. A few parked cars join as V-Edge nodes with
short availability windows.

Use cases as request templates:

- ``car-crash``: two redundant camera detectors near the crash (replicas 2) →
  a GPU worker → every broadcaster near the crash; ``automatic``, priority 10.
- ``black-ice``: a thermopile and an IR-camera detector fused on a worker → one
  broadcaster; ``on_demand`` (e.g. at night), priority 5.
- ``smart-parking``: a camera detector computing locally → one broadcaster;
  ``on_demand``, priority 1.

Everything is drawn from ``numpy.random.default_rng(seed)``; the recipe
(generator, version, arguments, seed) is stored in ``meta["recipe"]``.
"""

from __future__ import annotations

import logging
import math

import networkx as nx
import numpy as np

from placement.errors import InputError
from placement.pipeline.formats.graphml import read_zoo
from placement.pipeline.instance import (
    DEFAULT_FLAVOURS,
    NODE_CLASSES,
    Edge,
    Flavour,
    Function,
    Link,
    Node,
    PipelineInstance,
    Request,
    Step,
)

logger = logging.getLogger(__name__)

USE_CASES = ("car-crash", "black-ice", "smart-parking", "mixed")
GENERATOR_VERSION = 1


def _flavours() -> dict[str, Flavour]:
    return {k: Flavour(**dict(v)) for k, v in DEFAULT_FLAVOURS.items()}


def catalogue() -> tuple[Function, ...]:
    """The ECCO edge-function catalogue (unikernel edge functions by default)."""
    fl = _flavours()

    def fn(name, cores, ram, proc, cap, requires=(), **kw):
        return Function(
            name=name,
            demands={"cores": cores, "ram_mb": ram},
            proc_ms=proc,
            capacity=cap,
            requires=frozenset(requires),
            flavours=fl,
            flavour="edge_function",
            **kw,
        )

    return (
        fn("crash_detector", 1, 64, 8.0, 100.0, ("camera",)),
        fn("crash_worker", 2, 1024, 20.0, 200.0, ("gpu",)),
        fn("broadcaster", 0.5, 32, 2.0, 50.0, ("broadcast",)),
        fn("thermo_detector", 0.5, 32, 4.0, 20.0, ("thermopile",)),
        fn("ir_detector", 1, 64, 6.0, 40.0, ("ir_camera",)),
        fn("fusion_worker", 1, 256, 10.0, 100.0),
        fn("parking_detector", 0.5, 64, 15.0, 20.0, ("camera",)),
    )


def _zoo_graph(name: str, folder: str | None = None) -> nx.Graph:
    """A Topology-Zoo network (bundled Zoo, or ``folder``) with great-circle link delays;
    parallel edges merged (:func:`placement.pipeline.formats.graphml.read_zoo`)."""
    inst = read_zoo(name, folder)
    g = nx.Graph()
    for n in inst.nodes:
        g.add_node(n.name, coords=n.coords)
    for lk in inst.links:
        g.add_edge(lk.u, lk.v, delay_ms=lk.delay_ms)
    return g


def _substrate(
    n_nodes: int, substrate: str, rng: np.random.Generator, zoo_dir: str | None = None
) -> tuple[list[Node], list[Link], list[str]]:
    """Nodes, links and the roadside-unit names (in spatial order)."""
    nodes: list[Node] = []
    links: list[Link] = []
    rsus: list[str] = []

    def rsu(name: str) -> Node:
        caps = {"broadcast"}
        if rng.random() < 0.7:
            caps.add("camera")
        if rng.random() < 0.4:
            caps.add("thermopile")
        if rng.random() < 0.3:
            caps.add("ir_camera")
        excl = {"camera"} & caps
        return Node(
            name=name,
            resources={"cores": 4.0, "ram_mb": 8192.0},
            capabilities=frozenset(caps),
            exclusive=frozenset(excl),
            idle_w=15.0,
            per_core_w=6.0,
            node_class="roadside_unit",
            availability_h=NODE_CLASSES["roadside_unit"],
        )

    def mec(name: str) -> Node:
        return Node(
            name=name,
            resources={"cores": 32.0, "ram_mb": 65536.0},
            capabilities=frozenset({"gpu"}),
            idle_w=120.0,
            per_core_w=9.0,
            node_class="private_mec",
            availability_h=NODE_CLASSES["private_mec"],
        )

    cloud = Node(
        name="cloud",
        resources={"cores": 1024.0, "ram_mb": 4.0e6},
        capabilities=frozenset({"gpu"}),
        idle_w=0.0,
        per_core_w=12.0,
        node_class="cloud",
        availability_h=NODE_CLASSES["cloud"],
    )
    if substrate == "grid":
        n_mec = max(1, n_nodes // 10)
        n_rsu = max(2, n_nodes - n_mec - 1)
        side = max(1, math.ceil(math.sqrt(n_rsu)))
        for k in range(n_rsu):
            i, j = divmod(k, side)
            nd = rsu(f"rsu{i}_{j}")
            nodes.append(nd)
            rsus.append(nd.name)
            if j > 0:
                links.append(Link(f"rsu{i}_{j - 1}", nd.name, 1000.0, 0.5))
            if i > 0:
                links.append(Link(f"rsu{i - 1}_{j}", nd.name, 1000.0, 0.5))
        for m in range(n_mec):
            nd = mec(f"mec{m}")
            nodes.append(nd)
            # attach to the RSUs of a band of rows
            lo = (m * n_rsu) // n_mec
            hi = ((m + 1) * n_rsu) // n_mec
            for k in range(lo, hi, max(1, side // 2)):
                links.append(Link(rsus[k], nd.name, 10000.0, 1.0))
            links.append(Link(nd.name, "cloud", 10000.0, 20.0))
        nodes.append(cloud)
    elif substrate.startswith("zoo:"):
        g = _zoo_graph(substrate[4:], zoo_dir)
        sites = sorted(g.nodes)
        for s in sites:
            nd = mec(f"mec:{s}")
            nd = Node(**{**nd.__dict__, "coords": g.nodes[s].get("coords")})
            nodes.append(nd)
        for a, b, d in g.edges(data=True):
            links.append(Link(f"mec:{a}", f"mec:{b}", 10000.0, float(d["delay_ms"])))
        hub = max(sites, key=lambda s: (g.degree[s], s))
        nodes.append(cloud)
        links.append(Link(f"mec:{hub}", "cloud", 100000.0, 20.0))
        # roadside units hang off each site as a street: a chain of RSUs, each also
        # wired to its site's MEC server, so the RSUs of a site are within 2 hops
        # (detectors, workers and broadcasters of one request sit near each other);
        # at least 3 RSUs per site so every use case finds its sensors
        n_rsu = max(3 * len(sites), n_nodes - len(sites) - 1)
        per_site: dict[str, list[str]] = {s: [] for s in sites}
        for k in range(n_rsu):
            s = sites[k % len(sites)]
            nd = rsu(f"rsu{k}")
            nodes.append(nd)
            rsus.append(nd.name)
            chain = per_site[s]
            if chain:
                links.append(Link(chain[-1], nd.name, 1000.0, 0.5))
            links.append(Link(f"mec:{s}", nd.name, 1000.0, 0.5))
            chain.append(nd.name)
    else:
        raise InputError(f"unknown substrate {substrate!r} (grid or zoo:NAME)", field="substrate")
    # a few parked cars (V-Edge): small, short availability
    for c in range(max(0, len(rsus) // 15)):
        host = rsus[int(rng.integers(len(rsus)))]
        nd = Node(
            name=f"car{c}",
            resources={"cores": 2.0, "ram_mb": 2048.0},
            capabilities=frozenset({"broadcast"}),
            idle_w=5.0,
            per_core_w=4.0,
            node_class="parked_car",
            availability_h=(0.5, float(rng.uniform(0.5, 24.0))),
        )
        nodes.append(nd)
        links.append(Link(host, nd.name, 100.0, 2.0))
    return nodes, links, rsus


def generate_pipeline(
    use_case: str = "mixed",
    nodes: int = 20,
    requests: int = 5,
    *,
    substrate: str = "grid",
    seed: int = 0,
    zoo_dir: str | None = None,
) -> PipelineInstance:
    """Generate a seeded ECCO instance.

    Parameters
    ----------
    use_case
        ``car-crash``, ``black-ice``, ``smart-parking`` or ``mixed``.
    nodes
        Approximate substrate size (roadside units + MEC + cloud; parked cars added).
    requests
        Number of requests.
    substrate
        ``grid`` (lampposts) or ``zoo:NAME``: any of the 276 Topology-Zoo networks by
        name (case-insensitive), from the bundled Zoo or ``zoo_dir``.
    seed
        Seed of ``numpy.random.default_rng``.
    zoo_dir
        A folder of Zoo GraphML / GML files (or the Zoo's ``graphml.tar.gz`` /
        ``gml.tar.gz``) searched before the bundled Zoo (default:
        ``$PLACEMENT_ZOO_DIR``).

    Raises
    ------
    InputError
        For an unknown use case / substrate or sizes below the minimum.
    """
    if use_case not in USE_CASES:
        raise InputError(
            f"unknown use case {use_case!r} (known: {list(USE_CASES)})", field="use_case"
        )
    if nodes < 4:
        raise InputError(f"must be >= 4, got {nodes}", field="nodes")
    if requests < 1:
        raise InputError(f"must be >= 1, got {requests}", field="requests")
    rng = np.random.default_rng(seed)
    nlist, links, rsus = _substrate(nodes, substrate, rng, zoo_dir)
    nmap = {n.name: n for n in nlist}
    g = nx.Graph()
    g.add_nodes_from(nmap)
    g.add_edges_from((lk.u, lk.v) for lk in links)
    funcs = catalogue()
    reqs: list[Request] = []

    def near(center: str, radius: int, cap: str) -> list[str]:
        dist = nx.single_source_shortest_path_length(g, center, cutoff=radius)
        return sorted(v for v in dist if cap in nmap[v].capabilities and v.startswith("rsu"))

    kinds = ["car-crash", "black-ice", "smart-parking"]
    for k in range(requests):
        kind = use_case if use_case != "mixed" else kinds[int(rng.integers(3))]
        for _attempt in range(50):
            center = rsus[int(rng.integers(len(rsus)))]
            if kind == "car-crash":
                cams = near(center, 2, "camera")
                bcs = near(center, 1, "broadcast")[:3]
                if len(cams) < 2 or not bcs:
                    continue
                steps = [
                    Step("detect", function="crash_detector", nodes=tuple(cams), replicas=2),
                    Step("worker", function="crash_worker"),
                ]
                steps += [
                    Step(f"bcast{i}", function="broadcaster", nodes=(b,)) for i, b in enumerate(bcs)
                ]
                edges = [Edge("detect", "worker", 20.0)]
                edges += [Edge("worker", f"bcast{i}", 1.0) for i in range(len(bcs))]
                reqs.append(
                    Request(
                        f"crash{k}",
                        tuple(steps),
                        tuple(edges),
                        max_delay_ms=100.0,
                        priority=10.0,
                        execution="automatic",
                        lifetime_s=600.0,
                    )
                )
                break
            if kind == "black-ice":
                th = near(center, 2, "thermopile")
                ir = near(center, 2, "ir_camera")
                bcs = near(center, 1, "broadcast")
                if not th or not ir or not bcs:
                    continue
                steps = [
                    Step("thermo", function="thermo_detector", nodes=tuple(th)),
                    Step("ir", function="ir_detector", nodes=tuple(ir)),
                    Step("fusion", function="fusion_worker"),
                    Step("bcast", function="broadcaster", nodes=tuple(bcs[:2])),
                ]
                edges = [
                    Edge("thermo", "fusion", 2.0),
                    Edge("ir", "fusion", 5.0),
                    Edge("fusion", "bcast", 0.5),
                ]
                reqs.append(
                    Request(
                        f"ice{k}",
                        tuple(steps),
                        tuple(edges),
                        max_delay_ms=500.0,
                        priority=5.0,
                        execution="on_demand",
                        lifetime_s=8 * 3600.0,
                    )
                )
                break
            cams = near(center, 0, "camera")
            bcs = near(center, 2, "broadcast")
            if not cams or not bcs:
                continue
            steps = [
                Step("detect", function="parking_detector", nodes=(center,)),
                Step("bcast", function="broadcaster", nodes=tuple(bcs[:3])),
            ]
            edges = [Edge("detect", "bcast", 0.2)]
            reqs.append(
                Request(
                    f"parking{k}",
                    tuple(steps),
                    tuple(edges),
                    max_delay_ms=1000.0,
                    priority=1.0,
                    execution="on_demand",
                    lifetime_s=3600.0,
                )
            )
            break
        else:
            raise InputError(
                f"could not place a {kind} request on this substrate", field="use_case"
            )
    recipe = {
        "generator": "placement.pipeline.generate",
        "version": GENERATOR_VERSION,
        "use_case": use_case,
        "nodes": nodes,
        "requests": requests,
        "substrate": substrate,
        "seed": seed,
    }
    return PipelineInstance(
        name=f"ecco-{use_case}-{substrate.replace(':', '-')}-n{nodes}-r{requests}-s{seed}",
        nodes=tuple(nlist),
        links=tuple(links),
        functions=funcs,
        requests=tuple(reqs),
        meta={"source": "generated", "recipe": recipe, "default_objective": "cores"},
    )
