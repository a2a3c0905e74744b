"""Online pipeline benchmark (issue 11, pipeline half): event cost, churn with
re-optimisation under a move budget.

Protocol
--------
*Instance* — ``generate_pipeline("mixed", nodes=1000, requests=1000, seed=1)`` (what
``placement generate pipeline --nodes 1000 --requests 1000 --seed 1`` writes): an ECCO
lamppost grid, 1059 nodes (899 roadside units, 100 MEC servers, 59 parked cars, the
cloud), 1997 links, 1000 car-crash / black-ice / smart-parking requests (3663 steps);
objective ``cores`` (the instance's default).

*Speed* — each controller call timed from the caller (wall time around the call), in
one process, two scenarios:

* ``day``: 24 h of churn from ``generate_events(seed=1)`` (load 0.5, diurnal 0.5,
  request lifetimes of the instance, parked cars failing after 0.5–24 h, the other
  node classes on their V-Edge windows, 30-min mean repairs);
* ``full``: every request active (``active="all"``), then 2000 events alternating the
  departure of a random active request and the arrival of a random inactive one, and
  every 20 events the failure of a random working node that hosts at least one step
  (recovered 10 events later) — failures in the most crowded state.

Every ``every`` events the same state (active set, failed nodes and links) is placed
from scratch by the greedy (``PipelineBackend.fresh``: a new ``PipelineState`` on the
arrays built once, the greedy with its repair, JIT excluded), 3 times, median kept.
Ratio: median fresh solve / median event of each type.

*Churn* — the first ``hours`` (6) of the ``day`` events, replayed with
``reoptimize(max_moves=K)`` at every full hour (K = none: no re-optimisation, 5, 20,
100, unbounded; time limit 5 s per call). At every hour: the objective (cores), hops
and delay of each variant, and of a fresh greedy solve of the same active set; the
replicas moved and their migration time (stateless: the flavour's boot time). Summary:
the mean over the hours of each variant's cores relative to the state without
re-optimisation and to the fresh greedy.

Outputs ``benchmarks/results/online/pipeline_*`` (CSV, ``pipeline_online.md``, PNGs) with
the machine. The machine is shared: the load average is recorded around each part.

Usage: ``python benchmarks/experiments/online/bench_pipeline_online.py [--part
speed|churn] [--quick]``.
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
from tqdm import tqdm  # noqa: E402

from placement.online import Controller, Event, generate_events  # noqa: E402
from placement.pipeline.evaluate import evaluate_pipeline  # noqa: E402
from placement.pipeline.generate import generate_pipeline  # noqa: E402
from placement.testing import check_pipeline_solution  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parents[1] / "results" / "online"
sys.path.insert(0, str(HERE.parent / "pipeline"))

from _machine import machine  # noqa: E402

KS = (None, 5, 20, 100, "all")
NOTES_SPEED = (
    "Times are wall times around the controller call. In `day` the nodes that fail are "
    "mostly parked cars, which host no step (replicas moved 0); in `full` a failure "
    "takes out every request hosted on the node *or routed through it* (tens of "
    "requests on a lamppost grid) and places each again with the greedy, after the "
    "topology change has emptied the cache of shortest-path rows — hence tens of ms, "
    "still 15x below a fresh greedy. A departure only frees; a recovery retries only "
    "the pending requests the node can help."
)


def load() -> str:
    """The load average now."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def call(ctl: Controller, e: Event):
    """Run one event; returns the Change (``None`` for start)."""
    if e.type == "start":
        return ctl.start(e.active)
    if e.type == "arrive":
        return ctl.arrive(e.id)
    if e.type == "depart":
        return ctl.depart(e.id)
    if e.type in ("fail", "recover"):
        f = ctl.fail if e.type == "fail" else ctl.recover
        return f(link=e.link) if e.link is not None else f(e.node)
    return ctl.reoptimize(max_moves=e.max_moves)


def fresh(ctl: Controller, reps: int = 3) -> tuple[float, object, dict]:
    """Median seconds of a from-scratch greedy of the controller's state, its placement
    and what it leaves out."""
    ts = []
    for _ in range(reps):
        pl, dt, rej = ctl._b.fresh()
        ts.append(dt)
    return float(np.median(ts)), pl, rej


