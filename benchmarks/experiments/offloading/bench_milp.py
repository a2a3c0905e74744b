"""MILP benchmarks (issue 4): build time, solve time and gap, partitioned MILP, heuristic gaps.

Protocol (fixed; results in ``benchmarks/results/offloading/milp_*``):

1. **Build** — config C (1000 devices × 152 nodes), seeds 1–3: pre-filter time; Pyomo
   ``ConcreteModel`` build and Pyomo → HiGHS transfer (``set_instance`` of the in-process
   interface); the direct numpy → highspy matrix; µs per variable of each; the HiGHS
   solve time of the same model, and build / solve ratios.
2. **Config C** — seeds 1–10 (``--seeds``), ``placement.solve(method="milp",
   time_limit=60, threads=1, warm_start=False)``: status, objective, bound, gap, time.
3. **A-C0 × 4000** — seed 1: full MILP (300 s limit, 1 thread), LP bound,
   ``mt-milp`` and ``2pmt-milp`` with 2 and 4 slices in 2 worker processes (300 s).
4. **Heuristic gaps** — on each config-C seed of (2): Nimbus, Greedy, MT, 2PMT (threads 2),
   Cloud and Local, gap = (heuristic − optimum) / optimum, with their violations.

Run from the repository root: ``python benchmarks/experiments/offloading/bench_milp.py [--seeds 10] [--quick]``.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import _machine  # noqa: E402  (beside this script)

import placement
from placement.registry import methods_of

OUT = Path(__file__).resolve().parents[2] / "results" / "offloading"


def machine() -> dict[str, str]:
    """Machine description recorded with the results."""
    return _machine.machine(("highspy", "pyomo", "ortools", "numpy"))


def _write_csv(path: Path, rows: list[dict]) -> None:
    if not rows:
        return
    keys = list(rows[0])
    for r in rows[1:]:
        keys += [k for k in r if k not in keys]
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)


def bench_build(seeds: list[int]) -> list[dict]:
    """Build paths versus solve time on config C."""
    from placement.models.offloading import build_matrix, build_offloading_model, prefilter
    from pyomo.contrib.solver.common.factory import SolverFactory

    from placement.backends.base import BackendParams
    from placement.backends.highs import HighsModel

    rows = []
    for seed in seeds:
        inst = placement.generate("C", devices=1000, seed=seed)
        t = time.perf_counter()
        data = prefilter(inst)
        t_pre = time.perf_counter() - t
        t = time.perf_counter()
        m = build_offloading_model(data)
        t_pyomo = time.perf_counter() - t
        opt = SolverFactory("highs")
        t = time.perf_counter()
        opt.set_instance(m)
        t_transfer = time.perf_counter() - t
        t = time.perf_counter()
        hm = HighsModel(build_matrix(data))
        t_direct = time.perf_counter() - t
        out = hm.solve(BackendParams(threads=1, mip_gap=1e-9))
        nv = data.n_variables
        solve = out.statistics["solve_time_s"]
        rows.append(
            {
                "instance": inst.name,
                "variables": nv,
                "rows": hm.mm.n_rows,
                "nonzeros": int(hm.mm.value.shape[0]),
                "prefilter_s": round(t_pre, 4),
                "pyomo_build_s": round(t_pyomo, 3),
                "pyomo_to_highs_s": round(t_transfer, 3),
                "direct_build_s": round(t_direct, 4),
                "pyomo_us_per_var": round(1e6 * (t_pyomo + t_transfer) / nv, 2),
                "direct_us_per_var": round(1e6 * t_direct / nv, 3),
                "highs_solve_s": round(solve, 3),
                "pyomo_build_over_solve": round((t_pyomo + t_transfer) / solve, 3),
                "direct_build_over_solve": round(t_direct / solve, 4),
                "status": str(out.status),
            }
        )
        print("build", rows[-1], flush=True)
    return rows


def bench_config_c(seeds: list[int]) -> tuple[list[dict], list[dict]]:
    """MILP on config C and the heuristics' gaps to it."""
    rows, gaps = [], []
    heur = ["nimbus", "greedy", "mt", "2pmt", "cloud", "local"]
    for seed in seeds:
        inst = placement.generate("C", devices=1000, seed=seed)
        t = time.perf_counter()
        r = placement.solve(inst, method="milp", time_limit=60, threads=1, warm_start=False)
        wall = time.perf_counter() - t
        rows.append(
            {
                "instance": inst.name,
                "status": str(r.status),
                "objective_ms": round(r.objective, 4),
                "bound_ms": round(r.bound, 4) if r.bound is not None else None,
                "gap": r.gap,
                "solve_s": round(wall, 2),
                "pairs": r.statistics["pairs"],
                "variables": r.statistics["variables"],
                "edge": r.metrics["edge"],
                "cloud": r.metrics["cloud"],
                "local": r.metrics["local"],
            }
        )
        print("C", rows[-1], flush=True)
        for h in heur:
            if not methods_of("offloading")[h].is_available():
                continue
            kw = {"threads": 2} if h in ("mt", "2pmt") else {}
            hr = placement.solve(inst, method=h, seed=seed, **kw)
            gaps.append(
                {
                    "instance": inst.name,
                    "method": h,
                    "objective_ms": round(hr.objective, 4),
                    "milp_ms": round(r.objective, 4),
                    "gap_pct": round(100 * (hr.objective - r.objective) / r.objective, 3),
                    "violations": hr.metrics["violations"],
                    "edge": hr.metrics["edge"],
                    "runtime_s": round(hr.runtime, 4),
                }
            )
    return rows, gaps


