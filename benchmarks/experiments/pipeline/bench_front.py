"""Solve time per front point of VNFCP instances (exact ε sweep, layered MILP).

Usage::

    python benchmarks/experiments/pipeline/bench_front.py [INSTANCE_DIR ...] [--out benchmarks/results/pipeline]

Default instances: the bundled ``msgp2`` and ``eval-topo``. Writes
``front_<name>.csv`` (one row per point: cores, hops, stage times, proven) and
``front_<name>.png`` (front with the published points), and appends a markdown
summary to ``front.md`` with the machine record.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

from placement.pipeline import pareto_pipeline, read_pipeline

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_markdown  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]


def main(argv: list[str] | None = None) -> int:
    """Run the sweep benchmark."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "instances",
        nargs="*",
        default=[
            str(ROOT / "instances/pipeline/msgp2"),
            str(ROOT / "instances/pipeline/eval-topo"),
        ],
    )
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/pipeline"))
    ap.add_argument("--formulation", default="layered", choices=["layered", "arc"])
    ap.add_argument("--time-limit", type=float, default=None)
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    md = [f"# Exact front sweeps ({a.formulation})\n", machine_markdown()]
    for path in a.instances:
        inst = read_pipeline(path)
        t0 = time.perf_counter()
        front = pareto_pipeline(
            inst,
            x="cores",
            y="hops",
            formulation=a.formulation,
            time_limit=a.time_limit,
            progress=True,
        )
        total = time.perf_counter() - t0
        pub = [tuple(p) for p in inst.meta.get("published_front", [])]
        got = [(p.values["cores"], p.values["hops"]) for p in front.points]
        name = f"{inst.name}_{a.formulation}"
        with open(out / f"front_{name}.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["epsilon", "cores", "hops", "stage1_s", "stage2_s", "point_s", "proven"])
            for s in front.statistics["points"]:
                w.writerow(
                    [
                        s.get("epsilon"),
                        s.get("cores", ""),
                        s.get("hops", ""),
                        f"{s.get('stage1_time', s.get('time', 0)):.2f}",
                        f"{s.get('stage2_time', 0):.2f}",
                        f"{s['time']:.2f}",
                        s.get("proven", s.get("termination")),
                    ]
                )
        others = {f"published {k + 1}": p for k, p in enumerate(pub)}
        front.plot(
            str(out / f"front_{name}.png"),
            others=others,
            title=f"{inst.name}: exact front vs published",
        )
        md.append(
            f"\n## {inst.name}\n\nfront {got}; published {pub}; "
            f"**{'match' if sorted(got) == sorted(pub) else 'MISMATCH'}**; "
            f"build {front.statistics['build_time']:.2f} s, total {total:.1f} s\n\n"
            "| ε (cores ≤) | cores | hops | stage 1 s | stage 2 s | point s |\n"
            "| --- | --- | --- | --- | --- | --- |\n"
        )
        for s in front.statistics["points"]:
            md.append(
                f"| {s.get('epsilon')} | {s.get('cores', 'infeasible')} | "
                f"{s.get('hops', '-')} | {s.get('stage1_time', s.get('time', 0)):.2f} | "
                f"{s.get('stage2_time', 0):.2f} | {s['time']:.2f} |\n"
            )
        print(f"{inst.name}: {got} (published {pub}) in {total:.1f}s", flush=True)
    with open(out / f"front_{a.formulation}.md", "w") as fh:
        fh.write("".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