# ------------------------------------------------------------------ speed
def full_events(inst, n: int, seed: int = 1) -> list[Event]:
    """Start with everything, then alternate departures and arrivals (failures are
    drawn while running, see ``speed_scenario``)."""
    rng = np.random.default_rng(seed)
    names = [r.name for r in inst.requests]
    active = set(names)
    out = [Event(0.0, "start", active="all")]
    for k in range(n):
        if k % 2 == 0:
            r = str(rng.choice(sorted(active)))
            active.discard(r)
            out.append(Event(float(k), "depart", id=r))
        else:
            r = str(rng.choice(sorted(set(names) - active)))
            active.add(r)
            out.append(Event(float(k), "arrive", id=r))
    return out


def speed_scenario(name: str, inst, events, every: int, inject_failures: bool) -> dict:
    """Time every event and, every ``every`` events, a fresh greedy of the same state."""
    ctl = Controller(inst)
    rng = np.random.default_rng(7)
    wall, types, moved, fresh_s, fresh_active = [], [], [], [], []
    to_recover: list[tuple[int, str]] = []
    k = 0
    for e in tqdm(events, desc=name, unit="ev", mininterval=2.0):
        if e.type == "start":
            ctl.start(e.active)
            continue
        todo = [e]
        if inject_failures:
            if k % 20 == 10:
                hosts = sorted({v for d in ctl.assignment.steps.values()
                                for ns in d.values() for v in ns} - set(ctl.failed))  # fmt: skip
                v = str(rng.choice(hosts))
                todo.append(Event(e.t, "fail", node=v))
                to_recover.append((k + 10, v))
            while to_recover and to_recover[0][0] <= k:
                todo.append(Event(e.t, "recover", node=to_recover.pop(0)[1]))
        for x in todo:
            t0 = time.perf_counter()
            ch = call(ctl, x)
            wall.append(time.perf_counter() - t0)
            types.append(x.type)
            moved.append(len(ch.moved))
        if k % every == 0:
            fresh_s.append(fresh(ctl)[0])
            fresh_active.append(len(ctl.active))
        k += 1
    ev = ctl.evaluate()
    assert ev.violations == [] and check_pipeline_solution(inst, ctl.assignment) == []
    wall_a, types_a, moved_a = np.array(wall), np.array(types), np.array(moved)
    f = float(np.median(fresh_s))
    row = {
        "scenario": name,
        "events": len(wall),
        "fresh_solves": len(fresh_s),
        "active_at_fresh_median": int(np.median(fresh_active)),
        "fresh_ms_median": 1e3 * f,
        "event_us_median": 1e6 * float(np.median(wall_a)),
        "event_us_p95": 1e6 * float(np.percentile(wall_a, 95)),
    }
    for t in ("arrive", "depart", "fail", "recover"):
        m = types_a == t
        row[f"{t}_events"] = int(m.sum())
        if m.any():
            med = float(np.median(wall_a[m]))
            row[f"{t}_us_median"] = 1e6 * med
            row[f"{t}_us_p95"] = 1e6 * float(np.percentile(wall_a[m], 95))
            row[f"{t}_fresh_over_median"] = f / med
        else:
            row[f"{t}_us_median"] = row[f"{t}_us_p95"] = row[f"{t}_fresh_over_median"] = np.nan
    m = types_a == "fail"
    row["fail_moved_mean"] = float(moved_a[m].mean()) if m.any() else np.nan
    return {"row": row, "wall": wall_a, "types": types_a, "fresh": np.array(fresh_s)}


def part_speed(inst, quick: bool) -> tuple[list[dict], dict]:
    day = generate_events(inst, hours=3 if quick else 24, seed=1)
    full = full_events(inst, 300 if quick else 2000)
    Controller(inst)  # JIT (compile or cache load) before any timing
    out = {"day": speed_scenario("day", inst, day, 250, False)}
    out["full"] = speed_scenario("full", inst, full, 100, True)
    return [o["row"] for o in out.values()], out


