"""The ``placement`` command line: a thin shell over the Python API.

Exit codes: 0 ok, 2 bad input or usage (a message naming the file, field and rule;
no traceback), 1 internal error. Pipeline formats (``placement/pipeline`` JSON,
VNFCP directories, OR-Library GAP files, GraphML/GML substrates) are routed to
:mod:`placement.pipeline.cli`, so every command works the same for each problem kind.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from typing import Any

from .errors import InputError

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2
PIPELINE_FORMATS = ("pipeline", "vnfcp", "gap", "graphml", "gml")
_ROUTED = ("solve", "pareto", "info", "evaluate", "read")


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors exit with code 2 and one clear line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def _nonneg_int(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {s!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {s!r}")
    return v


def _pos_int(s: str) -> int:
    v = _nonneg_int(s)
    if v == 0:
        raise argparse.ArgumentTypeError("expected an integer >= 1, got 0")
    return v


def _pos_float(s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {s!r}") from None
    if not v > 0 or v != v or v == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {s!r}")
    return v


def _float(s: str) -> float:
    try:
        return float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {s!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the offloading commands."""
    from .generate import CONFIGS, RTT_MODES
    from .methods import METHODS

    p = _Parser(prog="placement", description="Where computation runs in the edge-cloud.")
    p.add_argument("-v", "--verbose", action="count", default=0, help="log progress (-vv: debug)")
    p.add_argument("--debug", action="store_true", help="print tracebacks of internal errors")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    g = sub.add_parser("generate", help="generate an instance")
    gsub = g.add_subparsers(dest="kind", required=True, parser_class=_Parser)
    go = gsub.add_parser("offloading", help="offloading instance of a Table-4 configuration")
    go.add_argument("--config", required=True, choices=list(CONFIGS))
    go.add_argument(
        "--devices", type=_pos_int, help="number of devices (default: the configuration's)"
    )
    go.add_argument("--seed", type=_nonneg_int, default=0)
    go.add_argument("--rtt", choices=RTT_MODES, default="gmm-seattle")
    go.add_argument("--clouds", type=_nonneg_int, default=1)
    go.add_argument(
        "--slot", type=_nonneg_int, help="15-min slot of the density profile (config B)"
    )
    go.add_argument("--t1", type=_nonneg_int, help="override the number of T1 nodes")
    go.add_argument("--t2", type=_nonneg_int, help="override the number of T2 nodes")
    go.add_argument("--t3", type=_nonneg_int, help="override the number of T3 nodes")
    go.add_argument("--aps", type=_pos_int, help="override the AP pool size")
    go.add_argument("--name")
    go.add_argument("-o", "--output", required=True, help="instance file (.json or .json.gz)")
    gsub.add_parser(
        "pipeline",
        help="pipeline instance (see `placement generate pipeline --help`)",
        add_help=False,
    )

    i = sub.add_parser("info", help="summarise an instance")
    i.add_argument("path")
    i.add_argument("--json", action="store_true", help="print the summary as JSON")
    i.add_argument("--format", choices=("offloading",) + PIPELINE_FORMATS)

    s = sub.add_parser("solve", help="solve an instance")
    s.add_argument("path")
    s.add_argument("--method", default="nimbus", choices=list(METHODS))
    s.add_argument("--seed", type=_nonneg_int, default=0)
    s.add_argument("-o", "--output", help="solution file (written atomically)")
    s.add_argument("--format", choices=("offloading",) + PIPELINE_FORMATS)
    h = s.add_argument_group("heuristics")
    h.add_argument("--kappa", type=_nonneg_int, help="candidate subset size (0 = all)")
    h.add_argument("--alpha", type=_float, help="latency weight of the score")
    h.add_argument("--beta", type=_float, help="load weight of the score")
    h.add_argument("--order", choices=("instance", "random"), help="device order")
    h.add_argument("--lookahead", choices=("exact", "paper"), help="LookAheadLoad test")
    h.add_argument("--threads", type=_pos_int, help="slices / threads (MT, 2PMT, MILP)")
    h.add_argument("--split", choices=("contiguous", "affinity"), help="AP split of MT")
    m = s.add_argument_group("exact methods and stopping")
    m.add_argument(
        "--time-limit", type=_pos_float, help="seconds; returns the incumbent and its bound"
    )
    m.add_argument("--mip-gap", type=_float, help="relative MIP gap")
    m.add_argument("--solver", help="MILP backend (highs default; any Pyomo solver by name)")
    m.add_argument("--objective", choices=("latency", "energy", "edge"), help="MILP objective")
    m.add_argument(
        "--epsilon",
        type=_float,
        help="ε-constraint right-hand side (energy, or latency for --objective energy)",
    )
    m.add_argument("--quiet", action="store_true", help="no summary table")

    e = sub.add_parser("evaluate", help="evaluate a solution file on an instance")
    e.add_argument("path")
    e.add_argument("solution")
    e.add_argument("--json", action="store_true", help="print the metrics object as JSON")
    e.add_argument(
        "--devices-csv", help="write the per-device table (latency, energy, feasibility) as CSV"
    )
    e.add_argument("--format", choices=("offloading",) + PIPELINE_FORMATS)

    pa = sub.add_parser("pareto", help="ε-constraint sweep of a two-objective front")
    pa.add_argument("path")
    pa.add_argument("--x", default="energy")
    pa.add_argument("--y", default="latency")
    pa.add_argument("--points", type=_pos_int, default=7)
    pa.add_argument("--method", default="milp")
    pa.add_argument("--time-limit", type=_pos_float, help="seconds per point")
    pa.add_argument("--workers", type=_pos_int, help="points solved in parallel")
    pa.add_argument("--seed", type=_nonneg_int, default=0)
    pa.add_argument("--csv", help="CSV output (one row per nondominated point)")
    pa.add_argument("--plot", help="PNG output")
    pa.add_argument("--format", choices=("offloading",) + PIPELINE_FORMATS)

    sub.add_parser("check", help="list the MILP backends found")
    r = sub.add_parser(
        "read", help="read a pipeline-side format (VNFCP, GAP, GraphML) and convert it"
    )
    r.add_argument("path")
    return p


