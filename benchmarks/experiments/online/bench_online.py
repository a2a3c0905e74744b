"""Online offloading benchmark (issue 11): event cost, long replays, re-optimisation.

Protocol
--------
*Speed* — instance A-C0 with 4000 devices (560 nodes, generator seed 1), two scenarios,
each run once in one process:

* ``day``: 24 h of churn from ``generate_events(seed=1)`` (load 0.5, diurnal 0.5,
  20-min sessions; default node classes), about 290 000 events;
* ``full``: every device active (``active="all"``), then 20 000 events alternating the
  departure of a random active device and the arrival of a random inactive one (3999–4000
  active: the most crowded state, the largest fresh solve).

Each controller call is timed from the caller (wall time around the call, the headline)
and by the controller itself (``Change.runtime_s``). Interleaved with the events
(every 2000 events in ``day``, every 500 in ``full``) the same state is solved from
scratch by Nimbus (``fresh_nimbus``: arrays and kernel, JIT excluded — what
``solve(method="nimbus")`` does on the instance restricted to the active devices), 3
times, median kept. The ratio is median fresh solve / median event.

*Replay* — config C, 1000 devices (seed 1), the first 10 000 events of
``generate_events(hours=8, seed=1, node_classes={"T1": "parked_car"},
reoptimize_every_s=1800, max_moves=50)`` through ``replay()`` (the evaluator after every
event; the independent checker after every 10th), twice: the two logs (without the
``runtime_us`` column) must be identical.

*Churn* — the ``day`` events on A-C0 × 4000 without re-optimisation and with
``reoptimize(max_moves=K)`` at every full hour (K = 10, 50, 200, 1000). At every hour:
mean latency and edge share of each variant, of a fresh Nimbus solve of the same
active set and of that solve improved by the relocation search (unbounded) — the best
state known. Gap closed: from the state without re-optimisation at 10, 13, 16 and 20 h,
the relocation search with K moves (K = 0 … 2000, unbounded), ``(L_inc - L_K) /
(L_inc - L_fresh)`` (above 1: better than a fresh solve).

Outputs ``benchmarks/results/online/`` (CSV, ``online.md``, PNGs) with the machine. The
machine is shared: the load average is recorded before and after each part; ratios are
measured side by side in one run.

Usage: ``python benchmarks/experiments/online/bench_online.py [--part speed|replay|churn]
[--quick]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from placement.heuristics.offloading.online import fresh_nimbus  # noqa: E402
from placement.heuristics.offloading.relocate import improve  # noqa: E402
from tqdm import tqdm  # noqa: E402

import placement  # noqa: E402
from placement.offloading.evaluate import Assignment, evaluate  # noqa: E402
from placement.online import Controller, generate_events, replay  # noqa: E402
from placement.online._offloading import restrict  # noqa: E402
from placement.testing import check_offloading  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parents[1] / "results" / "online"
OUT = RESULTS  # --quick writes into RESULTS / "quick"
sys.path.insert(0, str(HERE.parent / "offloading"))

from bench_heuristics import machine_info  # noqa: E402


def load() -> str:
    """The load average now."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def apply(ctl: Controller, e) -> None:
    """Run one generated event (no logging)."""
    if e.type == "start":
        ctl.start(e.active)
    elif e.type == "arrive":
        ctl.arrive(e.id)
    elif e.type == "depart":
        ctl.depart(e.id)
    elif e.type == "fail":
        ctl.fail(e.node)
    elif e.type == "recover":
        ctl.recover(e.node)
    else:
        ctl.reoptimize(max_moves=e.max_moves)


def fresh_time(ctl: Controller, reps: int = 3) -> float:
    """Median seconds of a from-scratch Nimbus solve of the controller's state."""
    st = ctl._b.state
    active = st.kind[: st.n] != 3
    ts = [fresh_nimbus(ctl.instance, active, st.failed, ctl._b._params)[2] for _ in range(reps)]
    return float(np.median(ts))


