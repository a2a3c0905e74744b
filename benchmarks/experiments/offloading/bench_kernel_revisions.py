"""Before/after benchmark of the Nimbus kernel: two git revisions side by side, one run.

Protocol
--------
``heuristics/kernels.py`` of each revision (``git show REV:heuristics/kernels.py``) is
loaded as its own module (``cache=False``, compiled once before timing), so the two
kernels run in the same process on the same arrays: the read-only
:class:`~placement.heuristics.nimbus.KernelData` of the current tree, κ = 0, exact
look-ahead, instance order, a fresh state per call. Instances (generator seed 1 and
2): config C (1000 devices × 152 nodes) and A-C0 with 4000 devices (560 nodes).
Timing: 5 rounds of 20 calls of the base kernel then 20 of the new one; the figure
is the median per side (kernel call only, no Python wrapper). Both kernels must
give the same assignment (asserted).

Outputs ``benchmarks/results/offloading/kernel_revisions.csv`` and ``.md`` with the machine.

Usage: ``python benchmarks/experiments/offloading/bench_kernel_revisions.py [--base REV] [--new REV]``
(``--new`` defaults to the working tree).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from placement.heuristics.offloading import nimbus as nm
from tqdm import tqdm

import placement

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
RESULTS = HERE.parents[1] / "results" / "offloading"
KERNELS = "heuristics/offloading/_kernels.py"
sys.path.insert(0, str(HERE))

from bench_heuristics import machine_info  # noqa: E402


def load_kernels(rev: str | None, tmp: Path):
    """The kernel module of ``rev`` (None: the working tree), compiled without cache."""
    if rev is None:
        src = (ROOT / KERNELS).read_text()
        tag = "worktree"
    else:
        src = None
        for where in (KERNELS, "heuristics/kernels.py"):  # the module moved once
            out = subprocess.run(
                ["git", "show", f"{rev}:{where}"], cwd=ROOT, capture_output=True, text=True
            )
            if out.returncode == 0:
                src = out.stdout
                break
        if src is None:
            raise SystemExit(f"no kernel module at revision {rev}")
        tag = rev
    path = tmp / f"kernels_{tag.replace('/', '_')}.py"
    path.write_text(src.replace("cache=True", "cache=False"))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def call(kernel, d: nm.KernelData) -> tuple[float, np.ndarray]:
    """One kernel call on a fresh state: (seconds, target)."""
    st = nm.KernelState.empty(d.n_devices, d.n_nodes)
    t0 = time.perf_counter()
    kernel(
        d.all_devices, d.all_nodes, d.device_ap, d.upload, d.deadline, d.budget,
        d.cloud_choice, d.w_wifi, d.rtt, d.node_inf, d.slope, d.intercept, d.table,
        d.tlen, d.cap, st.load, st.min_slack, st.max_net, st.kind, st.target,
        np.int64(0), 0.7, 0.3, np.int64(0), np.uint64(0),
    )  # fmt: skip
    return time.perf_counter() - t0, st.target


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and write the results files."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="788f3f3", help="git revision of the 'before' kernel")
    ap.add_argument("--new", default=None, help="git revision of the 'after' kernel (worktree)")
    ap.add_argument("--out", default=str(RESULTS / "kernel_revisions"))
    args = ap.parse_args(argv)
    info = machine_info()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        old = load_kernels(args.base, Path(tmp))
        new = load_kernels(args.new, Path(tmp))
        cases = [("C", 1000, 1), ("C", 1000, 2), ("A-C0", 4000, 1), ("A-C0", 4000, 2)]
        for config, n, seed in tqdm(cases, desc="instances"):
            inst = placement.generate(config, devices=n, seed=seed)
            d = nm.KernelData.from_instance(inst)
            _, t_old = call(old.nimbus_kernel, d)
            _, t_new = call(new.nimbus_kernel, d)
            assert np.array_equal(t_old, t_new), f"{config} s{seed}: the kernels disagree"
            a, b = [], []
            for _ in range(5):
                a += [call(old.nimbus_kernel, d)[0] for _ in range(20)]
                b += [call(new.nimbus_kernel, d)[0] for _ in range(20)]
            rows.append(
                {
                    "instance": f"{config}-{n}-s{seed}",
                    "devices": n,
                    "nodes": inst.n_nodes,
                    "base_ms": 1e3 * statistics.median(a),
                    "new_ms": 1e3 * statistics.median(b),
                    "speedup": statistics.median(a) / statistics.median(b),
                }
            )
    info["loadavg_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.with_suffix(".csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    L = [
        "# Nimbus kernel — before / after (side by side, one run)",
        "",
        f"Produced by `python benchmarks/experiments/offloading/bench_kernel_revisions.py --base {args.base}` "
        "(protocol in its docstring). Kernel call only (κ = 0, exact look-ahead).",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        "",
        f"| instance | nodes | base `{args.base}` ms | new `{args.new or 'worktree'}` ms | speedup |",
        "|---|---|---|---|---|",
        *[
            f"| {r['instance']} | {r['nodes']} | {r['base_ms']:.3f} | {r['new_ms']:.3f} | "
            f"{r['speedup']:.2f}× |"
            for r in rows
        ],
        "",
    ]
    out.with_suffix(".md").write_text("\n".join(L))
    print("\n".join(L))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