# ------------------------------------------------------------------ helpers
def _fmt_range(a: Any) -> str:
    import numpy as np

    a = np.asarray(a, dtype=float)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return "-"
    return f"{a.min():.2f} .. {a.max():.2f} (median {np.median(a):.2f})"


def _table(rows: list[tuple[str, Any]]) -> str:
    w = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k.ljust(w)}  {v}" for k, v in rows)


def instance_summary(inst: Any) -> dict[str, Any]:
    """Readable summary of an offloading instance (``placement info``)."""
    import numpy as np

    tiers = {t: int(sum(1 for x in inst.node_tier if x == t)) for t in inst.tiers}
    classes: dict[str, int] = {}
    for c in inst.device_class:
        classes[c] = classes.get(c, 0) + 1
    rtt = inst.rtt_ms[np.isfinite(inst.rtt_ms)] if inst.rtt_ms.size else np.array([])
    return {
        "name": inst.name,
        "access_points": inst.n_aps,
        "edge_nodes": inst.n_nodes,
        "edge_nodes_by_tier": tiers,
        "clouds": inst.n_clouds,
        "devices": inst.n_devices,
        "device_classes": dict(sorted(classes.items())),
        "rtt_ms": _fmt_range(rtt),
        "cloud_rtt_wifi_ms": _fmt_range(inst.cloud_rtt_wifi_ms),
        "cloud_rtt_lte_ms": _fmt_range(inst.cloud_rtt_lte_ms),
        "deadline_ms": _fmt_range(inst.deadline_ms),
        "fps": _fmt_range(inst.device_fps),
        "wifi_upload_ms": _fmt_range(inst.wifi_upload_ms),
        "users_per_ap": _fmt_range(inst.ap_users),
        "generator": inst.generator,
    }


def _metrics_rows(m: dict[str, Any]) -> list[tuple[str, Any]]:
    lat = m["latency_ms"]
    tiers = ", ".join(f"{k} {v}" for k, v in m["edge_by_tier"].items())
    return [
        ("devices", m["devices"]),
        ("edge / cloud / local", f"{m['edge']} / {m['cloud']} / {m['local']}"),
        ("edge by tier", tiers),
        ("violations", m["violations"]),
        (
            "latency mean / median / p95",
            f"{lat['mean']:.2f} / {lat['median']:.2f} / {lat['p95']:.2f} ms",
        ),
        ("energy saving", f"{m['energy_saving_pct']:.2f} %"),
        ("objective (total latency)", f"{m['objective']:.6g} ms"),
    ]