# ------------------------------------------------------------------ speed
def speed_scenario(name: str, inst, events, every: int) -> dict:
    """Time every event and, every ``every`` events, a fresh solve of the same state."""
    ctl = Controller(inst)
    wall, own, types, fresh, fresh_active = [], [], [], [], []
    for k, e in enumerate(tqdm(events, desc=name, unit="ev", mininterval=1.0)):
        t0 = time.perf_counter()
        if e.type == "arrive":
            ch = ctl.arrive(e.id)
        elif e.type == "depart":
            ch = ctl.depart(e.id)
        elif e.type == "fail":
            ch = ctl.fail(e.node)
        elif e.type == "recover":
            ch = ctl.recover(e.node)
        elif e.type == "start":
            ctl.start(e.active)
            continue
        else:
            continue
        wall.append(time.perf_counter() - t0)
        own.append(ch.runtime_s)
        types.append(e.type)
        if k % every == 0:
            fresh.append(fresh_time(ctl))
            fresh_active.append(len(ctl.active))
    assert ctl.evaluate().violations == 0
    wall_a, own_a, types_a = np.array(wall), np.array(own), np.array(types)
    row = {
        "scenario": name,
        "events": len(wall),
        "fresh_solves": len(fresh),
        "active_at_fresh_median": int(np.median(fresh_active)),
        "event_us_median": 1e6 * np.median(wall_a),
        "event_us_p95": 1e6 * np.percentile(wall_a, 95),
        "event_us_p99": 1e6 * np.percentile(wall_a, 99),
        "event_us_max": 1e6 * wall_a.max(),
        "events_over_1ms": int((wall_a > 1e-3).sum()),
        "controller_us_median": 1e6 * np.median(own_a),
        "fresh_ms_median": 1e3 * np.median(fresh),
        "ratio_fresh_over_event": np.median(fresh) / np.median(wall_a),
    }
    for t in ("arrive", "depart", "fail", "recover"):
        m = types_a == t
        row[f"{t}_events"] = int(m.sum())
        row[f"{t}_us_median"] = 1e6 * float(np.median(wall_a[m])) if m.any() else float("nan")
    return {"row": row, "wall": wall_a, "types": types_a, "fresh": np.array(fresh)}


def part_speed(quick: bool) -> tuple[list[dict], dict]:
    """Both speed scenarios on A-C0 x 4000."""
    inst = placement.generate("A-C0", devices=4000, seed=1)
    day = generate_events(inst, hours=4 if quick else 24, seed=1)
    rng = np.random.default_rng(1)
    full = []
    active = set(range(inst.n_devices))
    for k in range(2000 if quick else 20_000):
        if k % 2 == 0:
            i = int(rng.choice(sorted(active)))
            active.discard(i)
            full.append(placement.online.Event(float(k), "depart", id=i))
        else:
            pool = sorted(set(range(inst.n_devices)) - active)
            i = int(rng.choice(pool))
            active.add(i)
            full.append(placement.online.Event(float(k), "arrive", id=i))
    full = [placement.online.Event(0.0, "start", active="all")] + full
    Controller(inst)  # JIT warm-up (compile or cache load) before any timing
    out = {"day": speed_scenario("day", inst, day, 2000)}
    out["full"] = speed_scenario("full", inst, full, 500)
    return [o["row"] for o in out.values()], out


