"""Bounds of the offloading objectives (issue 15): flow, Lagrangian, LP against the MILP.

Protocol (fixed; results in ``benchmarks/results/offloading/bounds.{csv,md,png}``):

1. **Latency** — config C (1000 devices × 152 nodes) seeds 4242, 1, 2, 3, A-C0 × 4000
   seeds 4243, 1 and A-C3 × 4000 seed 1 (few nodes: the deadline caps bind):
   ``lower_bound(inst, "latency", method=m)`` for ``m`` in flow, lagrangian, lp, auto
   (value, seconds) against ``placement.solve(method="milp", time_limit=300,
   threads=1)`` (its optimum or best bound). Also recorded: the repaired flow
   assignment's objective (a feasible solution from the relaxation) and Nimbus with
   ``bound="auto"`` (the gap a Nimbus result now reports).
2. **Energy** — config C seeds 4242 and 1: the MILP after 120 s (incumbent and bound)
   against the Lagrangian and LP bounds. *Closes more* compares the gap each bound leaves
   to the MILP's 120-s incumbent.
3. **ε-constraint** — config C seed 4242: min latency s.t. energy ≤ ε (ε halfway between
   the least energy and the energy of the latency optimum) and min energy s.t. latency
   ≤ ε (ε = 1.02 × the least latency); MILP 120 s against flow (μ by cutting planes),
   Lagrangian and LP.
4. **Edge** — config C seed 4242: the most edge devices; MILP 120 s against the
   Lagrangian upper bound.

Every MILP runs with 1 thread. Run from the repository root:
``python benchmarks/experiments/offloading/bench_bounds.py [--quick]``.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_heuristics import machine_info  # noqa: E402
from placement.heuristics.offloading.bounds import lower_bound  # noqa: E402
from placement.heuristics.offloading.flow import relax, repair  # noqa: E402

import placement  # noqa: E402

OUT = HERE.parents[1] / "results" / "offloading"
METHODS = ("flow", "lagrangian", "lp", "auto")


def _milp(inst, objective, epsilon, limit):
    t = time.perf_counter()
    res = placement.solve(
        inst, method="milp", objective=objective, epsilon=epsilon, time_limit=limit, threads=1
    )
    return res, time.perf_counter() - t


def _rows_for(name, inst, objective, epsilon, limit, methods=METHODS):
    res, wall = _milp(inst, objective, epsilon, limit)
    sense = -1 if objective == "edge" else 1
    inc, mb = res.objective, res.bound
    rows = []
    base = {
        "instance": name,
        "objective": objective,
        "epsilon": "" if epsilon is None else round(epsilon, 3),
        "milp_status": str(res.status),
        "milp_objective": inc,
        "milp_bound": mb,
        "milp_s": round(wall, 3),
    }
    rows.append({**base, "method": "milp", "value": mb, "runtime_s": round(wall, 3)})
    for m in methods:
        b = lower_bound(inst, objective, epsilon=epsilon, method=m)
        rows.append({**base, "method": m, "value": b.value, "runtime_s": round(b.runtime_s, 4)})
    for r in rows:
        v = r["value"]
        # gap the bound leaves to the MILP incumbent (>= 0 for a valid bound)
        r["gap_to_incumbent_pct"] = (
            None
            if v is None or inc is None or not math.isfinite(v)
            else round(100 * sense * (inc - v) / abs(inc), 5)
        )
        r["valid"] = v is None or inc is None or sense * (v - inc) <= 1e-6 * max(1.0, abs(inc))
    return rows, res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one seed each, 20-s MILPs")
    args = ap.parse_args()
    lim_energy = 20 if args.quick else 120
    rows: list[dict] = []
    info = machine_info()
    c_seeds = [4242] if args.quick else [4242, 1, 2, 3]
    a_seeds = [4243] if args.quick else [4243, 1]
    # 1. latency
    insts = [(f"C-1000-s{s}", placement.generate("C", seed=s)) for s in c_seeds]
    insts += [
        (f"A-C0x4000-s{s}", placement.generate("A-C0", devices=4000, seed=s)) for s in a_seeds
    ]
    if not args.quick:
        insts.append(("A-C3x4000-s1", placement.generate("A-C3", devices=4000, seed=1)))
    for name, inst in insts:
        rs, res = _rows_for(name, inst, "latency", None, 300)
        r = relax(inst)
        t = time.perf_counter()
        a = repair(inst, r.assignment)
        rt = time.perf_counter() - t
        ev = placement.evaluate(inst, a)
        rs.append(
            {
                **{k: rs[0][k] for k in ("instance", "objective", "epsilon", "milp_status")},
                "milp_objective": res.objective,
                "milp_bound": res.bound,
                "milp_s": rs[0]["milp_s"],
                "method": "flow+repair (feasible)",
                "value": ev.objective,
                "runtime_s": round(r.runtime_s + rt, 4),
                "gap_to_incumbent_pct": round(
                    100 * (ev.objective - res.objective) / res.objective, 5
                ),
                "valid": ev.violations == 0,
            }
        )
        nim = placement.solve(inst, method="nimbus", bound="auto")
        rs.append(
            {
                **{k: rs[0][k] for k in ("instance", "objective", "epsilon", "milp_status")},
                "milp_objective": res.objective,
                "milp_bound": res.bound,
                "milp_s": rs[0]["milp_s"],
                "method": "nimbus --bound auto (objective)",
                "value": nim.objective,
                "runtime_s": round(nim.runtime, 4),
                "gap_to_incumbent_pct": round(
                    100 * (nim.objective - res.objective) / res.objective, 5
                ),
                "valid": nim.evaluation.violations == 0,
                "reported_gap_pct": round(100 * nim.gap, 4),
            }
        )
        rows += rs
        print(name, "latency done", flush=True)
    # 2. energy
    for s in c_seeds[:2] if not args.quick else c_seeds:
        inst = insts[c_seeds.index(s)][1]
        rs, _ = _rows_for(
            f"C-1000-s{s}", inst, "energy", None, lim_energy, ("lagrangian", "lp", "auto")
        )
        rows += rs
        print(s, "energy done", flush=True)
    # 3. ε-constraint and 4. edge on config C seed 4242
    inst = insts[0][1]
    lat_opt = next(r for r in rows if r["method"] == "milp")
    lat_res = placement.solve(inst, method="milp", threads=1)
    en_min = next(r for r in rows if r["objective"] == "energy" and r["method"] == "lagrangian")
    e_eps = 0.5 * (lat_res.evaluation.total_energy_mj + en_min["value"])
    l_eps = 1.02 * float(lat_opt["milp_objective"])
    rows += _rows_for(insts[0][0], inst, "latency", e_eps, lim_energy)[0]
    print("eps latency done", flush=True)
    rows += _rows_for(insts[0][0], inst, "energy", l_eps, lim_energy)[0]
    print("eps energy done", flush=True)
    rows += _rows_for(insts[0][0], inst, "edge", None, lim_energy, ("lagrangian", "auto"))[0]
    print("edge done", flush=True)

    OUT.mkdir(parents=True, exist_ok=True)
    keys = list(rows[0])
    for r in rows:
        keys += [k for k in r if k not in keys]
    with open(OUT / "bounds.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    write_md(rows, info, lim_energy)
    plot(rows)
    return 0


def _fmt(v, nd=1):
    if v is None or v == "":
        return "-"
    if isinstance(v, float):
        return f"{v:,.{nd}f}" if math.isfinite(v) else str(v)
    return str(v)


def write_md(rows, info, lim):
    lines = [
        "# Bounds of the offloading objectives: flow, Lagrangian, LP vs the MILP",
        "",
        "Driver: `benchmarks/experiments/offloading/bench_bounds.py` (protocol in its docstring). "
        "*gap to incumbent* = how far the bound is from the MILP's incumbent "
        "(its optimum when `milp_status` is optimal), in % of it; smaller is tighter, "
        "negative would be an invalid bound (none is). `edge` is maximised: its bounds "
        "are upper bounds.",
        "",
        f"Machine: {info['cpu']}, {info['cpu_count']} cores (shared with other jobs), "
        f"{info['platform']}, Python {info['python']}, numpy {info['numpy']}, "
        f"numba {info['numba']}; {info['date_utc']} UTC; load average {info['loadavg']}.",
        "",
        "| instance | objective | ε | method | bound | runtime s | MILP incumbent | MILP status | "
        "MILP s | gap to incumbent % | valid |",
        "|---|---|---:|---|---:|---:|---:|---|---:|---:|:-:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['instance']} | {r['objective']} | {_fmt(r['epsilon'])} | {r['method']} | "
            f"{_fmt(r['value'], 2)} | {_fmt(r['runtime_s'], 3)} | {_fmt(r['milp_objective'], 2)} | "
            f"{r['milp_status']} | {_fmt(r['milp_s'], 1)} | {_fmt(r['gap_to_incumbent_pct'], 4)} | "
            f"{'yes' if r['valid'] else 'NO'} |"
        )
    lines += [
        "",
        "Rows *flow+repair (feasible)* and *nimbus --bound auto (objective)* are feasible "
        "solutions, not bounds: their *gap to incumbent* is how far above the MILP "
        "incumbent they are; *reported_gap_pct* in the CSV is the gap Nimbus reports "
        "against its own bound. Bars in `bounds.png` with a gap of 0 are drawn at 1e-5 %.",
        "",
        "The issue's independent check found the flow relaxation at 28,127.1 vs the "
        "MILP's 28,128.2 ms on config C seed 4242 and 110,018.5 vs 110,023 ms on "
        "A-C0 × 4000 seed 4243; this implementation (costs rounded down at 1e-6, the "
        "exact envelope of the queue terms) gives the values above.",
        "",
        "## Energy on config C: which bound closes more",
        "",
    ]
    for inst in sorted(
        {r["instance"] for r in rows if r["objective"] == "energy" and not r["epsilon"]}
    ):
        sel = {
            r["method"]: r
            for r in rows
            if r["instance"] == inst and r["objective"] == "energy" and not r["epsilon"]
        }
        m, lr = sel["milp"], sel["lagrangian"]
        inc = m["milp_objective"]
        lines.append(
            f"- {inst}: MILP after {lim} s: incumbent {inc:,.1f} mJ, bound {m['value']:,.1f} mJ "
            f"(gap {m['gap_to_incumbent_pct']:.3f} %); Lagrangian bound {lr['value']:,.1f} mJ in "
            f"{lr['runtime_s']:.2f} s (gap {lr['gap_to_incumbent_pct']:.3f} %): "
            + (
                "the Lagrangian closes more."
                if lr["value"] > m["value"]
                else "the MILP's bound closes more."
            )
        )
        if inst == "C-1000-s4242":  # the 400-s MILP run on this instance
            lines.append(
                f"  Against the issue's 400-s MILP run (incumbent 5,054, bound 4,964 mJ): "
                f"the Lagrangian bound leaves {100 * (5054 - lr['value']) / 5054:.2f} % to "
                f"5,054 mJ, the MILP's 400-s bound {100 * (5054 - 4964) / 5054:.2f} %."
            )
    (OUT / "bounds.md").write_text("\n".join(lines) + "\n")


def plot(rows):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sel = [
        r
        for r in rows
        if r["gap_to_incumbent_pct"] is not None and r["method"] in ("milp", *METHODS)
    ]
    cases = list(dict.fromkeys((r["instance"], r["objective"], r["epsilon"]) for r in sel))
    methods = ["milp", "flow", "lagrangian", "lp", "auto"]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    width = 0.16
    for k, m in enumerate(methods):
        xs, gaps, times = [], [], []
        for c, case in enumerate(cases):
            r = next(
                (
                    r
                    for r in sel
                    if (r["instance"], r["objective"], r["epsilon"]) == case and r["method"] == m
                ),
                None,
            )
            if r is None:
                continue
            xs.append(c + (k - 2) * width)
            gaps.append(max(abs(r["gap_to_incumbent_pct"]), 1e-5))
            times.append(max(float(r["runtime_s"]), 1e-4))
        axes[0].bar(xs, gaps, width, label=m)
        axes[1].bar(xs, times, width, label=m)
    labels = [f"{i}\n{o}{' ε' if e != '' else ''}" for i, o, e in cases]
    for ax, title in zip(axes, ("gap of the bound to the MILP incumbent (%)", "runtime (s)")):
        ax.set_yscale("log")
        ax.set_xticks(range(len(cases)))
        ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "bounds.png", dpi=120)


if __name__ == "__main__":
    raise SystemExit(main())
