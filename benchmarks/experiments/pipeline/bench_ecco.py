"""Scaling of the exact MILP on generated ECCO instances: arc vs layered.

Usage::

    python benchmarks/experiments/pipeline/bench_ecco.py [--time-limit 60] [--sizes 10:5,20:10,...]

For each (nodes, requests) size and seed the instance is generated (mixed use
cases on a lamppost grid), solved for min ``cores`` with both formulations (arc
flow is skipped above ``--arc-max-nodes``), and every placement is re-checked by
the independent checker. Writes ``benchmarks/results/pipeline/ecco.csv``, ``benchmarks/results/pipeline/ecco.md`` and
``benchmarks/results/pipeline/ecco.png`` (solve time vs size).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

from tqdm import tqdm

import placement
from placement.pipeline import check_pipeline_solution, generate_pipeline

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_markdown  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]


def main(argv: list[str] | None = None) -> int:
    """Run the scaling benchmark."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="10:5,20:10,50:25,100:50,200:100")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--objective", default="cores")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--arc-max-nodes", type=int, default=250)
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/pipeline"))
    a = ap.parse_args(argv)
    sizes = [tuple(int(x) for x in s.split(":")) for s in a.sizes.split(",")]
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    jobs = [(n, r, s, f) for n, r in sizes for s in range(a.seeds) for f in ("layered", "arc")]
    for n, r, seed, form in tqdm(jobs, desc="ECCO", unit="solve"):
        inst = generate_pipeline("mixed", n, r, seed=seed)
        row = {"nodes": len(inst.nodes), "requests": r, "seed": seed, "formulation": form}
        if form == "arc" and n > a.arc_max_nodes:
            rows.append({**row, "status": "skipped (model too large)"})
            continue
        t0 = time.perf_counter()
        res = placement.solve(
            inst, objective=a.objective, formulation=form, time_limit=a.time_limit, threads=1
        )
        dt = time.perf_counter() - t0
        viol = check_pipeline_solution(inst, res.solution) if res.solution else None
        rows.append(
            {
                **row,
                "status": res.status.value,
                "objective": res.objective,
                "bound": res.bound,
                "gap": res.gap,
                "variables": res.statistics["variables"],
                "build_s": round(res.statistics["build_time"], 2),
                "solve_s": round(res.statistics["solve_time"], 2),
                "total_s": round(dt, 2),
                "checker_ok": None if viol is None else not viol,
            }
        )
    keys = [
        "nodes",
        "requests",
        "seed",
        "formulation",
        "status",
        "objective",
        "bound",
        "gap",
        "variables",
        "build_s",
        "solve_s",
        "total_s",
        "checker_ok",
    ]
    with open(out / "ecco.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in keys})
    md = [
        f"# Generated ECCO instances: exact MILP, min {a.objective}\n\n",
        machine_markdown(),
        f"\nTime limit {a.time_limit:g} s per solve, 1 thread, mixed use cases on a lamppost "
        "grid (`generate_pipeline('mixed', nodes, requests, seed)`).\n\n"
        "| nodes | requests | formulation | status | objective | bound | variables | build s | "
        "solve s | checker |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    ]
    for r in rows:
        md.append(
            f"| {r['nodes']} | {r['requests']} | {r['formulation']} | {r['status']} | "
            f"{r.get('objective', '')} | {r.get('bound', '')} | {r.get('variables', '')} | "
            f"{r.get('build_s', '')} | {r.get('solve_s', '')} | "
            f"{ {True: 'ok', False: 'FAIL', None: '-'}.get(r.get('checker_ok'), '-') } |\n"
        )
    (out / "ecco.md").write_text("".join(md))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    for form, mk in (("layered", "o-"), ("arc", "s--")):
        pts = [
            (r["nodes"], r["total_s"]) for r in rows if r["formulation"] == form and "total_s" in r
        ]
        if pts:
            ax.plot(*zip(*pts), mk, label=form)
    ax.axhline(a.time_limit, color="grey", lw=0.8, ls=":", label="time limit")
    ax.set_xlabel("substrate nodes")
    ax.set_ylabel("build + solve time (s)")
    ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    ax.legend()
    ax.set_title(f"ECCO instances, min {a.objective}")
    fig.tight_layout()
    fig.savefig(out / "ecco.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