def plot_speed(out: dict, path: Path) -> None:
    """Histogram of event times against the fresh solves, per scenario."""
    fig, axes = plt.subplots(1, len(out), figsize=(11, 3.6), sharey=False)
    for ax, (name, o) in zip(np.atleast_1d(axes), out.items(), strict=True):
        bins = np.logspace(0, 5, 60)
        for t in ("arrive", "depart", "fail", "recover"):
            m = o["types"] == t
            if m.any():
                ax.hist(1e6 * o["wall"][m], bins=bins, alpha=0.6, label=f"{t} ({m.sum()})")
        f = 1e6 * np.median(o["fresh"])
        ax.axvline(f, color="k", lw=1.5, label=f"fresh Nimbus {f / 1000:.1f} ms")
        ax.axvline(f / 100, color="k", ls="--", lw=1, label="1/100 of it")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("time per call (us)")
        ax.set_title(f"A-C0 x 4000, {name}", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------ replay
def part_replay(quick: bool) -> dict:
    """10 000 events on config C, twice, with the independent checker."""
    inst = placement.generate("C", devices=1000, seed=1)
    events = generate_events(
        inst,
        hours=8,
        seed=1,
        node_classes={"T1": "parked_car"},
        reoptimize_every_s=1800,
        max_moves=50,
    )
    n = 1000 if quick else 10_000
    events = events[: n + 1]
    checked = [0]

    def check(ctl, change):
        if len(ctl.active) and ctl.events % 10 == 0:
            assert check_offloading(ctl.instance, ctl.assignment) == []
            checked[0] += 1

    t0 = time.perf_counter()
    a = replay(inst, events, on_event=check, progress=True)
    t1 = time.perf_counter()
    b = replay(inst, events, progress=True)

    def strip(log):
        return [{k: v for k, v in r.items() if k != "runtime_us"} for r in log.rows]

    same = strip(a) == strip(b)
    a.to_csv(OUT / "config_c_10k_log.csv")
    a.plot(OUT / "config_c_10k.png")
    s = a.summary()
    counts: dict[str, int] = {}
    for e in events:
        counts[e.type] = counts.get(e.type, 0) + 1
    return {
        "events": len(events) - 1,
        "counts": counts,
        "rows": len(a.rows),
        "max_violations": s["max_violations"],
        "checker_calls": checked[0],
        "same_log": same,
        "moves": s["moved"],
        "runtime_us_median": s["runtime_us_median"],
        "runtime_us_p95": s["runtime_us_p95"],
        "replay_s": t1 - t0,
    }


# ------------------------------------------------------------------ churn
def snapshot(ctl: Controller):
    """(restricted instance, its current assignment) of the controller's state."""
    a = ctl.assignment
    act = np.flatnonzero(a.kind != 3)
    sub = restrict(ctl.instance, act, np.array(ctl.failed, dtype=np.int64))
    return sub, Assignment.from_arrays(a.kind[act], a.target[act])


def part_churn(quick: bool) -> tuple[list[dict], list[dict]]:
    """The day without and with hourly re-optimisation; gap-closed sweeps."""
    inst = placement.generate("A-C0", devices=4000, seed=1)
    hours = 6 if quick else 24
    events = generate_events(inst, hours=hours, seed=1)
    variants = [None, 10, 50, 200, 1000]
    sweep_hours = (3, 5) if quick else (10, 13, 16, 20)
    ks = [0, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, None]
    hourly: list[dict] = []
    gaps: list[dict] = []
    refs: dict[int, dict] = {}
    for K in variants:
        ctl = Controller(inst)
        hour = 1
        moves = 0
        reopt_s = 0.0
        for e in tqdm(events, desc=f"churn K={K}", unit="ev", mininterval=1.0):
            while e.t >= hour * 3600:
                if K is not None:
                    ch = ctl.reoptimize(max_moves=K)
                    moves += len(ch.moved)
                    reopt_s += ch.runtime_s
                sub, cur = snapshot(ctl)
                ev = evaluate(sub, cur)
                n = sub.n_devices
                if hour not in refs:
                    fresh = placement.solve(sub, method="nimbus").solution
                    best, _ = improve(sub, fresh)
                    refs[hour] = {
                        "fresh": evaluate(sub, fresh),
                        "best": evaluate(sub, best),
                        "active": n,
                    }
                r = refs[hour]
                hourly.append(
                    {
                        "hour": hour,
                        "max_moves": "none" if K is None else K,
                        "active": n,
                        "latency_mean_ms": ev.objective / n,
                        "edge_share": ev.metrics["edge_ratio"],
                        "fresh_latency_mean_ms": r["fresh"].objective / n,
                        "fresh_edge_share": r["fresh"].metrics["edge_ratio"],
                        "best_latency_mean_ms": r["best"].objective / n,
                        "moves_so_far": moves,
                        "reoptimize_s_so_far": reopt_s,
                        "violations": ev.violations,
                    }
                )
                if K is None and hour in sweep_hours:
                    li, lf = ev.objective, r["fresh"].objective
                    for k in ks:
                        t0 = time.perf_counter()
                        out, m = improve(sub, cur, max_moves=k)
                        dt = time.perf_counter() - t0
                        lk = evaluate(sub, out).objective
                        changed = int(np.sum((out.kind != cur.kind) | (out.target != cur.target)))
                        gaps.append(
                            {
                                "hour": hour,
                                "active": n,
                                "max_moves": "none" if k is None else k,
                                "moves": changed,
                                "latency_mean_ms": lk / n,
                                "incremental_mean_ms": li / n,
                                "fresh_mean_ms": lf / n,
                                "gap_closed": (li - lk) / (li - lf) if li > lf else float("nan"),
                                "seconds": dt,
                            }
                        )
                hour += 1
            apply(ctl, e)
    return hourly, gaps


def plot_churn(hourly: list[dict], gaps: list[dict], path_lat: Path, path_gap: Path) -> None:
    """Mean latency over the day per variant; gap closed against moves allowed."""
    fig, axes = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    variants = list(dict.fromkeys(r["max_moves"] for r in hourly))
    for K in variants:
        rows = [r for r in hourly if r["max_moves"] == K]
        h = [r["hour"] for r in rows]
        lab = "incremental (no re-optimisation)" if K == "none" else f"hourly reoptimize K={K}"
        axes[0].plot(h, [r["latency_mean_ms"] for r in rows], marker=".", label=lab)
        axes[1].plot(h, [r["edge_share"] for r in rows], marker=".", label=lab)
    ref = [r for r in hourly if r["max_moves"] == variants[0]]
    h = [r["hour"] for r in ref]
    axes[0].plot(h, [r["fresh_latency_mean_ms"] for r in ref], "k--", label="fresh Nimbus")
    axes[0].plot(h, [r["best_latency_mean_ms"] for r in ref], "k:", label="fresh + relocation")
    axes[1].plot(h, [r["fresh_edge_share"] for r in ref], "k--", label="fresh Nimbus")
    axes[0].set_ylabel("mean latency (ms)")
    axes[1].set_ylabel("edge share")
    axes[1].set_xlabel("hour of the day")
    axes[0].legend(fontsize=7)
    axes[0].set_title("A-C0 x 4000, a day of churn", fontsize=9)
    fig.tight_layout()
    fig.savefig(path_lat, dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    for hr in dict.fromkeys(g["hour"] for g in gaps):
        rows = [g for g in gaps if g["hour"] == hr and g["max_moves"] not in ("none", 0)]
        act = rows[0]["active"]
        ax.plot(
            [g["moves"] for g in rows],
            [g["gap_closed"] for g in rows],
            marker="o",
            label=f"{hr} h ({act} active)",
        )
    ax.axhline(1.0, color="k", lw=1, ls="--", label="fresh Nimbus reached")
    ax.set_xscale("log")
    ax.set_xlabel("moves allowed (and made)")
    ax.set_ylabel("latency gap closed (1 = fresh solve)")
    ax.set_title("reoptimize(max_moves=K) from the incremental state", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path_gap, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------ output
def write_csv(path: Path, rows: list[dict]) -> None:
    """Rows as CSV (floats to 6 significant digits)."""
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})


def main() -> None:
    """Run the parts asked for; each writes its section of ``online.md``."""
    global OUT
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=PARTS, action="append")
    ap.add_argument("--quick", action="store_true", help="short horizons (smoke test)")
    args = ap.parse_args()
    OUT = RESULTS / "quick" if args.quick else RESULTS
    OUT.mkdir(parents=True, exist_ok=True)
    for part in args.part or PARTS:
        before = load()
        md = globals()[f"run_{part}"](args.quick)
        md[2:2] = [f"Load average {before} before / {load()} after.", ""]
        (OUT / f"_{part}.md").write_text("\n".join(md) + "\n")
    info = machine_info()
    head = [
        "# Online offloading benchmark",
        "",
        f"Machine: {info['cpu']}, {info['cpu_count']} cores, {info['platform']}, Python "
        f"{info['python']}, numpy {info['numpy']}, numba {info['numba']}; written "
        f"{info['date_utc']} UTC. Protocol: the docstring of "
        "`benchmarks/experiments/online/bench_online.py`. Each section records the load "
        "average of the shared machine around its run.",
        "",
    ]
    body = [(OUT / f"_{p}.md").read_text() for p in PARTS if (OUT / f"_{p}.md").exists()]
    (OUT / "online.md").write_text("\n".join(head) + "\n" + "\n".join(body))
    print(f"wrote {OUT / 'online.md'}")