def _route_to_pipeline(argv: list[str]) -> bool:
    if not argv:
        return False
    cmd = argv[0]
    if cmd == "generate":
        return len(argv) > 1 and argv[1] == "pipeline"
    if cmd not in _ROUTED:
        return False
    if cmd == "read":
        return True
    for k, a in enumerate(argv):
        if a == "--format" and k + 1 < len(argv):
            return argv[k + 1] in PIPELINE_FORMATS
        if a.startswith("--format="):
            return a.split("=", 1)[1] in PIPELINE_FORMATS
    path = next((a for a in argv[1:] if not a.startswith("-")), None)
    if path is None:
        return False
    try:
        from .pipeline.cli import detect_format
    except ImportError:
        return False
    try:
        return detect_format(path) is not None
    except Exception:  # detection must never break the offloading path
        return False


# ------------------------------------------------------------------ commands
def _cmd_generate(args: argparse.Namespace) -> int:
    from .generate import generate
    from .io import write_instance

    inst = generate(
        args.config,
        devices=args.devices,
        seed=args.seed,
        rtt=args.rtt,
        clouds=args.clouds,
        slot=args.slot,
        t1=args.t1,
        t2=args.t2,
        t3=args.t3,
        aps=args.aps,
        name=args.name,
    )
    write_instance(inst, args.output)
    print(
        f"wrote {args.output}: {inst.name} ({inst.n_aps} APs, {inst.n_nodes} edge nodes, "
        f"{inst.n_clouds} clouds, {inst.n_devices} devices)"
    )
    return EXIT_OK


def _cmd_info(args: argparse.Namespace) -> int:
    from .io import read_instance

    inst = read_instance(args.path)
    s = instance_summary(inst)
    if args.json:
        print(json.dumps(s, indent=2))
        return EXIT_OK
    rows: list[tuple[str, Any]] = []
    for k, v in s.items():
        if k == "generator":
            continue
        if isinstance(v, dict):
            v = ", ".join(f"{a} {b}" for a, b in v.items()) or "-"
        rows.append((k.replace("_", " "), v))
    print(f"offloading instance {args.path}")
    print(_table(rows))
    if s["generator"]:
        print("  generator  " + json.dumps(s["generator"], sort_keys=True))
    return EXIT_OK


def _cmd_solve(args: argparse.Namespace) -> int:
    from .io import read_instance
    from .solve import solve, write_solution

    inst = read_instance(args.path)
    params = {
        k: getattr(args, k)
        for k in (
            "kappa",
            "alpha",
            "beta",
            "order",
            "lookahead",
            "threads",
            "split",
            "time_limit",
            "mip_gap",
            "solver",
            "objective",
            "epsilon",
        )
        if getattr(args, k) is not None
    }
    from .methods import METHODS

    accepted = METHODS[args.method].params
    ignored = sorted(k for k in params if k not in accepted)
    if ignored:  # the CLI's flags are shared by all methods; the API stays strict
        flags = ", ".join("--" + k.replace("_", "-") for k in ignored)
        print(f"note: method {args.method!r} ignores {flags}", file=sys.stderr)
        params = {k: v for k, v in params.items() if k in accepted}
    res = solve(inst, method=args.method, seed=args.seed, **params)
    if args.output:
        write_solution(inst, res, args.output)
    if not args.quiet:
        print(res.summary())
        if res.metrics:
            print(_table(_metrics_rows(res.metrics)))
        if args.output:
            print(f"wrote {args.output}")
    return EXIT_OK


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import evaluate
    from .io import read_instance
    from .solve import read_solution

    inst = read_instance(args.path)
    a, d = read_solution(args.solution, inst)
    ev = evaluate(inst, a)
    if args.devices_csv:
        _write_devices_csv(ev, args.devices_csv)
    if args.json:
        print(json.dumps(ev.metrics, indent=2))
    else:
        print(f"solution {args.solution} ({d.get('method', '?')}) on {inst.name}")
        print(_table(_metrics_rows(ev.metrics)))
    return EXIT_OK


