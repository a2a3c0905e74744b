"""The paper's baseline comparison (§7 (C)) and κ trade-off on the corrected model.

Protocol
--------
* Instances: config C (1000 devices × 152 nodes, 10 fps) with generator seeds
  ``1..S`` (S = ``--seeds``, default 20); the solver seed equals the instance seed.
* Baselines: Nimbus (κ = 0, exact look-ahead, α 0.7, β 0.3), Nimbus with the paper's
  look-ahead, Greedy (κ = 5), Cloud (Wi-Fi), Cloud4G (LTE), Local. Per run: edge /
  cloud / local counts, edge devices per tier, median and p95 latency over all
  devices, energy saving % versus local, violated devices, runtime (the method's
  own allocation time; the kernels' per-instance arrays, Greedy's κ-nearest
  table and the MT decomposition are built before timing).
* κ trade-off: Nimbus with κ ∈ {1, 5, 10, 25, 50, 75, 100, all (0)} on the same
  instances: edge % and runtime.
* Further §6 statements: edge share on A-C0 vs A-C3 with 4000 devices (15 fps),
  and MT / 2PMT at 1, 2, 4, 8 threads on config D (contiguous split), same seeds.

Outputs in ``benchmarks/results/offloading/``: ``baseline_comparison.csv`` (one row per run),
``baseline_comparison.md`` (tables and the comparison with the paper's
statements, with the verdict rules used), ``baseline_counts.png``,
``baseline_latency.png``, ``baseline_runtime.png``, ``kappa_tradeoff.png``.

Usage: ``python benchmarks/experiments/offloading/baseline_comparison.py [--seeds 20]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from placement.heuristics.offloading.mt import partition  # noqa: E402
from placement.heuristics.offloading.nimbus import KernelData  # noqa: E402
from tqdm import tqdm  # noqa: E402

import placement  # noqa: E402

RESULTS = Path(__file__).resolve().parents[2] / "results" / "offloading"
BASELINES = [
    ("Nimbus", "nimbus", {}),
    ("Nimbus (paper look-ahead)", "nimbus", {"lookahead": "paper"}),
    ("Greedy", "greedy", {}),
    ("Cloud", "cloud", {}),
    ("Cloud4G", "cloud4g", {}),
    ("Local", "local", {}),
]
KAPPAS = [1, 5, 10, 25, 50, 75, 100, 0]
THREADS = [1, 2, 4, 8]
FASTEST_LOCAL_MS = 116.0  # OnePlus 3, paper Table 2


def _row(label: str, config: str, seed: int, res, **extra) -> dict:
    m = res.metrics
    ev = res.evaluation
    edge_ok = int(((ev.kind == 1) & ev.feasible).sum())
    st = res.statistics
    return {
        "experiment": extra.pop("experiment", "baseline"),
        "label": label,
        "config": config,
        "seed": seed,
        "method": res.method,
        "kappa": extra.pop("kappa", ""),
        "threads": extra.pop("threads", ""),
        "devices": m["devices"],
        "edge": m["edge"],
        "edge_feasible": edge_ok,
        "cloud": m["cloud"],
        "local": m["local"],
        "edge_T1": m["edge_by_tier"].get("T1", 0),
        "edge_T2": m["edge_by_tier"].get("T2", 0),
        "edge_T3": m["edge_by_tier"].get("T3", 0),
        "latency_median_ms": m["latency_ms"]["median"],
        "latency_p95_ms": m["latency_ms"]["p95"],
        "latency_max_ms": m["latency_ms"]["max"],
        "latency_mean_ms": m["latency_ms"]["mean"],
        "energy_saving_pct": m["energy_saving_pct"],
        "violations": m["violations"],
        "runtime_ms": 1e3 * res.runtime,
        "slice_max_ms": 1e3 * max(st["slice_times_s"]) if "slice_times_s" in st else float("nan"),
        "slice_cpu_max_ms": 1e3 * max(st["slice_cpu_s"]) if "slice_cpu_s" in st else float("nan"),
        **extra,
    }


def run_all(seeds: list[int]) -> list[dict]:
    """Every run of the protocol (progress bar on stderr)."""
    rows: list[dict] = []
    n_runs = len(seeds) * (len(BASELINES) + len(KAPPAS) + 4 + 2 * len(THREADS))
    bar = tqdm(total=n_runs, desc="baseline comparison", unit="run")
    # warm-up: JIT (or cache load) outside every timed call
    placement.solve(placement.generate("C", devices=50, seed=999), method="nimbus")
    placement.solve(placement.generate("C", devices=50, seed=999), method="greedy")
    for seed in seeds:
        inst = placement.generate("C", devices=1000, seed=seed)
        KernelData.from_instance(inst).nearest(5)  # Greedy's per-instance table
        for label, method, params in BASELINES:
            rows.append(
                _row(label, "C", seed, placement.solve(inst, method=method, seed=seed, **params))
            )
            bar.update()
        for kappa in KAPPAS:
            res = placement.solve(inst, method="nimbus", seed=seed, kappa=kappa)
            rows.append(
                _row(
                    f"Nimbus κ={kappa or 'all'}",
                    "C",
                    seed,
                    res,
                    experiment="kappa",
                    kappa=kappa or "all",
                )
            )
            bar.update()
        for config in ("A-C0", "A-C3"):
            a = placement.generate(config, devices=4000, seed=seed)
            KernelData.from_instance(a)
            for label, method in (("Nimbus", "nimbus"), ("Cloud4G", "cloud4g")):
                rows.append(
                    _row(
                        f"{label} {config}×4000",
                        config,
                        seed,
                        placement.solve(a, method=method, seed=seed),
                        experiment="infra",
                    )
                )
                bar.update()
        d = placement.generate("D", devices=1000, seed=seed)
        KernelData.from_instance(d)
        for th in THREADS:
            partition(d, th, "contiguous")  # one-off decomposition, outside the timed runs
            for method in ("mt", "2pmt"):
                res = placement.solve(d, method=method, seed=seed, threads=th)
                rows.append(
                    _row(f"{method.upper()} k={th}", "D", seed, res, experiment="mt", threads=th)
                )
                bar.update()
    bar.close()
    return rows


def _agg(rows: list[dict], key: str) -> tuple[float, float]:
    v = [float(r[key]) for r in rows]
    return statistics.mean(v), (statistics.stdev(v) if len(v) > 1 else 0.0)


def _ms(rows, key, nd=1) -> str:
    if key in (
        "runtime_ms",
        "slice_max_ms",
        "slice_cpu_max_ms",
    ):  # timing noise of a shared machine: median [min–max]
        v = [float(r[key]) for r in rows]
        return f"{statistics.median(v):.{nd}f} [{min(v):.{nd}f}–{max(v):.{nd}f}]"
    m, s = _agg(rows, key)
    return f"{m:.{nd}f} ± {s:.{nd}f}"


def _med(rows, key) -> float:
    return statistics.median(float(r[key]) for r in rows)


def _sel(rows, **kw) -> list[dict]:
    return [r for r in rows if all(r[k] == v for k, v in kw.items())]


def plots(rows: list[dict]) -> None:
    """PNG plots of the baseline comparison and the κ trade-off."""
    base = [b[0] for b in BASELINES]
    sel = {b: _sel(rows, experiment="baseline", label=b) for b in base}
    # counts
    fig, ax = plt.subplots(figsize=(9, 4.5))
    x = np.arange(len(base))
    bottom = np.zeros(len(base))
    for key, color in (("edge", "tab:green"), ("cloud", "tab:blue"), ("local", "tab:gray")):
        vals = np.array([_agg(sel[b], key)[0] for b in base])
        ax.bar(x, vals, bottom=bottom, label=key, color=color)
        bottom += vals
    viol = np.array([_agg(sel[b], "violations")[0] for b in base])
    ax.scatter(x, viol, color="tab:red", marker="x", zorder=3, label="violated devices")
    ax.set_xticks(x, base, rotation=15, ha="right", fontsize=8)
    ax.set_ylabel("devices (mean over seeds)")
    ax.set_title("Config C (1000 devices × 152 nodes): where devices run")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(RESULTS / "baseline_counts.png", dpi=120)
    plt.close(fig)
    # latency
    fig, ax = plt.subplots(figsize=(9, 4.5))
    med = [[r["latency_median_ms"] for r in sel[b]] for b in base]
    p95 = [[r["latency_p95_ms"] for r in sel[b]] for b in base]
    ax.boxplot(
        med, positions=x - 0.18, widths=0.3, patch_artist=True, boxprops={"facecolor": "tab:green"}
    )
    ax.boxplot(
        p95, positions=x + 0.18, widths=0.3, patch_artist=True, boxprops={"facecolor": "tab:orange"}
    )
    ax.axhline(FASTEST_LOCAL_MS, color="k", ls="--", lw=0.8, label="fastest device, local (116 ms)")
    ax.set_xticks(x, base, rotation=15, ha="right", fontsize=8)
    ax.set_ylabel("latency ms (per seed: median green, p95 orange)")
    ax.set_title("Config C: task latency over all devices")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(RESULTS / "baseline_latency.png", dpi=120)
    plt.close(fig)
    # runtime
    fig, ax = plt.subplots(figsize=(7, 4))
    rt = [[r["runtime_ms"] for r in sel[b]] for b in base]
    ax.boxplot(rt, positions=x)
    ax.set_yscale("log")
    ax.set_xticks(x, base, rotation=15, ha="right", fontsize=8)
    ax.set_ylabel("allocation time ms (log)")
    ax.set_title("Config C: runtime per batch")
    fig.tight_layout()
    fig.savefig(RESULTS / "baseline_runtime.png", dpi=120)
    plt.close(fig)
    # kappa
    labels = [str(k or "all") for k in KAPPAS]
    ksel = [_sel(rows, experiment="kappa", kappa=(k or "all")) for k in KAPPAS]
    edge = [_agg(s, "edge")[0] / 10.0 for s in ksel]
    off = [statistics.mean((r["edge"] + r["cloud"]) / 10.0 for r in s) for s in ksel]
    rtm = [_med(s, "runtime_ms") for s in ksel]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(labels, edge, "o-", color="tab:green", label="edge %")
    ax.plot(labels, off, "s--", color="tab:blue", label="offloaded % (edge + cloud)")
    ax.set_xlabel("κ (exploration coefficient)")
    ax.set_ylabel("% of devices")
    ax2 = ax.twinx()
    ax2.plot(labels, rtm, "^:", color="tab:red", label="runtime ms")
    ax2.set_ylabel("allocation time ms", color="tab:red")
    ax.set_title("κ trade-off, config C (152 nodes, 1000 devices)")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(RESULTS / "kappa_tradeoff.png", dpi=120)
    plt.close(fig)


def statements(rows: list[dict]) -> list[str]:
    """The spec §6 statements with our numbers and a verdict.

    Verdict rules: a quantitative claim "~X" *holds* if our mean is within a factor
    1.5 of X (shares: within 15 points); it *holds qualitatively* if only the
    direction (better / worse, more / fewer) agrees; else it *does not hold*.
    """

    def mean(label, key, exp="baseline"):
        return _agg(_sel(rows, experiment=exp, label=label), key)[0]

    def verdict_factor(val, target, direction_ok):
        if target / 1.5 <= val <= target * 1.5:
            return "holds"
        return "holds qualitatively" if direction_ok else "does not hold"

    def verdict_pts(val, target, direction_ok, tol=15.0):
        if abs(val - target) <= tol:
            return "holds"
        return "holds qualitatively" if direction_ok else "does not hold"

    out = []
    n_med, l_med = mean("Nimbus", "latency_median_ms"), mean("Local", "latency_median_ms")
    f = l_med / n_med
    out.append(
        (
            "Nimbus ~4× lower latency than local",
            f"median latency {n_med:.1f} ms vs local {l_med:.1f} ms → {f:.1f}×",
            verdict_factor(f, 4, f > 1),
        )
    )
    e = mean("Nimbus", "energy_saving_pct")
    out.append(
        ("~77 % less energy than local", f"energy saving {e:.1f} %", verdict_pts(e, 77, e > 0))
    )
    # The paper's "worst case" is its worst configuration (smallest infrastructure, most
    # devices: left panel of its Fig. 6), compared by expected (mean) latency.
    worst = mean("Nimbus A-C3×4000", "latency_mean_ms", "infra")
    c_p95 = mean("Nimbus", "latency_p95_ms")
    f2 = FASTEST_LOCAL_MS / worst
    out.append(
        (
            "~2× lower latency than the fastest device even in the worst case",
            f"worst configuration A-C3×4000: mean latency {worst:.1f} ms vs 116 ms → {f2:.1f}×; "
            f"(config C p95 {c_p95:.1f} ms → {FASTEST_LOCAL_MS / c_p95:.1f}×)",
            verdict_factor(f2, 2, f2 > 1),
        )
    )
    a0 = mean("Nimbus A-C0×4000", "edge", "infra") / 40.0
    a3 = mean("Nimbus A-C3×4000", "edge", "infra") / 40.0
    out.append(
        (
            "edge share ~75 % (largest infrastructure) vs ~25 % (smallest)",
            f"A-C0×4000 {a0:.1f} %, A-C3×4000 {a3:.1f} %",
            "holds"
            if abs(a0 - 75) <= 15 and abs(a3 - 25) <= 15
            else ("holds qualitatively" if a0 > a3 else "does not hold"),
        )
    )
    k10 = _sel(rows, experiment="kappa", kappa=10)
    k10e = _agg(k10, "edge")[0] / 10.0
    k10o = statistics.mean((r["edge"] + r["cloud"]) / 10.0 for r in k10)
    k10t = _med(k10, "runtime_ms")
    out.append(
        (
            "κ = 10 → ~91 % offloaded with sub-second allocation (152 nodes, ~1000 devices)",
            f"κ = 10: edge {k10e:.1f} %, edge + cloud {k10o:.1f} %, {k10t:.2f} ms",
            "holds"
            if abs(k10e - 91) <= 15 and k10t < 1000
            else ("holds qualitatively" if k10t < 1000 else "does not hold"),
        )
    )
    ne, ge = mean("Nimbus", "edge"), mean("Greedy", "edge")
    gok = mean("Greedy", "edge_feasible")
    gv = mean("Greedy", "violations")
    more = 100 * (ne / ge - 1)
    more_ok = 100 * (ne / gok - 1)
    by_seed_n = {r["seed"]: r for r in _sel(rows, experiment="baseline", label="Nimbus")}
    by_seed_g = {r["seed"]: r for r in _sel(rows, experiment="baseline", label="Greedy")}
    n_ge = sum(by_seed_n[s]["edge"] >= by_seed_g[s]["edge"] for s in by_seed_n)
    n_ge_ok = sum(by_seed_n[s]["edge"] > by_seed_g[s]["edge_feasible"] for s in by_seed_n)
    out.append(
        (
            "Nimbus offloads ~30 % more devices than Greedy",
            f"edge {ne:.0f} vs {ge:.0f} (+{more:.1f} %); Greedy leaves {gv:.0f} devices past their "
            f"deadline, counting only Greedy's feasible edge devices ({gok:.0f}): +{more_ok:.1f} %; "
            f"Nimbus edge >= Greedy edge on {n_ge}/{len(by_seed_n)} seeds, > Greedy's feasible "
            f"edge devices on {n_ge_ok}/{len(by_seed_n)}",
            "holds"
            if 30 / 1.5 <= more <= 30 * 1.5
            else ("holds qualitatively" if more > 0 else "does not hold"),
        )
    )
    nt = _med(_sel(rows, experiment="baseline", label="Nimbus"), "runtime_ms")
    gt = _med(_sel(rows, experiment="baseline", label="Greedy"), "runtime_ms")
    out.append(
        (
            "Greedy ~10× faster than Nimbus",
            f"{nt:.3f} ms vs {gt:.3f} ms → {nt / gt:.1f}×",
            verdict_factor(nt / gt, 10, nt > gt),
        )
    )
    c4 = mean("Cloud4G", "local") / 10.0
    c4a = [
        100.0 * _agg(_sel(rows, experiment="infra", label=f"Cloud4G {c}×4000"), "local")[0] / 4000
        for c in ("A-C0", "A-C3")
    ]
    out.append(
        (
            "Cloud4G ≈ 100 % local",
            f"config C (10 fps): {c4:.1f} % local (Cloud over Wi-Fi: "
            f"{mean('Cloud', 'local') / 10:.1f} %); at 15 fps (A-C0 / A-C3 × 4000): "
            f"{c4a[0]:.1f} % / {c4a[1]:.1f} % local",
            verdict_pts(c4, 100, c4 > 50),
        )
    )
    st_rt = _med(_sel(rows, experiment="mt", label="MT k=1"), "runtime_ms")
    st_edge = _agg(_sel(rows, experiment="mt", label="MT k=1"), "edge")[0]
    mt4 = _sel(rows, experiment="mt", label="MT k=4")
    mt4_slice = _med(mt4, "slice_cpu_max_ms")  # CPU time: 4 threads share 2 cores here
    mt4_edge = _agg(mt4, "edge")[0]
    f3 = st_rt / mt4_slice
    out.append(
        (
            "MT per-slice time up to ~15× lower at 4 threads, but fewer offloaded",
            f"config D: ST {st_rt:.3f} ms vs MT-4 slowest slice {mt4_slice:.3f} ms CPU → {f3:.1f}×; "
            f"edge {st_edge:.0f} (ST) vs {mt4_edge:.0f} (MT-4)",
            verdict_factor(f3, 15, f3 > 1 and mt4_edge < st_edge)
            if mt4_edge < st_edge
            else "does not hold",
        )
    )
    p2 = _sel(rows, experiment="mt", label="2PMT k=2")
    p2_rt, p2_edge = _med(p2, "runtime_ms"), _agg(p2, "edge")[0]
    out.append(
        (
            "2PMT at 2 threads ≈ ST allocation at about half the time",
            f"config D: edge {p2_edge:.0f} vs ST {st_edge:.0f} ({100 * p2_edge / st_edge:.1f} %); "
            f"time {p2_rt:.3f} ms vs ST {st_rt:.3f} ms ({p2_rt / st_rt:.2f}×)",
            "holds"
            if abs(p2_edge / st_edge - 1) <= 0.03 and p2_rt / st_rt <= 0.75
            else (
                "holds qualitatively"
                if abs(p2_edge / st_edge - 1) <= 0.03 or p2_rt < st_rt
                else "does not hold"
            ),
        )
    )
    return [f"| {a} | {b} | **{c}** |" for a, b, c in out]


def write_md(rows: list[dict], seeds: list[int], path: Path) -> None:
    """Tables and the comparison with the paper."""
    L = [
        "# Baseline comparison and κ trade-off (paper §7 (C), spec §6) on the corrected model",
        "",
        f"Produced by `python benchmarks/experiments/offloading/baseline_comparison.py --seeds {len(seeds)}` "
        f"(protocol in its docstring). Config C, generator/solver seeds {seeds[0]}–{seeds[-1]}; "
        "mean ± sd over seeds (run times: median [min–max]). Machine shared with other work "
        f"(load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}).",
        "",
        "## Baselines (config C: 1000 devices × 152 nodes, 10 fps)",
        "",
        "| method | edge | cloud | local | edge T1 / T2 / T3 | median latency ms | p95 latency ms | "
        "energy saving % | violations | runtime ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, _, _ in BASELINES:
        s = _sel(rows, experiment="baseline", label=label)
        tiers = " / ".join(f"{_agg(s, k)[0]:.0f}" for k in ("edge_T1", "edge_T2", "edge_T3"))
        L.append(
            f"| {label} | {_ms(s, 'edge', 0)} | {_ms(s, 'cloud', 0)} | {_ms(s, 'local', 0)} | {tiers} | "
            f"{_ms(s, 'latency_median_ms')} | {_ms(s, 'latency_p95_ms')} | {_ms(s, 'energy_saving_pct')} | "
            f"{_ms(s, 'violations', 1)} | {_ms(s, 'runtime_ms', 3)} |"
        )
    L += [
        "",
        "Edge share per tier (Nimbus): "
        + ", ".join(
            f"{t} {100 * _agg(_sel(rows, experiment='baseline', label='Nimbus'), 'edge_' + t)[0] / max(1e-9, _agg(_sel(rows, experiment='baseline', label='Nimbus'), 'edge')[0]):.1f} %"
            for t in ("T1", "T2", "T3")
        )
        + " of the edge devices.",
        "",
        "![counts](baseline_counts.png) ![latency](baseline_latency.png) ![runtime](baseline_runtime.png)",
        "",
        "## κ trade-off (Nimbus, exact look-ahead, config C)",
        "",
        "| κ | edge % | offloaded % (edge + cloud) | local % | runtime ms |",
        "|---|---|---|---|---|",
    ]
    for k in KAPPAS:
        s = _sel(rows, experiment="kappa", kappa=(k or "all"))
        off = statistics.mean((r["edge"] + r["cloud"]) / 10.0 for r in s)
        L.append(
            f"| {k or 'all'} | {_agg(s, 'edge')[0] / 10:.1f} | {off:.1f} | {_agg(s, 'local')[0] / 10:.1f} | "
            f"{_ms(s, 'runtime_ms', 3)} |"
        )
    L += [
        "",
        "![kappa](kappa_tradeoff.png)",
        "",
        "## MT / 2PMT (config D, contiguous split)",
        "",
        "| variant | edge | local | runtime ms | slowest slice ms (wall) | slowest slice ms (CPU) | "
        "violations |",
        "|---|---|---|---|---|---|---|",
    ]
    for th in THREADS:
        for m in ("MT", "2PMT"):
            s = _sel(rows, experiment="mt", label=f"{m} k={th}")
            L.append(
                f"| {m} k={th} | {_ms(s, 'edge', 0)} | {_ms(s, 'local', 0)} | {_ms(s, 'runtime_ms', 3)} | "
                f"{_ms(s, 'slice_max_ms', 3)} | {_ms(s, 'slice_cpu_max_ms', 3)} | "
                f"{_ms(s, 'violations', 1)} |"
            )
    L += [
        "",
        "## Infrastructure size (Nimbus, 4000 devices, 15 fps) and Cloud4G at 15 fps",
        "",
        "| config | edge % | local % | mean latency ms | violations | Cloud4G local % |",
        "|---|---|---|---|---|---|",
    ]
    for c in ("A-C0", "A-C3"):
        s = _sel(rows, experiment="infra", label=f"Nimbus {c}×4000")
        s4 = _sel(rows, experiment="infra", label=f"Cloud4G {c}×4000")
        L.append(
            f"| {c} | {_agg(s, 'edge')[0] / 40:.1f} | {_agg(s, 'local')[0] / 40:.1f} | "
            f"{_ms(s, 'latency_mean_ms')} | {_ms(s, 'violations', 1)} | "
            f"{_agg(s4, 'local')[0] / 40:.1f} |"
        )
    L += [
        "",
        "## The paper's statements (spec §6) on the corrected model",
        "",
        'Verdict rules: a claim "~X" **holds** if our mean is within a factor 1.5 of X (shares: within 15',
        "points); **holds qualitatively** if only the direction agrees; otherwise **does not hold**.",
        "",
        "| paper's statement | ours | verdict |",
        "|---|---|---|",
    ]
    L += statements(rows)
    L += ["", "## Why some statements differ", "", NOTES, ""]
    path.write_text("\n".join(L))


NOTES = """\
* **Run times.** The paper's seconds come from a pure-Python simulator; our Numba kernels allocate a
  config-C batch in well under a millisecond, where fixed costs (Python dispatch, thread hand-off,
  ~20–50 µs per kernel call, and ~0.1–0.2 ms of cold caches when each method runs once per
  instance, as here) and the noise of a shared 2-core machine weigh. Greedy is faster, but not
  ~10×: it tests 5 nodes per device (its κ-nearest table is built once per instance), Nimbus scans
  all 152 in one vectorised pass with an O(1) exact look-ahead per node, so both are dominated by
  per-device and per-call fixed costs (steady-state figures in `heuristics_speed.md`). MT slices are shallower (k times fewer devices
  and nodes), so a slice needs several times less CPU than ST (the "CPU" column; with 4 or 8
  threads on 2 cores the slices time-share the cores, so their wall time does not shrink further),
  and fewer devices reach the edge. 2PMT's central pass recovers a few of them; at 2 threads it
  cannot halve the allocation time of a sub-millisecond batch on a busy 2-core machine. On the
  100k × 10k instance (see `heuristics_speed.md`) the per-slice gains are large.
