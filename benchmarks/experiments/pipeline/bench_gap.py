"""All OR-Library GAP instances (gap1-gap12, 60 files) through the pipeline MILP.

Usage::

    python benchmarks/experiments/pipeline/bench_gap.py --data DIR [--time-limit 60]

``DIR`` holds ``cattrysse1994/gapK-i`` and ``optima.csv`` (the project's shared
``orlib-gap`` folder; the bundled ``instances/pipeline/gap`` has four of them and
is the default). Writes ``benchmarks/results/pipeline/gap.csv`` and ``benchmarks/results/pipeline/gap.md``.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

from tqdm import tqdm

import placement
from placement.pipeline import check_pipeline_solution, read_pipeline

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_markdown  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]


def main(argv: list[str] | None = None) -> int:
    """Run the GAP benchmark."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(ROOT / "instances/pipeline/gap"))
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/pipeline"))
    a = ap.parse_args(argv)
    data = Path(a.data)
    rows = list(csv.DictReader(open(data / "optima.csv")))
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for r in tqdm(rows, desc="GAP", unit="instance"):
        f = data / r["file"]
        if not f.exists():
            f = data / Path(r["file"]).name
        inst = read_pipeline(f, format="gap")
        t0 = time.perf_counter()
        res = placement.solve(inst, objective="cost", time_limit=a.time_limit, threads=1)
        dt = time.perf_counter() - t0
        ok = res.solution is not None and not check_pipeline_solution(inst, res.solution)
        opt = int(r["opt_min"])
        results.append(
            {
                "file": Path(r["file"]).name,
                "agents": r["agents_m"],
                "jobs": r["jobs_n"],
                "optimum": opt,
                "objective": res.objective,
                "bound": res.bound,
                "status": res.status.value,
                "match": res.objective == opt,
                "checker_ok": ok,
                "time_s": round(dt, 3),
            }
        )
    with open(out / "gap.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(results[0]))
        w.writeheader()
        w.writerows(results)
    n_ok = sum(r["match"] for r in results)
    md = [
        "# OR-Library GAP (min cost) through the pipeline MILP\n\n",
        machine_markdown(),
        f"\nTime limit {a.time_limit:g} s per instance, 1 thread. "
        f"**{n_ok}/{len(results)} optima reproduced**, total "
        f"{sum(r['time_s'] for r in results):.1f} s, max {max(r['time_s'] for r in results):.2f} s.\n\n"
        "| file | m | n | optimum | objective | status | checker | time s |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- |\n",
    ]
    for r in results:
        md.append(
            f"| {r['file']} | {r['agents']} | {r['jobs']} | {r['optimum']} | "
            f"{r['objective']} | {r['status']} | {'ok' if r['checker_ok'] else 'FAIL'} | "
            f"{r['time_s']} |\n"
        )
    (out / "gap.md").write_text("".join(md))
    print(f"{n_ok}/{len(results)} optima reproduced")
    return 0 if n_ok == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
