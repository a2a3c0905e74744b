"""Arc flow vs layered formulation on the published front points of VNFCP instances.

Usage::

    python benchmarks/experiments/pipeline/bench_formulations.py [--time-limit 120]

Solves min hops (+ cores tie-break) subject to cores <= c for every published point
(c, h) of ``msgp2`` and ``eval-topo`` with both formulations and records time, the
optimum found and the model size. Writes ``benchmarks/results/pipeline/formulations.{csv,md}``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from tqdm import tqdm

import placement
from placement.pipeline import check_pipeline_solution, read_pipeline

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_markdown  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]


def main(argv: list[str] | None = None) -> int:
    """Run the formulation comparison."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/pipeline"))
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = []
    for name in ("eval-topo", "msgp2"):
        inst = read_pipeline(ROOT / "instances/pipeline" / name)
        for c, h in inst.meta["published_front"]:
            for form in ("layered", "arc"):
                jobs.append((inst, c, h, form))
    rows = []
    for inst, c, h, form in tqdm(jobs, desc="formulations", unit="solve"):
        res = placement.solve(
            inst,
            objective="hops",
            bounds={"cores": c},
            formulation=form,
            time_limit=a.time_limit,
            threads=1,
        )
        ok = res.solution is not None and not check_pipeline_solution(inst, res.solution)
        rows.append(
            {
                "instance": inst.name,
                "cores_bound": c,
                "published_hops": h,
                "formulation": form,
                "status": res.status.value,
                "hops": res.objective,
                "cores": res.metrics.get("objectives", {}).get("cores"),
                "variables": res.statistics["variables"],
                "commodities": res.statistics["commodities"],
                "time_s": round(res.runtime, 2),
                "checker_ok": ok,
            }
        )
    with open(out / "formulations.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    md = [
        "# Arc flow vs layered on published front points\n\n",
        machine_markdown(),
        f"\nmin hops + tie-break cores s.t. cores <= c; time limit {a.time_limit:g} s, "
        "1 thread. Layered aggregates by egress; arc disaggregates (finite delay bounds).\n\n"
        "| instance | cores <= | published hops | formulation | status | cores | hops | "
        "variables | commodities | time s | checker |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    ]
    for r in rows:
        md.append(
            f"| {r['instance']} | {r['cores_bound']:g} | {r['published_hops']:g} | "
            f"{r['formulation']} | {r['status']} | {r['cores']} | {r['hops']} | "
            f"{r['variables']} | {r['commodities']} | {r['time_s']} | "
            f"{'ok' if r['checker_ok'] else 'FAIL'} |\n"
        )
    (out / "formulations.md").write_text("".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