def plot_speed(out: dict, path: Path) -> None:
    """Histogram of event times against the fresh greedy, per scenario."""
    fig, axes = plt.subplots(1, len(out), figsize=(11, 3.6))
    for ax, (name, o) in zip(np.atleast_1d(axes), out.items(), strict=True):
        bins = np.logspace(1, 6, 60)
        for t in ("arrive", "depart", "fail", "recover"):
            m = o["types"] == t
            if m.any():
                ax.hist(1e6 * o["wall"][m], bins=bins, alpha=0.6, label=f"{t} ({m.sum()})")
        f = 1e6 * np.median(o["fresh"])
        ax.axvline(f, color="k", lw=1.5, label=f"fresh greedy {f / 1000:.0f} ms")
        ax.axvline(f / 100, color="k", ls="--", lw=1, label="1/100 of it")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("time per call (us)")
        ax.set_title(f"ECCO 1059 nodes x 1000 requests, {name}", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------ churn
def part_churn(inst, quick: bool) -> list[dict]:
    hours = 2 if quick else 6
    events = [e for e in generate_events(inst, hours=24, seed=1) if e.t <= 3600.0 * hours]
    rows = []
    for K in KS:
        ctl = Controller(inst)
        next_h = 1
        moves = 0
        mig = 0.0
        reopt_s = 0.0
        for e in tqdm([*events, None], desc=f"K={K}", unit="ev", mininterval=2.0):
            t = 3600.0 * hours if e is None else e.t
            while t >= 3600.0 * next_h:
                rows.append(hour_row(inst, ctl, next_h, K, moves, mig, reopt_s))
                if K is not None:
                    ch = ctl.reoptimize(max_moves=None if K == "all" else K, time_limit=5.0)
                    moves += len(ch.moved)
                    mig += ch.migration_ms
                    reopt_s += ch.runtime_s
                    rows.append(hour_row(inst, ctl, next_h, K, moves, mig, reopt_s, after=True))
                next_h += 1
            if e is not None:
                call(ctl, e)
        assert ctl.evaluate().violations == []
    return rows


def hour_row(inst, ctl, h, K, moves, mig, reopt_s, after: bool = False) -> dict:
    """Objectives of the state and of a fresh greedy of the same active set."""
    ev = ctl.evaluate()
    row = {
        "hour": h,
        "K": "none" if K is None else K,
        "after_reoptimize": after,
        "active": len(ctl.active),
        "pending": len(ctl.assignment.rejected),
        "cores": ev.objectives["cores"],
        "hops": ev.objectives["hops"],
        "delay": ev.objectives["delay"],
        "moves_total": moves,
        "migration_ms_total": mig,
        "reoptimize_s_total": reopt_s,
    }
    if not after:
        _, pl, rej = fresh(ctl, reps=1)
        fe = evaluate_pipeline(inst, pl)
        row.update(
            fresh_cores=fe.objectives["cores"],
            fresh_hops=fe.objectives["hops"],
            fresh_left_out=len(rej),
        )
    return row


def plot_churn(rows: list[dict], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 4))
    base = [r for r in rows if r["K"] == "none"]
    ax.plot(
        [r["hour"] for r in base], [r["fresh_cores"] for r in base], "k--", label="fresh greedy"
    )
    for K in KS:
        rs = [r for r in rows if r["K"] == ("none" if K is None else K)]
        rs = [r for r in rs if r["after_reoptimize"] or K is None]
        lab = "no re-optimisation" if K is None else f"max_moves={K}"
        ax.plot([r["hour"] for r in rs], [r["cores"] for r in rs], marker="o", label=lab)
    ax.set_xlabel("hour")
    ax.set_ylabel("cores (objective)")
    ax.set_title("ECCO 1059 x 1000: churn, hourly re-optimisation", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------ output
def write_csv(path: Path, rows: list[dict]) -> None:
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", choices=("speed", "churn"))
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    out = RESULTS / "quick" if a.quick else RESULTS
    out.mkdir(parents=True, exist_ok=True)
    inst = generate_pipeline("mixed", nodes=1000, requests=1000, seed=1)
    md = [
        "# Online pipeline benchmark",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in machine().items())
        + f"; written {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Protocol: the "
        "docstring of `benchmarks/experiments/online/bench_pipeline_online.py`.",
        "",
    ]  # fmt: skip
    if a.part in (None, "speed"):
        l0 = load()
        rows, raw = part_speed(inst, a.quick)
        write_csv(out / "pipeline_event_speed.csv", rows)
        plot_speed(raw, out / "pipeline_event_speed.png")
        md += [
            "## Event cost against a fresh greedy (ECCO 1059 nodes x 1000 requests)",
            "",
            f"Load average {l0} before / {load()} after.",
            "",
            "| scenario | events | median event (us) | p95 | arrive median / p95 (us) | "
            "depart | fail | recover | fail: replicas moved (mean) | fresh greedy (ms) | "
            "active at fresh | fresh / arrive | fresh / depart | fresh / fail |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            md.append(
                f"| {r['scenario']} | {r['events']} | {r['event_us_median']:.0f} | "
                f"{r['event_us_p95']:.0f} | {r['arrive_us_median']:.0f} / "
                f"{r['arrive_us_p95']:.0f} | {r['depart_us_median']:.0f} / "
                f"{r['depart_us_p95']:.0f} | {r['fail_us_median']:.0f} / "
                f"{r['fail_us_p95']:.0f} | {r['recover_us_median']:.0f} / "
                f"{r['recover_us_p95']:.0f} | {r['fail_moved_mean']:.1f} | "
                f"{r['fresh_ms_median']:.0f} | {r['active_at_fresh_median']} | "
                f"**{r['arrive_fresh_over_median']:.0f}x** | "
                f"**{r['depart_fresh_over_median']:.0f}x** | "
                f"**{r['fail_fresh_over_median']:.0f}x** |"
            )
        md += ["", NOTES_SPEED, "", "![event times](pipeline_event_speed.png)", ""]
    if a.part in (None, "churn"):
        l0 = load()
        rows = part_churn(inst, a.quick)
        write_csv(out / "pipeline_churn.csv", rows)
        plot_churn(rows, out / "pipeline_churn.png")
        md += [
            "## Churn with hourly re-optimisation (first hours of the day)",
            "",
            f"Load average {l0} before / {load()} after.",
            "",
            "Cores (the objective) at each hour after the hour's `reoptimize(max_moves=K)` "
            "(time limit 5 s), the fresh greedy of the same active set, and the replicas "
            "moved so far (migration time, stateless):",
            "",
        ]
        hours = sorted({r["hour"] for r in rows})
        head = "| hour | active | fresh greedy | " + " | ".join(
            "no reopt" if K is None else f"K={K}" for K in KS
        )
        md += [head + " |", "|" + "---|" * (3 + len(KS))]
        for h in hours:
            base = next(r for r in rows if r["hour"] == h and r["K"] == "none")
            cells = []
            for K in KS:
                k = "none" if K is None else K
                rs = [r for r in rows if r["hour"] == h and r["K"] == k]
                r = rs[-1]
                cells.append(
                    f"{r['cores']:g}" if K is None else
                    f"{r['cores']:g} ({r['moves_total']} mv, {r['migration_ms_total'] / 1000:.1f} s)"
                )  # fmt: skip
            md.append(
                f"| {h} | {base['active']} | {base['fresh_cores']:g} | " + " | ".join(cells) + " |"
            )
        md += [
            "",
            "Mean over the hours of the cores of each variant relative to the state without "
            "re-optimisation and to the fresh greedy of the same active set (negative: "
            "fewer cores), with the replicas moved and the re-optimisation time in total:",
            "",
            "| variant | vs no reopt | vs fresh greedy | replicas moved | migration (s) | "
            "reoptimize time (s) |",
            "|---|---|---|---|---|---|",
        ]
        bases = {h: next(r for r in rows if r["hour"] == h and r["K"] == "none") for h in hours}
        for K in KS:
            k = "none" if K is None else K
            fin = {h: [x for x in rows if x["hour"] == h and x["K"] == k][-1] for h in hours}
            vs0 = np.mean([fin[h]["cores"] / bases[h]["cores"] - 1 for h in hours])
            vsf = np.mean([fin[h]["cores"] / bases[h]["fresh_cores"] - 1 for h in hours])
            last = fin[max(hours)]
            md.append(
                f"| {'no reopt' if K is None else f'K={K}'} | {100 * vs0:+.1f}% | "
                f"{100 * vsf:+.1f}% | {last['moves_total']} | "
                f"{last['migration_ms_total'] / 1000:.1f} | {last['reoptimize_s_total']:.1f} |"
            )
        md += ["", "![churn](pipeline_churn.png)", ""]
    name = "pipeline_online.md" if a.part is None else f"_pipeline_{a.part}.md"
    (out / name).write_text("\n".join(md) + "\n")
    print(f"wrote {out / name}")


if __name__ == "__main__":
    main()
