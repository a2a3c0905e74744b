#!/usr/bin/env python3
"""Derive the small data files bundled in ``instances/data/`` from the shared datasets.

The ``placement`` package never reads ``/work/shared`` at run time; it only uses the
files written by this script.  The script is standalone (numpy, networkx for the Zoo's
GraphML / GML, and the standard library),
deterministic (numpy ``default_rng(20261122)``) and is not imported by the package.

Re-run (from the repository root)::

    python instances/derive_data.py --shared ../shared

``--shared`` is the shared folder (the one holding ``data/README.md``); passing the
``data`` folder itself also works.  Outputs go to ``instances/data/`` and
``instances/licenses/`` next to this script (override with ``--out``).  Running it twice
gives byte-identical files; the sha256 of every output is printed at the end.

Inputs (read-only, see each folder's PROVENANCE.md):

* ``nimbus-model-params/nimbus_model_params.json``, ``nimbus_constants.json``,
  ``cloud_rtt_samples_Europe_DE.csv``  (vitcozzolino/nimbus @ b211408b)
* ``netlatency-seattle-planetlab/{Seattle,PlanetLab}.tar.xz``  (uofa-rzhu3/NetLatency-Data @ a5845579)
* ``lrz-wlan-ap-description/full_ap_description.csv``  (vitcozzolino/nimbus @ b211408b)
* ``eua-melbourne/site-optus-melbCBD.csv``, ``users-melbcbd-generated.csv``  (PhuLai/eua-dataset @ 61238e00)
* ``topology-zoo/graphml.tar.gz``, ``gml.tar.gz``  (mroughan/InternetTopologyZoo @ a725bbc4)

Outputs:

* ``data/offloading_params.json``        tier/device/radio constants + RTT GMMs
* ``data/cloud_rtt_europe_de_ms.csv``    1000 cloud RTT samples [ms] (verbatim, may be negative)
* ``data/rtt_seattle_ms.npy``, ``data/rtt_planetlab_ms.npy``
                                          float32 [ms], 20000 values each, uniform subsample
                                          (without replacement) of the pooled off-diagonal,
                                          strictly positive RTTs <= 250 ms over all time slices
* ``data/lrz_aps.csv``, ``data/lrz_top5_buildings.json``
* ``data/eua_melbourne_sites.csv``, ``data/eua_melbourne_users.csv``
* ``licenses/LICENSE.eua-dataset``, ``licenses/LICENSE.netlatency-data``
* ``pipeline/zoo/zoo.json.gz``           all 276 Topology-Zoo networks, compact: per network
                                          the node labels and coordinates and the edges
                                          (parallel edges kept) with ``LinkSpeedRaw``; both
                                          formats are read and checked to agree
"""

from __future__ import annotations

import argparse
import collections
import csv
import gzip
import hashlib
import io
import json
import re
import shutil
import tarfile
from pathlib import Path

import numpy as np

SEED = 20261122
N_SUBSAMPLE = 20000
RTT_THRESHOLD_MS = 250.0
LRZ_MAX_BYTES = 400 * 1024

NIMBUS = {"repo": "vitcozzolino/nimbus", "commit": "b211408b8cca7ec7678b2d342cbe75df271b1fdb"}
NETLAT = {
    "repo": "uofa-rzhu3/NetLatency-Data",
    "commit": "a5845579654bf3b7f191d2697c0de24ec485b8e9",
}
EUA = {"repo": "PhuLai/eua-dataset", "commit": "61238e00a6f01019c8a6ba1619675337a879a3d4"}
ZOO = {
    "repo": "mroughan/InternetTopologyZoo",
    "commit": "a725bbc4763bf1d0eaea64089ba00c2fe9427fe3",
}