PARTS = ("speed", "replay", "churn")


def run_speed(quick: bool) -> list[str]:
    """The speed part and its section."""
    rows, out = part_speed(quick)
    write_csv(OUT / "event_speed.csv", rows)
    plot_speed(out, OUT / "event_speed.png")
    md = ["## Event cost against a fresh Nimbus solve (A-C0 x 4000)", "",
          "| scenario | events | median event (us) | p95 | p99 | > 1 ms | arrive | depart | fail | "
          "fresh Nimbus (ms, median) | active at fresh (median) | fresh / event |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        md.append(
            f"| {r['scenario']} | {r['events']} | {r['event_us_median']:.1f} | "
            f"{r['event_us_p95']:.1f} | {r['event_us_p99']:.1f} | {r['events_over_1ms']} | "
            f"{r['arrive_us_median']:.1f} | "
            f"{r['depart_us_median']:.1f} | {r['fail_us_median']:.1f} | "
            f"{r['fresh_ms_median']:.2f} | {r['active_at_fresh_median']} | "
            f"**{r['ratio_fresh_over_event']:.0f}x** |"
        )
    md += ["", "Event times are wall times around the call (the controller's own "
           "`Change.runtime_s` is a few us less). The rare calls near 4 ms (column > 1 ms) are "
           "most likely the scheduler's time slice on the shared machine (load above the "
           "core count): they remain with Python's garbage collector frozen.", ""]  # fmt: skip
    return md + ["![event times](event_speed.png)", ""]