def bench_a_c0(time_limit: float, devices: int) -> list[dict]:
    """Full MILP, LP bound and partitioned MILPs on A-C0."""
    inst = placement.generate("A-C0", devices=devices, seed=1)
    rows = []
    t = time.perf_counter()
    lp = placement.solve(inst, method="lp-bound", threads=1)
    rows.append(
        {
            "instance": inst.name,
            "method": "lp-bound",
            "slices": None,
            "status": str(lp.status),
            "objective_ms": lp.objective,
            "bound_ms": lp.bound,
            "gap": lp.gap,
            "time_s": round(time.perf_counter() - t, 2),
        }
    )
    print("A", rows[-1], flush=True)
    runs = [("milp", None)] + [(m, k) for k in (2, 4) for m in ("mt-milp", "2pmt-milp")]
    for method, k in runs:
        kw = {"time_limit": time_limit, "threads": k or 1}
        if k:
            kw["workers"] = 2
        else:
            kw["warm_start"] = False
        t = time.perf_counter()
        r = placement.solve(inst, method=method, **kw)
        rows.append(
            {
                "instance": inst.name,
                "method": method,
                "slices": k,
                "status": str(r.status),
                "objective_ms": round(r.objective, 3),
                "bound_ms": round(r.bound, 3) if r.bound else None,
                "gap": r.gap,
                "time_s": round(time.perf_counter() - t, 2),
            }
        )
        if k:
            rows[-1]["slice_times_s"] = ";".join(
                f"{s['time_s']:.1f}" for s in r.statistics["slices"]
            )
        print("A", rows[-1], flush=True)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="2 seeds, A-C0 with 1000 devices, 60 s")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    seeds = list(range(1, (2 if args.quick else args.seeds) + 1))
    mach_before = machine()
    t0 = time.perf_counter()
    build = bench_build(seeds[:3])
    crow, gaps = bench_config_c(seeds)
    arows = bench_a_c0(60.0 if args.quick else 300.0, 1000 if args.quick else 4000)
    total = time.perf_counter() - t0
    mach = machine()
    _write_csv(args.out / "milp_build.csv", build)
    _write_csv(args.out / "milp_config_c.csv", crow)
    _write_csv(args.out / "milp_heuristic_gaps.csv", gaps)
    _write_csv(args.out / "milp_a_c0.csv", arows)
    write_md(args.out / "milp_summary.md", mach_before, mach, build, crow, gaps, arows, total)
    return 0


def write_md(
    path: Path,
    mach0: dict,
    mach: dict,
    build: list,
    crow: list,
    gaps: list,
    arows: list,
    total: float,
) -> None:
    """The summary table of the run."""
    import statistics as st

    lines = ["# MILP benchmark results (issue 4)", "", "## Machine", ""]
    for k, v in mach.items():
        if k != "uptime":
            lines.append(f"- {k}: {v}")
    lines += [
        f"- load before: `{mach0['uptime']}`",
        f"- load after: `{mach['uptime']}`",
        f"- total benchmark wall time: {total:.0f} s",
        "",
        "Shared 2-core machine (other jobs running): times are indicative.",
        "",
        "## Build (config C, 1000 devices)",
        "",
        "| instance | variables | Pyomo build + transfer s | µs/var | direct build s | µs/var | HiGHS solve s | Pyomo/solve | direct/solve |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in build:
        lines.append(
            f"| {r['instance']} | {r['variables']} | {r['pyomo_build_s'] + r['pyomo_to_highs_s']:.2f} | {r['pyomo_us_per_var']} | "
            f"{r['direct_build_s']:.3f} | {r['direct_us_per_var']} | {r['highs_solve_s']:.2f} | "
            f"{100 * r['pyomo_build_over_solve']:.0f} % | {100 * r['direct_build_over_solve']:.1f} % |"
        )
    lines += [
        "",
        "## Config C, 1000 devices (limit 60 s, 1 thread, no MIP start)",
        "",
        "| instance | status | objective ms | bound ms | gap | time s | edge/cloud/local |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in crow:
        g = "-" if r["gap"] is None else f"{100 * r['gap']:.4f} %"
        lines.append(
            f"| {r['instance']} | {r['status']} | {r['objective_ms']:.2f} | {r['bound_ms']} | {g} | {r['solve_s']} | "
            f"{r['edge']}/{r['cloud']}/{r['local']} |"
        )
    ts = [r["solve_s"] for r in crow]
    lines += [
        "",
        f"Optimal: {sum(r['status'] == 'optimal' for r in crow)}/{len(crow)}; solve time median "
        f"{st.median(ts):.1f} s, max {max(ts):.1f} s.",
        "",
        "## A-C0 (seed 1)",
        "",
        "| method | slices | status | objective ms | bound ms | gap to LP bound | time s | slice times s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in arows:
        g = "-" if r["gap"] is None else f"{100 * r['gap']:.3f} %"
        obj = "-" if r["objective_ms"] is None else f"{r['objective_ms']:.1f}"
        lines.append(
            f"| {r['method']} | {r['slices'] or '-'} | {r['status']} | {obj} | {r['bound_ms']} | {g} | {r['time_s']} | "
            f"{r.get('slice_times_s', '-')} |"
        )
    lines += [
        "",
        "## Heuristic gaps to the MILP optimum (config C)",
        "",
        "| method | seeds | mean gap | min | max | mean violations |",
        "|---|---|---|---|---|---|",
    ]
    by: dict[str, list] = {}
    for g in gaps:
        by.setdefault(g["method"], []).append(g)
    for m, gs in by.items():
        v = [g["gap_pct"] for g in gs]
        lines.append(
            f"| {m} | {len(gs)} | {st.mean(v):.2f} % | {min(v):.2f} % | {max(v):.2f} % | "
            f"{st.mean(g['violations'] for g in gs):.1f} |"
        )
    lines.append("")
    path.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
