"""Exact latency–energy fronts with the heuristics' points on the same axes (issue 4).

For config C (1000 devices, seed 1) and a scaled-down A instance (A-C0, 300 devices,
seed 1): ``placement.pareto(method="milp", points=7)`` (ε-constraint sweep, per-point
time limit ``--time-limit`` s, MIP gap 1e-4, points in 2 worker processes), and one run
each of Nimbus, Greedy, MT, 2PMT (2 threads), Cloud and Local, evaluated on the same
(energy, latency) axes. Writes ``benchmarks/results/offloading/pareto_<instance>.csv`` (the front),
``pareto_<instance>_heuristics.csv``, ``pareto_<instance>.png`` and
``pareto_<instance>_zoom.png`` (without Local). ``--replot`` redraws the PNGs from the CSVs.

Run from the repository root: ``python benchmarks/experiments/offloading/pareto_fronts.py [--time-limit 60]``.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import time
from pathlib import Path

import placement
from placement.registry import methods_of

OUT = Path(__file__).resolve().parents[2] / "results" / "offloading"
HEURISTICS = {
    "Nimbus": "nimbus",
    "Greedy": "greedy",
    "MT": "mt",
    "2PMT": "2pmt",
    "Cloud": "cloud",
    "Local": "local",
}


def run(inst: placement.OffloadingInstance, points: int, time_limit: float, out: Path) -> dict:
    """Front + heuristic points of one instance; returns a summary row."""
    t = time.perf_counter()
    front = placement.pareto(
        inst, x="energy", y="latency", points=points, time_limit=time_limit, workers=2
    )
    t_front = time.perf_counter() - t
    others = {}
    rows = []
    for label, m in HEURISTICS.items():
        if not methods_of("offloading")[m].is_available():
            continue
        kw = {"threads": 2} if m in ("mt", "2pmt") else {}
        r = placement.solve(inst, method=m, seed=1, **kw)
        e, lat = r.evaluation.total_energy_mj, r.objective
        others[
            f"{label} ({r.metrics['violations']} viol.)" if r.metrics["violations"] else label
        ] = (e, lat)
        rows.append(
            {
                "method": m,
                "energy": e,
                "latency": lat,
                "violations": r.metrics["violations"],
                "edge": r.metrics["edge"],
                "runtime_s": r.runtime,
            }
        )
    front.to_csv(str(out / f"pareto_{inst.name}.csv"))
    with open(out / f"pareto_{inst.name}_heuristics.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    draw(front, others, inst.name, out)
    statuses = front.statistics["statuses"]
    return {
        "instance": inst.name,
        "points": len(front.points),
        "solves": front.statistics["solves"],
        "optimal_solves": sum(s == "optimal" for s in statuses),
        "hypervolume": front.hypervolume,
        "reference": front.reference,
        "front_time_s": round(t_front, 1),
        "max_point_time_s": round(max(front.statistics["point_times_s"]), 1),
    }


def draw(front: placement.ParetoFront, others: dict, name: str, out: Path) -> None:
    """``pareto_<name>.png`` (front + every heuristic) and ``pareto_<name>_zoom.png``
    (without Local, whose point squeezes the front into a corner)."""
    title = f"{name}: exact front ({len(front.points)} pts) and heuristics"
    front.plot(str(out / f"pareto_{name}.png"), others=others, title=title)
    zoom = {k: v for k, v in others.items() if not k.startswith("Local")}
    front.plot(str(out / f"pareto_{name}_zoom.png"), others=zoom, title=title + " (no Local)")


def replot(out: Path) -> None:
    """Redraw the PNGs from the committed CSVs (no solving)."""
    for path in sorted(out.glob("pareto_*_heuristics.csv")):
        name = path.name[len("pareto_") : -len("_heuristics.csv")]
        with open(out / f"pareto_{name}.csv", newline="") as fh:
            pts = [
                placement.ParetoPoint(
                    values={"energy": float(r["energy"]), "latency": float(r["latency"])},
                    epsilon=float(r["epsilon"]) if r["epsilon"] else None,
                )
                for r in csv.DictReader(fh)
            ]
        front = placement.ParetoFront.from_points(pts, "energy", "latency")
        others = {}
        with open(path, newline="") as fh:
            for r in csv.DictReader(fh):
                label = next(k for k, v in HEURISTICS.items() if v == r["method"])
                if int(r["violations"]):
                    label += f" ({r['violations']} viol.)"
                others[label] = (float(r["energy"]), float(r["latency"]))
        draw(front, others, name, out)
        print("redrew", name)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--points", type=int, default=7)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--replot", action="store_true", help="only redraw the PNGs from the CSVs")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.replot:
        replot(args.out)
        return 0
    load0 = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    summary = []
    for inst in (
        placement.generate("C", devices=1000, seed=1),
        placement.generate("A-C0", devices=300, seed=1),
    ):
        summary.append(run(inst, args.points, args.time_limit, args.out))
        print(summary[-1], flush=True)
    load1 = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# Pareto fronts (benchmarks/experiments/offloading/pareto_fronts.py)",
        "",
        f"- load before: `{load0}`",
        f"- load after: `{load1}`",
        f"- per-point limit {args.time_limit} s, MIP gap 1e-4, 2 workers",
        "",
        "| instance | nondominated points | solves | optimal solves | hypervolume (mJ·ms) | reference (energy, latency) | front time s | slowest point s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        ref = f"({s['reference'][0]:.1f}, {s['reference'][1]:.1f})"
        lines.append(
            f"| {s['instance']} | {s['points']} | {s['solves']} | {s['optimal_solves']} | {s['hypervolume']:.6g} | "
            f"{ref} | {s['front_time_s']} | {s['max_point_time_s']} |"
        )
    (args.out / "milp_pareto_summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
