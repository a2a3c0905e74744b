"""Benchmark of the local search ``ls`` against Nimbus and the MILP (issue 15, item 6).

Protocol
--------
1. *Latency* — configs A-C0 … A-C3 with 4000 devices, B (one 15-min slot), C and D
   (1000 devices); generator seeds ``SEED0, SEED0 + 1, …`` (``--seeds`` for C, D, B;
   ``--seeds-a`` for the A configs, whose MILP needs 15-60 s each). Per instance:
   Nimbus, ``ls`` (defaults: ``start=auto``), MILP (HiGHS, ``--milp-limit`` s).
   Columns: objectives, ``ls`` gap to the MILP optimum (or to the best bound known when
   the MILP is not proven), ``ls``'s own certified gap (its bound), runtimes and the
   runtime ratio MILP / ls. Runtimes are the methods' own (JIT excluded: kernels
   compiled before the first timed call).
2. *Energy* — config C seeds ``4242, …`` (``--energy-seeds``): ``ls --objective energy``
   against the MILP with ``--energy-limit`` s (120 s in the issue): objective, both
   bounds, the share of the MILP's gap ``ls``'s bound closes.
3. *Front* — config C with 200 devices (seed 1): ``placement.pareto(method="ls")`` and
   the exact front (MILP, same ``points``); hypervolume of both against one reference
   (1.1 × the nadir of the union), ratio of hypervolumes and of wall times.
4. *Convergence* — objective and bound of ``ls`` over time (A-C0 × 4000 latency from
   Nimbus, config C energy), from ``statistics["trace"]``.
5. *Scale* (also `bench_ls_scale.py`) — 100 000 devices × 10 000 nodes (config C recipe, ``t1=4000, t2=5000,
   t3=1000``): 2PMT (2 threads), then ``ls`` from it with a 60 s limit (1 and 2
   threads); objective, bound, certified gap.

Outputs ``benchmarks/results/offloading/ls.csv`` (every run), ``ls.md`` (summary with
the machine) and ``ls_convergence.png``, ``ls_front_C200.png``. The machine is shared
(2 cores): the load average is recorded before and after.

Usage: ``python benchmarks/experiments/offloading/bench_ls.py [--quick]``.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import time
from pathlib import Path

import _machine  # noqa: E402  (beside this script)
import numpy as np

import placement
import placement.testing
from placement.front import hypervolume_2d

OUT = Path(__file__).resolve().parents[2] / "results" / "offloading"
SEED0 = 4242
CONFIGS_A = ("A-C0", "A-C1", "A-C2", "A-C3")
#: ``ls --gap``: certify within 0.1 % (the issue's quality target) and stop there.
LOOSE_GAP = 1e-3


def machine() -> dict[str, str]:
    """Machine description recorded with the results."""
    return _machine.machine(("highspy", "numba", "ortools", "numpy"))


def _gap(value: float, ref: float | None) -> float | None:
    if ref is None or not np.isfinite(ref) or value == 0:
        return None
    return (value - ref) / abs(value)


def latency_runs(configs: list[tuple[str, int, int]], milp_limit: float) -> list[dict]:
    """Nimbus, ls and the MILP on every (config, devices, seed)."""
    rows = []
    for cfg, n, seed in configs:
        inst = (
            placement.generate(cfg, devices=n, seed=seed)
            if n
            else placement.generate(cfg, seed=seed)
        )
        nim = placement.solve(inst, method="nimbus")
        ls = placement.solve(inst, method="ls")
        ls_g = placement.solve(inst, method="ls", gap=LOOSE_GAP)
        milp = placement.solve(inst, method="milp", time_limit=milp_limit)
        proven = str(milp.status) == "optimal"
        best_bound = max(b for b in (ls.bound, milp.bound) if b is not None)
        ref = milp.objective if proven else best_bound
        row = {
            "part": "latency",
            "config": cfg,
            "devices": inst.n_devices,
            "nodes": inst.n_nodes,
            "seed": seed,
            "nimbus": nim.objective,
            "nimbus_s": nim.runtime,
            "ls": ls.objective,
            "ls_bound": ls.bound,
            "ls_certified_gap": ls.gap,
            "ls_s": ls.runtime,
            "ls_start": ls.statistics["start"],
            "milp": milp.objective,
            "milp_bound": milp.bound,
            "milp_status": str(milp.status),
            "milp_s": milp.runtime,
            "ls_gap_to_ref": _gap(ls.objective, ref),
            "ref": "milp optimum" if proven else "best bound",
            "nimbus_gap_to_ref": _gap(nim.objective, ref),
            "time_ratio": milp.runtime / ls.runtime if ls.runtime else None,
            "ls_feasible": placement.testing.check_offloading(inst, ls.solution) == []
            and placement.testing.check_offloading(inst, ls_g.solution) == [],
            "lsg": ls_g.objective,
            "lsg_certified_gap": ls_g.gap,
            "lsg_s": ls_g.runtime,
            "lsg_gap_to_ref": _gap(ls_g.objective, ref),
            "lsg_time_ratio": milp.runtime / ls_g.runtime if ls_g.runtime else None,
        }
        rows.append(row)
        print(
            f"{cfg:5s} n={inst.n_devices:5d} s={seed} nimbus {nim.objective:12.1f} "
            f"ls {ls.objective:12.1f} ({ls.runtime:.2f}s, cert {100 * (ls.gap or 0):.3f}%) "
            f"milp {milp.objective:12.1f} ({milp.runtime:.1f}s {milp.status}) "
            f"ls-ref {100 * (row['ls_gap_to_ref'] or 0):.4f}%",
            flush=True,
        )
    return rows


def energy_runs(seeds: list[int], limit: float) -> list[dict]:
    """ls and the time-limited MILP on config C with the energy objective."""
    rows = []
    for seed in seeds:
        inst = placement.generate("C", devices=1000, seed=seed)
        ls = placement.solve(inst, method="ls", objective="energy")
        ls0 = placement.solve(inst, method="ls", objective="energy", level_sweeps=0)
        ls3 = placement.solve(inst, method="ls", objective="energy", level_sweeps=3)
        milp = placement.solve(inst, method="milp", objective="energy", time_limit=limit)
        mg = _gap(milp.objective, milp.bound)
        closed = None
        if milp.bound is not None and ls.bound is not None and milp.objective > milp.bound:
            closed = (ls.bound - milp.bound) / (milp.objective - milp.bound)
        rows.append(
            {
                "part": "energy",
                "config": "C",
                "devices": inst.n_devices,
                "seed": seed,
                "ls": ls.objective,
                "ls_bound": ls.bound,
                "ls_certified_gap": ls.gap,
                "ls_s": ls.runtime,
                "milp": milp.objective,
                "milp_bound": milp.bound,
                "milp_gap": mg,
                "milp_s": milp.runtime,
                "ls_vs_milp": (ls.objective - milp.objective) / milp.objective,
                "time_ratio": milp.runtime / ls.runtime,
                "bound_share_of_milp_gap_closed": closed,
                "ls_feasible": all(
                    placement.testing.check_offloading(inst, r.solution) == []
                    for r in (ls, ls0, ls3)
                ),
                "ls_no_levels": ls0.objective,
                "ls_no_levels_s": ls0.runtime,
                "ls_no_levels_vs_milp": (ls0.objective - milp.objective) / milp.objective,
                "ls_3_sweeps": ls3.objective,
                "ls_3_sweeps_s": ls3.runtime,
                "ls_3_sweeps_vs_milp": (ls3.objective - milp.objective) / milp.objective,
            }
        )
        print(f"energy C s={seed}: {rows[-1]}", flush=True)
    return rows


def front_run(points: int, point_limit: float) -> tuple[list[dict], dict]:
    """ls front vs exact front on config C with 200 devices."""
    inst = placement.generate("C", devices=200, seed=1)
    t0 = time.perf_counter()
    f_auto = placement.pareto(inst, method="ls", points=points, workers=1)
    t_auto = time.perf_counter() - t0
    t0 = time.perf_counter()
    f_ls = placement.pareto(inst, method="ls", points=points, workers=1, bound="flow")
    t_ls = time.perf_counter() - t0
    t0 = time.perf_counter()
    f_ex = placement.pareto(inst, method="milp", points=points, time_limit=point_limit, workers=2)
    t_ex = time.perf_counter() - t0
    allp = list(f_ls.points) + list(f_ex.points)
    ref = (
        1.1 * max(p.values["energy"] for p in allp),
        1.1 * max(p.values["latency"] for p in allp),
    )
    hv_ls = hypervolume_2d(f_ls.points, "energy", "latency", ref)
    hv_ex = hypervolume_2d(f_ex.points, "energy", "latency", ref)
    hv_auto = hypervolume_2d(f_auto.points, "energy", "latency", ref)
    rows = []
    for name, f in (("ls", f_ls), ("milp", f_ex)):
        for p in f.points:
            rows.append(
                {
                    "part": "front",
                    "config": "C",
                    "devices": 200,
                    "method": name,
                    "energy": p.values["energy"],
                    "latency": p.values["latency"],
                    "epsilon": p.epsilon,
                    "bound": p.bound,
                    "status": p.status,
                }
            )
    summary = {
        "hv_ls": hv_ls,
        "hv_exact": hv_ex,
        "hv_ratio": hv_ls / hv_ex if hv_ex else None,
        "time_ls_s": t_ls,
        "time_exact_s": t_ex,
        "time_ratio": t_ls / t_ex,
        "hv_ratio_auto": hv_auto / hv_ex if hv_ex else None,
        "time_auto_s": t_auto,
        "time_ratio_auto": t_auto / t_ex,
        "points_ls": len(f_ls.points),
        "points_exact": len(f_ex.points),
        "reference": ref,
    }
    print("front", summary, flush=True)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        for name, f, m in (("exact (MILP)", f_ex, "o-"), ("ls", f_ls, "x--")):
            xs = [p.values["energy"] for p in f.points]
            ys = [p.values["latency"] for p in f.points]
            ax.plot(xs, ys, m, label=name)
        ax.set_xlabel("total energy (mJ)")
        ax.set_ylabel("total latency (ms)")
        ax.set_title(f"Config C, 200 devices: HV ratio {summary['hv_ratio']:.4f}")
        ax.legend()
        fig.tight_layout()
        fig.savefig(OUT / "ls_front_C200.png", dpi=120)
        plt.close(fig)
    except ImportError:
        pass
    return rows, summary


def convergence(quick: bool) -> list[dict]:
    """Traces of ls: A-C0 × 4000 latency from Nimbus, config C energy (auto start)."""
    runs = []
    inst = placement.generate("A-C0", devices=2000 if quick else 4000, seed=SEED0 + 1)
    r = placement.solve(
        inst, method="ls", start="nimbus", kicks=400, no_improvement=400, time_limit=10
    )
    runs.append(("A-C0 latency (start Nimbus)", r))
    inst = placement.generate("C", devices=1000, seed=SEED0)
    r = placement.solve(
        inst, method="ls", objective="energy", kicks=3000, no_improvement=3000, time_limit=10
    )
    runs.append(("C energy (start auto)", r))
    rows = []
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for ax, (name, r) in zip(axes, runs):
            tr = r.statistics["trace"]
            t0 = r.statistics["start_s"]
            t = [max(p[0] + t0, 1e-3) for p in tr] + [r.runtime]
            v = [p[1] for p in tr] + [tr[-1][1]]
            ax.step(t, v, where="post", label="ls objective (best so far)")
            if r.bound is not None:
                method = r.statistics["bound_method"]
                ax.axhline(r.bound, color="k", ls="--", label=f"its bound ({method})")
            ax.set_xscale("log")
            ax.set_xlabel("seconds since the solve started (start included)")
            print(
                f"convergence {name}: first {tr[0][1]:.1f} -> {r.objective:.1f}, "
                f"bound {r.bound}, gap {r.gap}, {r.runtime:.2f} s"
            )
            ax.set_title(name)
            ax.legend()
        fig.tight_layout()
        fig.savefig(OUT / "ls_convergence.png", dpi=120)
        plt.close(fig)
    except ImportError:
        pass
    for name, r in runs:
        tr = r.statistics["trace"]
        rows.append(
            {
                "part": "convergence",
                "config": name,
                "ls": r.objective,
                "ls_bound": r.bound,
                "ls_certified_gap": r.gap,
                "ls_s": r.runtime,
                "points": len(tr),
                "first": tr[0][1],
            }
        )
    return rows


def scale_run() -> list[dict]:
    """ls on 2PMT's output for 100 000 devices × 10 000 nodes (60 s limit)."""
    inst = placement.generate("C", devices=100_000, t1=4000, t2=5000, t3=1000, seed=1)
    r0 = placement.solve(inst, method="2pmt", threads=2)
    rows = []
    for th in (1, 2):
        t0 = time.perf_counter()
        r = placement.solve(inst, method="ls", start=r0.solution, time_limit=60, threads=th)
        rows.append(
            {
                "part": "scale",
                "config": "100k x 10k",
                "devices": inst.n_devices,
                "nodes": inst.n_nodes,
                "threads": th,
                "start_2pmt": r0.objective,
                "2pmt_s": r0.runtime,
                "ls": r.objective,
                "ls_bound": r.bound,
                "bound_method": r.statistics["bound_method"],
                "ls_certified_gap": r.gap,
                "ls_s": r.runtime,
                "wall_s": time.perf_counter() - t0,
                "passes": r.statistics["passes"],
                "improvement_vs_2pmt": (r0.objective - r.objective) / r0.objective,
                "ls_feasible": placement.evaluate(inst, r.solution).violations == 0,
            }
        )
        print("scale", rows[-1], flush=True)
    return rows