def run_replay(quick: bool) -> list[str]:
    """The replay part and its section."""
    r = part_replay(quick)
    counts = ", ".join(f"{k} {v}" for k, v in r["counts"].items())
    return [
        "## 10 000 events on config C (1000 devices)",
        "",
        f"- events: {r['events']} ({counts}); log rows {r['rows']}",
        f"- violations after every event (evaluator): max **{r['max_violations']}**; "
        f"independent checker after every 10th event: {r['checker_calls']} calls, all clean",
        f"- the same events replayed twice: identical logs: **{r['same_log']}**",
        f"- moves {r['moves']}; controller time per event median {r['runtime_us_median']:.1f} "
        f"us, p95 {r['runtime_us_p95']:.1f} us; replay with the per-event evaluation and "
        f"checks {r['replay_s']:.1f} s",
        "",
        "Log: `config_c_10k_log.csv`; plot:",
        "",
        "![config C replay](config_c_10k.png)",
        "",
    ]


def run_churn(quick: bool) -> list[str]:
    """The churn part and its section."""
    hourly, gaps = part_churn(quick)
    write_csv(OUT / "churn_hourly.csv", hourly)
    write_csv(OUT / "churn_gap_closed.csv", gaps)
    plot_churn(hourly, gaps, OUT / "churn_latency.png", OUT / "churn_gap_closed.png")
    hours = list(dict.fromkeys(g["hour"] for g in gaps))
    first = [g for g in gaps if g["hour"] == hours[0]]
    md = ["## A day of churn on A-C0 x 4000: re-optimisation with a move budget", "",
          "Gap closed by `reoptimize(max_moves=K)` from the incremental state (1.00 = the "
          "latency of a fresh Nimbus solve of the same active set; above 1: better), with "
          "the moves made:", "",
          "| hour | active | incremental (ms) | fresh Nimbus (ms) | "
          + " | ".join(f"K={g['max_moves']}" for g in first) + " |",
          "|---|---|---|---|" + "---|" * len(first)]  # fmt: skip
    for hr in hours:
        rows = [g for g in gaps if g["hour"] == hr]
        cells = " | ".join(f"{g['gap_closed']:.2f} ({g['moves']})" for g in rows)
        md.append(
            f"| {hr} | {rows[0]['active']} | {rows[0]['incremental_mean_ms']:.2f} | "
            f"{rows[0]['fresh_mean_ms']:.2f} | {cells} |"
        )
    md += ["", "Hourly re-optimisation over the day: mean latency (ms) at those hours, and "
           "the moves and time re-optimisation took over the day:", "",
           "| variant | " + " | ".join(f"{h} h" for h in hours)
           + " | moves in the day | reoptimize time in the day (s) |",
           "|---|" + "---|" * (len(hours) + 2)]  # fmt: skip
    for K in dict.fromkeys(r["max_moves"] for r in hourly):
        rows = {r["hour"]: r for r in hourly if r["max_moves"] == K}
        last = rows[max(rows)]
        cells = " | ".join(f"{rows[h]['latency_mean_ms']:.2f}" for h in hours)
        name = "incremental only" if K == "none" else f"hourly K={K}"
        md.append(
            f"| {name} | {cells} | {last['moves_so_far']} | {last['reoptimize_s_so_far']:.2f} |"
        )
    ref = {r["hour"]: r for r in hourly if r["max_moves"] == "none"}
    for key, name in (("fresh_latency_mean_ms", "fresh Nimbus"),
                      ("best_latency_mean_ms", "fresh + relocation (unbounded)")):  # fmt: skip
        md.append(f"| {name} | " + " | ".join(f"{ref[h][key]:.2f}" for h in hours) + " | – | – |")
    return md + ["", "![latency over the day](churn_latency.png)", "",
                 "![gap closed](churn_gap_closed.png)", ""]  # fmt: skip


if __name__ == "__main__":
    main()