* **Greedy vs Nimbus.** With the corrected queue model (queue grows with the final load) Greedy's
  edge *count* is close to Nimbus's, but Greedy leaves ~7 % of the devices past their deadline (the
  domino effect it ignores). Counting only Greedy's *feasible* edge devices shows the real gap, which
  is smaller than the paper's 30 %. On the raw count Nimbus is ahead on average but not on every
  seed: the exact look-ahead refuses the placements by which Greedy gains its extra edge devices
  (each of them breaks devices already on the node), and Nimbus's devices that end on the cloud
  are the last of the batch, whose reachable nodes are all blocked by the slack of earlier ones.
* **Cloud4G.** On the generated instances the LTE upload is |N(5.64, 1)| Mbps for 33 KB frames
  (median 47 ms) and the LTE RTT median 33 ms, so the per-frame LTE energy 2.5 mJ/ms · net has a
  median of ~200 mJ against budgets of 182 / 268 / 318 mJ (classes A / B / C) and the latency fits the
  10-fps deadlines for many devices: ~60 % can use the cloud over LTE. At 15 fps (the A configs,
  67 ms deadlines) most devices stay local (table above). The paper's "close to 100 % local" comes
  from its simulator's per-second payload (33 KB × fps sent per frame); it does not follow from
  the model as specified (spec §1–§2, per-frame upload) at config C's 10 fps.