def _write_devices_csv(ev: Any, path: str) -> None:
    import csv
    import io

    from ._io import atomic_write_text

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = [
        "device",
        "kind",
        "target",
        "tier",
        "upload_ms",
        "rtt_ms",
        "inference_ms",
        "queue_ms",
        "latency_ms",
        "deadline_ms",
        "energy_mj",
        "budget_mj",
        "saving_mj_per_s",
        "feasible",
    ]
    w.writerow(cols)
    inst = ev.instance
    kinds = ev.assignment.kind_names()
    for i in range(inst.n_devices):
        w.writerow(
            [
                i,
                kinds[i],
                int(ev.target[i]),
                ev.tier[i],
                repr(float(ev.upload_ms[i])),
                repr(float(ev.rtt_ms[i])),
                repr(float(ev.inference_ms[i])),
                repr(float(ev.queue_ms[i])),
                repr(float(ev.latency_ms[i])),
                repr(float(inst.deadline_ms[i])),
                repr(float(ev.energy_mj[i])),
                repr(float(inst.device_local_mj[i])),
                repr(float(ev.saving_mj_per_s[i])),
                int(ev.feasible[i]),
            ]
        )
    atomic_write_text(path, buf.getvalue())


def _cmd_pareto(args: argparse.Namespace) -> int:
    from .io import read_instance
    from .pareto import pareto

    inst = read_instance(args.path)
    kw: dict[str, Any] = {"points": args.points, "method": args.method, "seed": args.seed}
    if args.time_limit is not None:
        kw["time_limit"] = args.time_limit
    if args.workers is not None:
        kw["workers"] = args.workers
    front = pareto(inst, x=args.x, y=args.y, **kw)
    if args.csv:
        front.to_csv(args.csv)
    if args.plot:
        front.plot(args.plot)
    print(
        f"{len(front.points)} nondominated points ({front.x}, {front.y}); hypervolume "
        f"{front.hypervolume:.6g} w.r.t. reference ({front.reference[0]:.6g}, {front.reference[1]:.6g})"
    )
    for p in front.points:
        print(f"  {front.x}={p.values[front.x]:.6g}  {front.y}={p.values[front.y]:.6g}")
    for f in (args.csv, args.plot):
        if f:
            print(f"wrote {f}")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    import importlib.metadata as md

    from .methods import METHODS

    try:
        from .milp import available_backends

        backends = available_backends()
    except ImportError as exc:
        backends = [{"name": "highs", "available": False, "version": None, "kind": f"({exc})"}]
    print("MILP backends:")
    for b in backends:
        mark = "yes" if b.get("available") else "no"
        print(f"  {b['name']:<10} {mark:<4} {b.get('version') or '-':<14} {b.get('kind', '')}")
    print("methods:")
    for name, spec in METHODS.items():
        mark = "yes" if spec.is_available() else "no"
        print(f"  {name:<10} {mark:<4} {spec.kind:<10} {spec.description}")
    vers = []
    for pkg in ("numpy", "numba", "pyomo", "highspy", "ortools", "networkx"):
        try:
            vers.append(f"{pkg} {md.version(pkg)}")
        except md.PackageNotFoundError:
            vers.append(f"{pkg} -")
    print("packages: " + ", ".join(vers))
    return EXIT_OK


_COMMANDS = {
    "generate": _cmd_generate,
    "info": _cmd_info,
    "solve": _cmd_solve,
    "evaluate": _cmd_evaluate,
    "pareto": _cmd_pareto,
    "check": _cmd_check,
}


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or bool(os.environ.get("PLACEMENT_DEBUG"))
    # global flags may precede the command
    lead = [a for a in argv if a in ("-v", "-vv", "--verbose", "--debug")]
    rest = [a for a in argv if a not in ("-v", "-vv", "--verbose", "--debug")]
    verbosity = sum(2 if a == "-vv" else 1 for a in lead if a != "--debug")
    logging.basicConfig(
        level=logging.WARNING
        if verbosity == 0
        else logging.INFO
        if verbosity == 1
        else logging.DEBUG,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        if _route_to_pipeline(rest):
            from .pipeline.cli import main as pipeline_main

            return int(pipeline_main(rest))
        parser = build_parser()
        try:
            args = parser.parse_args(rest)
        except SystemExit as exc:  # argparse: --help (0) or usage error (2)
            return int(exc.code or 0)
        if getattr(args, "format", None) in PIPELINE_FORMATS:  # pragma: no cover - routed above
            from .pipeline.cli import main as pipeline_main

            return int(pipeline_main(rest))
        if args.command == "generate" and args.kind != "offloading":
            parser.error(f"unknown instance kind {args.kind!r}")
        if args.command == "read":
            print(
                "placement read: offloading instances need no conversion; use `placement info`",
                file=sys.stderr,
            )
            return EXIT_INPUT
        return _COMMANDS[args.command](args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return EXIT_OK
    except OSError as exc:  # cannot write an output file, etc.
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # internal error
        if debug:
            traceback.print_exc()
        print(
            f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