def write(rows: list[dict], front: dict | None, mach: dict, mach_after: str, args) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    with open(OUT / "ls.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    f = lambda v, d=1: "" if v is None else f"{v:.{d}f}"  # noqa: E731
    pct = lambda v, d=3: "" if v is None else f"{100 * v:.{d}f} %"  # noqa: E731
    L = ["# `ls` — local search with a bound (issue 15)", ""]
    L.append(
        f"Command: `python benchmarks/experiments/offloading/bench_ls.py {' '.join(sys.argv[1:])}`"
    )
    L.append("")
    L.append("Machine: " + ", ".join(f"{k} {v}" for k, v in mach.items() if k != "uptime"))
    L.append(f"Load before: `{mach['uptime']}`; after: `{mach_after}` (2 shared cores).")
    L.append("")
    lat = [r for r in rows if r["part"] == "latency"]
    if lat:
        L += [
            "## Latency: Nimbus, ls, MILP",
            "",
            f"MILP: HiGHS, time limit {args.milp_limit} s. Gap of ls to the MILP optimum (or the best"
            " bound known when the MILP is not proven); certified gap = ls against its own bound.",
            "",
            f"Right-hand columns: the same `ls` with `gap={LOOSE_GAP}` (stop once certified within 0.1 %).",
            "",
            "| config | devices | seeds | Nimbus gap (mean) | ls gap to ref (mean / max) | ls certified gap (mean / max) | ls s (median) | MILP s (median) | MILP/ls time (median) | MILP proven | gap=1e-3: gap to ref (max) | certified (max) | s (median) | MILP/ls (median) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for cfg in dict.fromkeys(r["config"] for r in lat):
            rr = [r for r in lat if r["config"] == cfg]
            g = [r["ls_gap_to_ref"] for r in rr]
            c = [r["ls_certified_gap"] for r in rr]
            L.append(
                f"| {cfg} | {rr[0]['devices'] if len({r['devices'] for r in rr}) == 1 else 'varies'} | {len(rr)} "
                f"| {pct(statistics.mean(r['nimbus_gap_to_ref'] for r in rr), 1)} "
                f"| {pct(statistics.mean(g))} / {pct(max(g))} "
                f"| {pct(statistics.mean(c))} / {pct(max(c))} "
                f"| {f(statistics.median(r['ls_s'] for r in rr), 3)} "
                f"| {f(statistics.median(r['milp_s'] for r in rr), 2)} "
                f"| {f(statistics.median(r['time_ratio'] for r in rr), 1)}x "
                f"| {sum(r['milp_status'] == 'optimal' for r in rr)}/{len(rr)} "
                f"| {pct(max(r['lsg_gap_to_ref'] for r in rr))} "
                f"| {pct(max(r['lsg_certified_gap'] for r in rr))} "
                f"| {f(statistics.median(r['lsg_s'] for r in rr), 3)} "
                f"| {f(statistics.median(r['lsg_time_ratio'] for r in rr), 1)}x |"
            )
        L.append("")
        L.append(
            f"Every ls result passes the independent checker: {all(r['ls_feasible'] for r in lat)}."
        )
        L.append("")
    en = [r for r in rows if r["part"] == "energy"]
    if en:
        L += [
            f"## Energy objective, config C (MILP limit {args.energy_limit} s)",
            "",
            "`ls` with its defaults (one sweep of the level search, `heuristics/offloading/levels.py`);"
            " right: without the level search (the search before it) and with three sweeps.",
            "",
            "| seed | ls (mJ) | ls bound | ls certified gap | ls s | MILP (mJ) | MILP bound | MILP gap | MILP s | ls vs MILP | MILP/ls time | share of MILP gap closed by ls bound | no levels: vs MILP (s) | 3 sweeps: vs MILP (s) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in en:
            L.append(
                f"| {r['seed']} | {f(r['ls'])} | {f(r['ls_bound'])} | {pct(r['ls_certified_gap'], 2)} | {f(r['ls_s'], 2)} "
                f"| {f(r['milp'])} | {f(r['milp_bound'])} | {pct(r['milp_gap'], 2)} | {f(r['milp_s'], 1)} "
                f"| {pct(r['ls_vs_milp'], 2)} | {f(r['time_ratio'], 1)}x | {pct(r['bound_share_of_milp_gap_closed'], 0)} "
                f"| {pct(r['ls_no_levels_vs_milp'], 2)} ({f(r['ls_no_levels_s'], 2)}) "
                f"| {pct(r['ls_3_sweeps_vs_milp'], 2)} ({f(r['ls_3_sweeps_s'], 2)}) |"
            )
        L.append("")
        L.append(
            f"Every ls result passes the independent checker: {all(r['ls_feasible'] for r in en)}."
        )
        L.append("")
    if front:
        L += [
            "## Heuristic front vs exact front, config C, 200 devices (seed 1)",
            "",
            '`placement.pareto(inst, method="ls", bound="flow")` (each point bounded by the flow'
            " relaxation's dual in the ε multiplier), one worker, against the exact front (MILP per"
            " point, two workers).",
            "",
            f"Hypervolume ratio ls / exact: **{front['hv_ratio']:.4f}** (reference 1.1 × nadir of both"
            f" fronts: {front['reference'][0]:.1f} mJ, {front['reference'][1]:.1f} ms); wall time ls"
            f" {front['time_ls_s']:.2f} s vs exact {front['time_exact_s']:.1f} s (ratio"
            f" **{front['time_ratio']:.3f}**); points {front['points_ls']} vs {front['points_exact']}."
            " Plot: `ls_front_C200.png`.",
            "",
            f'With the default `bound="auto"` (flow, then the Lagrangian and the LP per point):'
            f" hypervolume ratio {front['hv_ratio_auto']:.4f}, {front['time_auto_s']:.2f} s (ratio"
            f" {front['time_ratio_auto']:.3f}).",
            "",
        ]
    conv = [r for r in rows if r["part"] == "convergence"]
    if conv:
        L += ["## Convergence (`ls_convergence.png`)", ""]
        for r in conv:
            L.append(
                f"- {r['config']}: first {f(r['first'])} → {f(r['ls'])}, bound {f(r['ls_bound'])}"
                f" (certified gap {pct(r['ls_certified_gap'])}), {f(r['ls_s'], 2)} s."
            )
        L.append("")
    sc = [r for r in rows if r["part"] == "scale"]
    if not sc:
        L.append(
            "Scale (100 000 devices × 10 000 nodes): `bench_ls_scale.py` → [`ls_scale.md`](ls_scale.md)."
        )
    if sc:
        L += [
            "## Scale: 100 000 devices × 10 000 nodes, ls from 2PMT (60 s limit)",
            "",
            "| threads | 2PMT | ls | improvement | bound (method) | certified gap | ls s | passes |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in sc:
            L.append(
                f"| {r['threads']} | {f(r['start_2pmt'])} | {f(r['ls'])} | {pct(r['improvement_vs_2pmt'], 1)} "
                f"| {f(r['ls_bound'])} ({r['bound_method']}) | {pct(r['ls_certified_gap'], 1)} | {f(r['ls_s'], 1)} | {r['passes']} |"
            )
        L.append("")
        L.append(
            "The bound at this scale is the per-AP Lagrangian of"
            " `heuristics/offloading/bound_large.py` (no device × node array); the same rows with"
            " the bound checked against the MILP are in [`ls_scale.md`](ls_scale.md)."
        )
    (OUT / "ls.md").write_text("\n".join(L) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small grid, short limits")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--seeds-a", type=int, default=3)
    ap.add_argument("--energy-seeds", type=int, default=2)
    ap.add_argument("--milp-limit", type=float, default=120.0)
    ap.add_argument("--energy-limit", type=float, default=120.0)
    ap.add_argument("--points", type=int, default=7)
    ap.add_argument("--skip", default="", help="comma list of parts to skip")
    args = ap.parse_args()
    if args.quick:
        args.seeds, args.seeds_a, args.energy_seeds = 2, 1, 1
        args.milp_limit, args.energy_limit = 30.0, 20.0
    skip = set(filter(None, args.skip.split(",")))
    mach = machine()
    warm = placement.generate("C", devices=50, seed=1)
    for m in ("nimbus", "ls", "2pmt"):
        placement.solve(warm, method=m)  # JIT compiled / loaded before timing
    rows: list[dict] = []
    front = None
    if "latency" not in skip:
        cfgs = [
            (c, 4000 if not args.quick else 2000, SEED0 + s)
            for c in CONFIGS_A
            for s in range(args.seeds_a)
        ]
        cfgs += [(c, 1000, SEED0 + s) for c in ("C", "D") for s in range(args.seeds)]
        cfgs += [("B", 0, SEED0 + s) for s in range(args.seeds)]
        rows += latency_runs(cfgs, args.milp_limit)
    if "energy" not in skip:
        rows += energy_runs([SEED0 + s for s in range(args.energy_seeds)], args.energy_limit)
    if "front" not in skip:
        fr, front = front_run(args.points, 60.0)
        rows += fr
    if "convergence" not in skip:
        rows += convergence(args.quick)
    if "scale" not in skip and not args.quick:
        rows += scale_run()
    after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    write(rows, front, mach, after, args)
    print(f"wrote {OUT / 'ls.csv'} and {OUT / 'ls.md'}")


if __name__ == "__main__":
    sys.exit(main())