* **Latency vs local.** Config C's 10-fps deadlines (~100 ms) and the α/β score (30 % weight on
  load balance) put Nimbus's median latency near 70 ms, ~2.2× below local (154 ms median);
  the paper's ~4× refers to its lightly loaded config-B time series.
* **Cloud over Wi-Fi.** With a 5 ms cloud inference, no queue and Europe-DE RTTs (median ~35 ms,
  ×1.2 on the Wi-Fi path) the cloud's *median* latency is lower than Nimbus's (Nimbus uses the cloud
  only as failover, and edge queues grow with the load); the cloud has the heavier tail (p95 near
  the deadlines), saves less energy and leaves more devices local — the paper's "slightly higher
  median latency than Nimbus" does not hold on this model, its "greater variance" does.
* **Energy.** Saving % counts every device (local ones save nothing), per frame; offloading over
  Wi-Fi costs 1.21 mJ/ms of network time only, hence savings above the paper's ~77 %.
"""


def main(argv: list[str] | None = None) -> int:
    """Run the protocol; write CSV, Markdown and plots."""
    global RESULTS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--seeds", type=int, default=20, help="number of seeds (>= 20 for the results file)"
    )
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    args = ap.parse_args(argv)
    RESULTS = args.out
    RESULTS.mkdir(parents=True, exist_ok=True)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    rows = run_all(seeds)
    with (RESULTS / "baseline_comparison.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    plots(rows)
    write_md(rows, seeds, RESULTS / "baseline_comparison.md")
    print((RESULTS / "baseline_comparison.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