# Device classes of the Nimbus simulator (sim/entities/mobile_agent.py, transcribed in
# nimbus_constants.json as Low(A)/Medium(B)/High(C)); phone models as named in the paper.
DEVICE_CLASSES = {
    "A": {"device": "OnePlus 5T", "local_ms": 154, "local_mj": 182},
    "B": {"device": "OnePlus 3", "local_ms": 116, "local_mj": 318},
    "C": {"device": "Redmi Note 4X", "local_ms": 190, "local_mj": 268},
}
CONSTANTS = {
    "radio": {"w_wifi_mj_per_ms": 1.21, "w_lte_mj_per_ms": 2.5},
    "frame_kb": 33,
    "ap_bandwidth_mbps": 300,
    "cloud_inference_ms": 5.0,
    "lte_mbps": {"mean": 5.64, "std": 1.0},
    "cloud_wifi_rtt_factor": 1.2,
    "rtt_threshold_ms": 250,
}

_NUM = re.compile(r"-?\d+(?:\.\d+)?")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def csv_text(rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerows(rows)
    return buf.getvalue()


# --------------------------------------------------------------------------- params
def derive_params(src: Path, out: Path) -> None:
    d = src / "nimbus-model-params"
    mp = json.loads((d / "nimbus_model_params.json").read_text(encoding="utf-8"))
    cst = json.loads((d / "nimbus_constants.json").read_text(encoding="utf-8"))

    # Cross-check the hand-entered constants against the transcribed simulator constants.
    ma = cst["mobile_agent"]
    assert ma["FRAME_SIZE_KB"] == CONSTANTS["frame_kb"]
    assert ma["tx_power_coefficient_w"]["WiFi"] == CONSTANTS["radio"]["w_wifi_mj_per_ms"]
    assert ma["tx_power_coefficient_w"]["4G_LTE"] == CONSTANTS["radio"]["w_lte_mj_per_ms"]
    assert "normal(5.64, 1," in ma["lte_bandwidth_Mbps"]
    for cls, label in (("A", "Low(A)"), ("B", "Medium(B)"), ("C", "High(C)")):
        assert ma["local_inference_ms"][label] == DEVICE_CLASSES[cls]["local_ms"], cls
        assert ma["local_energy_mJ_per_frame"][label] == DEVICE_CLASSES[cls]["local_mj"], cls
    assert "normal(300," in cst["edge_nodes"]["wifi_bandwidth_Mbps"]["T1_and_AP"]
    assert cst["cloud"]["cloud_inference_ms"] == CONSTANTS["cloud_inference_ms"]
    assert "1.2*abs(" in cst["cloud"]["cloud_latency_wifi_ms"]
    assert cst["topology"]["rtt_threshold_ms"] == CONSTANTS["rtt_threshold_ms"]

    tiers = {}
    for t in ("T1", "T2", "T3"):
        s = mp["tiers"][t]
        tiers[t] = {
            "device": s["device"],
            "inference_ms": s["compute_time_ms"]["samples_mean"],
            "queue_slope_ms": s["queue_time_ms"]["slope_ms_per_agent"],
            "queue_intercept_ms": s["queue_time_ms"]["intercept_ms"],
        }
    gmm = {}
    for key, name in (("seattle", "Seattle"), ("planetlab", "PlanetLab")):
        g = mp["rtt_gmm"][name]
        assert g["n_components"] == 3 and len(g["weights"]) == 3
        gmm[key] = {"weights": g["weights"], "means_ms": g["means_ms"], "stds_ms": g["std_ms"]}
    # stds (not variances): check against the numbers printed in PROVENANCE.md
    assert abs(gmm["seattle"]["weights"][0] - 0.2477) < 1e-4
    assert abs(gmm["seattle"]["means_ms"][0] - 208.47) < 1e-2
    assert abs(gmm["seattle"]["stds_ms"][0] - 24.36) < 1e-2
    assert abs(gmm["planetlab"]["stds_ms"][0] - 21.88) < 1e-2

    params = {
        "tiers": tiers,
        "device_classes": DEVICE_CLASSES,
        **CONSTANTS,
        "rtt_gmm": gmm,
        "source": {
            **NIMBUS,
            "files": [
                "sim/data/t1_inference.pkl",
                "sim/data/t2_inference.pkl",
                "sim/data/t3_inference.pkl",
                "sim/data/gmm_Seattle.pkl",
                "sim/data/gmm_PlanetLab.pkl",
                "sim/config/hyperparams.py",
                "sim/entities/mobile_agent.py",
                "sim/entities/edge_node.py",
                "sim/lib/common.py",
            ],
            "decoded_via": [
                "shared/data/nimbus-model-params/nimbus_model_params.json",
                "shared/data/nimbus-model-params/nimbus_constants.json",
            ],
            "notes": (
                "tiers.*.inference_ms = compute_time_ms.samples_mean; queue_* = queue_time_ms "
                "slope_ms_per_agent/intercept_ms (queue(n)=max(0, slope*n+intercept)); rtt_gmm = "
                "rtt_gmm.{Seattle,PlanetLab} (std_ms, component order as stored). All floats "
                "bit-exact copies. device_classes A/B/C = simulator classes Low/Medium/High "
                "(phone names from the paper, not in the data files). ap_bandwidth_mbps and "
                "lte_mbps are the means/std of the simulator's normal draws."
            ),
            "licence": "none stated (Nimbus public research data)",
            "citation": "V. Cozzolino, L. Tonetto, N. Mohan, A. Y. Ding, J. Ott, 'Nimbus: Towards "
            "Latency-Energy Efficient Task Offloading for AR Services', IEEE Trans. "
            "Cloud Computing 11(2):1530-1545, 2023, doi:10.1109/TCC.2022.3146615",
        },
    }
    write_text(
        out / "offloading_params.json", json.dumps(params, indent=2, ensure_ascii=False) + "\n"
    )

    # cloud RTT samples: value lines copied verbatim (bit-exact text)
    lines = (d / "cloud_rtt_samples_Europe_DE.csv").read_text(encoding="utf-8").splitlines()
    vals = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
    assert len(vals) == 1000
    arr = np.array([float(v) for v in vals])
    hdr = (
        "# cloud RTT [ms], 1000 samples, copied verbatim from shared/data/nimbus-model-params/"
        "cloud_rtt_samples_Europe_DE.csv (vitcozzolino/nimbus@b211408b sim/data/cloud_gm_Europe_DE.pkl); "
        f"{(arr < 0).sum()} negative values: take abs() when sampling\n"
    )
    write_text(out / "cloud_rtt_europe_de_ms.csv", hdr + "\n".join(vals) + "\n")
    print(
        f"cloud RTT: n={arr.size} mean={arr.mean():.3f} std={arr.std():.3f} "
        f"neg={(arr < 0).mean():.3f} mean|x|={np.abs(arr).mean():.3f}"
    )


# --------------------------------------------------------------------------- RTT matrices
def load_slices(tar_path: Path, prefix: str, scale: float):
    """Yield (t, matrix_ms) for every time slice in numeric order of t."""
    with tarfile.open(tar_path, "r:xz") as tf:
        members = {}
        for m in tf.getmembers():
            if m.isfile():
                mt = re.fullmatch(rf"{prefix}/{prefix}Data_(\d+)", m.name)
                assert mt, m.name
                members[int(mt.group(1))] = m
        for t in sorted(members):
            a = np.loadtxt(tf.extractfile(members[t]), dtype=np.float64)
            yield t, a * scale


def derive_rtt(src: Path, out: Path, rng: np.random.Generator) -> list[dict]:
    d = src / "netlatency-seattle-planetlab"
    rows = []
    for key, prefix, scale in (("seattle", "Seattle", 1000.0), ("planetlab", "PlanetLab", 1.0)):
        pos_chunks, n_total, n_diag_nonzero, n_zero_off, n_neg, n_nan, shape = (
            [],
            0,
            0,
            0,
            0,
            0,
            None,
        )
        n_slices = 0
        for _t, a in load_slices(d / f"{prefix}.tar.xz", prefix, scale):
            assert a.ndim == 2 and a.shape[0] == a.shape[1], a.shape
            shape = shape or a.shape
            assert a.shape == shape
            n_slices += 1
            off = ~np.eye(a.shape[0], dtype=bool)
            v = a[off]
            n_total += v.size
            n_diag_nonzero += int(np.count_nonzero(np.diag(a)))
            n_nan += int(np.isnan(v).sum())
            n_neg += int((v < 0).sum())
            n_zero_off += int((v == 0).sum())
            pos_chunks.append(v[v > 0])
        pos = np.concatenate(pos_chunks)
        pooled = pos[pos <= RTT_THRESHOLD_MS]
        idx = rng.choice(pooled.size, size=N_SUBSAMPLE, replace=False)
        sub = pooled[idx].astype(np.float32)
        np.save(out / f"rtt_{key}_ms.npy", sub, allow_pickle=False)

        qp = np.percentile(pooled, [5, 50, 95])
        qs = np.percentile(sub.astype(np.float64), [5, 50, 95])
        qall = np.percentile(pos, [5, 25, 50, 75, 95])
        print(
            f"{prefix}: {n_slices} slices of {shape}, off-diagonal entries {n_total}, "
            f"zeros {n_zero_off} ({n_zero_off / n_total:.2%}), negative {n_neg}, NaN {n_nan}, "
            f"non-zero diagonal entries {n_diag_nonzero}"
        )
        print(
            f"  positive off-diag: n={pos.size}, p5/25/50/75/95 = "
            + "/".join(f"{q:.1f}" for q in qall)
            + f" ms, max {pos.max():.1f} ms, "
            f"> {RTT_THRESHOLD_MS:g} ms: {(pos > RTT_THRESHOLD_MS).mean():.2%}"
        )
        print(
            f"  pooled <= {RTT_THRESHOLD_MS:g} ms: n={pooled.size}, distinct values {np.unique(pooled).size}; "
            f"p5/p50/p95 pooled = {qp[0]:.2f}/{qp[1]:.2f}/{qp[2]:.2f}, "
            f"subsample = {qs[0]:.2f}/{qs[1]:.2f}/{qs[2]:.2f}, mean {pooled.mean():.2f} vs {sub.mean():.2f}"
        )
        rows.append(
            {
                "name": prefix,
                "n_slices": n_slices,
                "shape": shape,
                "n_pooled": pooled.size,
                "qp": qp,
                "qs": qs,
                "mean_p": pooled.mean(),
                "mean_s": float(sub.mean()),
            }
        )
    print(
        "\n| dataset | pooled n (<= 250 ms) | pooled p5 / p50 / p95 [ms] | subsample n | "
        "subsample p5 / p50 / p95 [ms] | mean pooled / subsample [ms] |"
    )
    print("| --- | ---: | --- | ---: | --- | --- |")
    for r in rows:
        print(
            f"| {r['name']} ({r['n_slices']} x {r['shape'][0]}x{r['shape'][1]}) | {r['n_pooled']} | "
            f"{r['qp'][0]:.2f} / {r['qp'][1]:.2f} / {r['qp'][2]:.2f} | {N_SUBSAMPLE} | "
            f"{r['qs'][0]:.2f} / {r['qs'][1]:.2f} / {r['qs'][2]:.2f} | {r['mean_p']:.2f} / {r['mean_s']:.2f} |"
        )
    print()
    shutil.copyfile(d / "LICENSE", out.parent / "licenses" / "LICENSE.netlatency-data")
    return rows


# --------------------------------------------------------------------------- LRZ
def parse_latlon(s: str):
    v = _NUM.findall(s)
    if len(v) != 2:
        return None
    return round(float(v[0]), 6), round(float(v[1]), 6)


def derive_lrz(src: Path, out: Path) -> None:
    p = src / "lrz-wlan-ap-description" / "full_ap_description.csv"
    with open(p, encoding="utf-8", newline="") as f:
        recs = list(csv.DictReader(f))
    assert len(recs) == 4418
    n_loc = n_geo = n_none = 0
    table = []
    for r in recs:
        # `location` = LRZ's own coordinates when known, else the geocoded address; it has
        # no far-off geocoding errors (unlike `geocoding`), so it is preferred.
        ll = parse_latlon(r["location"])
        if ll is not None:
            n_loc += 1
        else:
            ll = parse_latlon(r["geocoding"])
            n_geo += ll is not None
        if ll is None:
            n_none += 1
            lat = lon = ""
        else:
            lat, lon = repr(ll[0]), repr(ll[1])
        table.append([r["ap"], r["Standort"], r["Institut"], lat, lon])
    header = ["ap", "building", "institute", "lat", "lon"]
    text = csv_text([header] + table)
    if len(text.encode("utf-8")) > LRZ_MAX_BYTES:
        print(
            f"lrz_aps.csv would be {len(text.encode('utf-8'))} B > {LRZ_MAX_BYTES} B: dropping institute"
        )
        text = csv_text([[c for i, c in enumerate(row) if i != 2] for row in [header] + table])
    write_text(out / "lrz_aps.csv", text)
    print(
        f"LRZ: {len(recs)} APs, lat/lon from location {n_loc}, from geocoding {n_geo}, missing {n_none}; "
        f"{len({r['Standort'] for r in recs})} buildings"
    )

    counts = collections.Counter(r["Standort"] for r in recs)  # ties: first occurrence in source
    top = counts.most_common()
    top5 = top[:5]
    assert top[4][1] > top[5][1], "tie at rank 5"
    doc = {
        "buildings": [{"standort": s, "n_aps": n} for s, n in top5],
        "rule": "the 5 `Standort` values with the most APs in full_ap_description.csv (descending count)",
        "source": {
            **NIMBUS,
            "path": "sim/data/full_ap_description.csv",
            "licence": "none stated (Nimbus public research data; data owner LRZ)",
        },
    }
    write_text(
        out / "lrz_top5_buildings.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    )
    for s, n in top5:
        print(f"  top building: {n:4d}  {s}")


# --------------------------------------------------------------------------- EUA
def derive_eua(src: Path, out: Path) -> None:
    d = src / "eua-melbourne"
    with open(d / "site-optus-melbCBD.csv", encoding="utf-8", newline="") as f:
        sites = list(csv.DictReader(f))
    with open(d / "users-melbcbd-generated.csv", encoding="utf-8", newline="") as f:
        users = list(csv.DictReader(f))
    assert len(sites) == 125 and len(users) == 816
    for s in sites:
        float(s["LATITUDE"]), float(s["LONGITUDE"])
    assert len({s["SITE_ID"] for s in sites}) == 125
    write_text(
        out / "eua_melbourne_sites.csv",
        csv_text(
            [["SiteID", "lat", "lon"]]
            + [[s["SITE_ID"], s["LATITUDE"], s["LONGITUDE"]] for s in sites]
        ),
    )
    write_text(
        out / "eua_melbourne_users.csv",
        csv_text([["lat", "lon"]] + [[u["Latitude"], u["Longitude"]] for u in users]),
    )
    shutil.copyfile(d / "LICENSE", out.parent / "licenses" / "LICENSE.eua-dataset")
    n_dup_u = len(users) - len({(u["Latitude"], u["Longitude"]) for u in users})
    n_dup_s = len(sites) - len({(s["LATITUDE"], s["LONGITUDE"]) for s in sites})
    print(
        f"EUA: {len(sites)} sites ({n_dup_s} duplicate coordinates), {len(users)} users "
        f"({n_dup_u} duplicate coordinates)"
    )


# --------------------------------------------------------------------------- Topology Zoo
def _zoo_parse(raw: bytes, fmt: str):
    import networkx as nx

    if fmt == "gml":
        text = raw.decode("utf-8")
        try:
            g = nx.parse_gml(text.splitlines(), label="id")
        except nx.NetworkXError as exc:  # parallel edges without `multigraph 1`
            assert "duplicated" in str(exc), exc
            text = re.sub(r"^(\s*graph\s*\[)", r"\1\n  multigraph 1", text, count=1, flags=re.M)
            g = nx.parse_gml(text.splitlines(), label="id")
    else:
        g = nx.read_graphml(io.BytesIO(raw))
    return g.to_undirected() if g.is_directed() else g


def _zoo_compact(g) -> dict:
    pos = {n: k for k, n in enumerate(g.nodes)}
    nodes = []
    for n, d in g.nodes(data=True):
        label = str(d.get("label") or n).strip() or str(n)
        lat, lon = d.get("Latitude"), d.get("Longitude")
        ok = lat is not None and lon is not None
        nodes.append([label, float(lat) if ok else None, float(lon) if ok else None])
    edges = []
    for u, v, d in g.edges(data=True):
        raw = d.get("LinkSpeedRaw")
        edges.append([pos[u], pos[v], None if raw is None else float(raw)])
    return {
        "graph": {"Network": str(g.graph.get("Network", ""))},
        "multigraph": bool(g.is_multigraph()),
        "nodes": nodes,
        "edges": edges,
    }


def _zoo_key(c: dict) -> tuple:
    """Order-free content of a compact graph, for comparing the two formats."""
    return (
        sorted(map(tuple, c["nodes"]), key=repr),
        sorted(
            (tuple(sorted((c["nodes"][u][0], c["nodes"][v][0]))), repr(s)) for u, v, s in c["edges"]
        ),
    )


def derive_zoo(src: Path, out: Path) -> None:
    d = src / "topology-zoo"
    graphs: dict[str, dict[str, bytes]] = {}
    for fmt in ("graphml", "gml"):
        with tarfile.open(d / f"{fmt}.tar.gz", "r:gz") as tf:
            for m in tf.getmembers():
                if m.isfile() and m.name.endswith("." + fmt):
                    name = m.name.split("/")[-1][: -len(fmt) - 1]
                    graphs.setdefault(name, {})[fmt] = tf.extractfile(m).read()
    assert len(graphs) == 276 and all(len(v) == 2 for v in graphs.values()), len(graphs)
    networks, n_multi, n_nodes, n_edges = {}, 0, 0, 0
    for name in sorted(graphs):
        a = _zoo_compact(_zoo_parse(graphs[name]["graphml"], "graphml"))
        b = _zoo_compact(_zoo_parse(graphs[name]["gml"], "gml"))
        assert _zoo_key(a) == _zoo_key(b), f"{name}: GraphML and GML differ"
        assert a["multigraph"] == b["multigraph"], name
        networks[name] = a
        n_multi += a["multigraph"]
        n_nodes += len(a["nodes"])
        n_edges += len(a["edges"])
    doc = {
        "format": "placement/topology-zoo",
        "version": 1,
        "source": {
            **ZOO,
            "paths": ["graphml.tar.gz", "gml.tar.gz"],
            "licence": "CC BY 4.0 (zoo/LICENSE)",
            "citation": "S. Knight, H.X. Nguyen, N. Falkner, R. Bowden, M. Roughan, 'The Internet "
            "Topology Zoo', IEEE JSAC 29(9):1765-1775, 2011",
            "transformation": "per network (from the GraphML file; the GML file read and "
            "checked to hold the same nodes, coordinates and edges): node label (or id), "
            "Latitude, Longitude; edges in file order with LinkSpeedRaw (bit/s), parallel "
            "edges kept; graph attribute Network",
        },
        "networks": networks,
    }
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    target = out.parent / "pipeline" / "zoo" / "zoo.json.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as fh:
        fh.write(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(
        f"Topology Zoo: {len(networks)} networks read in both formats and equal, {n_multi} with "
        f"parallel edges, {n_nodes} nodes, {n_edges} edges -> {target.stat().st_size} B"
    )


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--shared",
        type=Path,
        required=True,
        help="shared folder (holding data/) or its data/ folder",
    )
    ap.add_argument(
        "--out", type=Path, default=here, help="instances/ folder (default: the one holding tools/)"
    )
    args = ap.parse_args()
    src = args.shared / "data" if (args.shared / "data" / "README.md").exists() else args.shared
    assert (src / "nimbus-model-params").is_dir(), f"not a shared data folder: {src}"
    out = args.out / "data"
    out.mkdir(parents=True, exist_ok=True)
    (args.out / "licenses").mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(SEED)  # consumed in this order: Seattle, then PlanetLab
    derive_params(src, out)
    derive_rtt(src, out, rng)
    derive_lrz(src, out)
    derive_eua(src, out)
    derive_zoo(src, out)

    total = 0
    zoo = [args.out / "pipeline" / "zoo" / "zoo.json.gz"]
    for p in sorted(out.iterdir()) + sorted((args.out / "licenses").iterdir()) + zoo:
        size = p.stat().st_size
        total += size if p.parent == out else 0
        print(f"{size:9d}  {sha256(p)[:16]}  {p.relative_to(args.out)}")
    print(f"{total:9d}  total data/")


if __name__ == "__main__":
    main()
