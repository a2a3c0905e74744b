"""Command line of the pipeline side (``placement solve|pareto|info|evaluate|read|generate``).

``placement.cli`` routes here with the full argv whenever :func:`detect_format`
recognises the path or ``--format`` names a pipeline format. Exit codes: 0 ok,
2 bad input or usage (``error: <message>`` on stderr, no traceback), 1 internal
error.

Examples::

    placement solve instances/pipeline/msgp2 --objective hops --bound cores<=12 -o s.json
    placement pareto instances/pipeline/msgp2 --x cores --y hops --csv f.csv --plot f.png
    placement generate pipeline --use-case car-crash --nodes 30 --requests 5 --seed 1 -o i.json
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Any

from placement.errors import InputError

from .io import FORMATS
from .io import detect_format as _detect

logger = logging.getLogger(__name__)

__all__ = ["detect_format", "main"]


def detect_format(path: Any) -> str | None:
    """Pipeline format of ``path`` (``pipeline``, ``vnfcp``, ``gap``, ``graphml``,
    ``gml``) or ``None`` (e.g. an offloading instance); never raises."""
    try:
        return _detect(path)
    except Exception:  # noqa: BLE001
        return None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 with usage; keep it short
        raise InputError(message, field="argv")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="placement", description="Pipeline / VNF-chain placement.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("solve", help="solve an instance exactly")
    s.add_argument("path")
    s.add_argument("--method", default="milp", choices=["milp"])
    s.add_argument("--objective", default=None)
    s.add_argument(
        "--bound",
        action="append",
        default=[],
        metavar="OBJ<=VALUE",
        help="ε-constraint, repeatable (e.g. cores<=12, priority>=10)",
    )
    s.add_argument("--formulation", default="layered", choices=["layered", "arc"])
    s.add_argument("--time-limit", type=float, default=None)
    s.add_argument("--mip-gap", type=float, default=None)
    s.add_argument("--threads", type=int, default=None)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--format", choices=FORMATS, default=None)
    s.add_argument("-o", "--output", default=None)

    f = sub.add_parser("pareto", help="exact Pareto front over two objectives")
    f.add_argument("path")
    f.add_argument("--x", default="cores")
    f.add_argument("--y", default="hops")
    f.add_argument("--points", type=int, default=None)
    f.add_argument("--time-limit", type=float, default=None)
    f.add_argument("--formulation", default="layered", choices=["layered", "arc"])
    f.add_argument("--threads", type=int, default=None)
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--method", default="milp", choices=["milp"])
    f.add_argument("--csv", default=None)
    f.add_argument("--plot", default=None)
    f.add_argument("--format", choices=FORMATS, default=None)
    f.add_argument("--no-progress", action="store_true")

    i = sub.add_parser("info", help="summary of an instance")
    i.add_argument("path")
    i.add_argument("--format", choices=FORMATS, default=None)

    e = sub.add_parser("evaluate", help="evaluate a solution file")
    e.add_argument("path")
    e.add_argument("solution")
    e.add_argument("--json", action="store_true")
    e.add_argument("--format", choices=FORMATS, default=None)

    r = sub.add_parser("read", help="convert to placement/pipeline JSON")
    r.add_argument("path")
    r.add_argument("-o", "--output", default=None)
    r.add_argument("--format", choices=FORMATS, default=None)

    g = sub.add_parser("generate", help="generate an instance")
    g.add_argument("kind", choices=["pipeline"])
    g.add_argument(
        "--use-case", default="mixed", choices=["car-crash", "black-ice", "smart-parking", "mixed"]
    )
    g.add_argument("--nodes", type=int, default=20)
    g.add_argument("--requests", type=int, default=5)
    g.add_argument("--substrate", default="grid")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("-o", "--output", required=True)
    return p


def _table(rows: list[tuple[str, Any]]) -> str:
    w = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{w}}  {v}" for k, v in rows)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _run(a: argparse.Namespace) -> int:
    from .io import read_pipeline

    if a.command == "generate":
        from .generate import generate_pipeline
        from .io import write_pipeline

        inst = generate_pipeline(
            a.use_case, a.nodes, a.requests, substrate=a.substrate, seed=a.seed
        )
        write_pipeline(inst, a.output)
        print(_table([(k, _fmt(v)) for k, v in inst.summary().items()] + [("output", a.output)]))
        return 0
    inst = read_pipeline(a.path, format=a.format)
    if a.command == "info":
        s = inst.summary()
        front = inst.meta.get("published_front")
        rows = [(k, _fmt(v)) for k, v in s.items()]
        if front:
            rows.append(("published front", " ".join(f"({x:g},{y:g})" for x, y in front)))
        print(_table(rows))
        return 0
    if a.command == "read":
        from .io import instance_to_dict, write_pipeline

        if a.output:
            write_pipeline(inst, a.output)
            print(
                _table([(k, _fmt(v)) for k, v in inst.summary().items()] + [("output", a.output)])
            )
        else:
            import json

            print(json.dumps(instance_to_dict(inst), indent=1))
        return 0
    if a.command == "evaluate":
        import json

        from .evaluate import evaluate_pipeline
        from .io import read_solution

        pl, _ = read_solution(a.solution)
        ev = evaluate_pipeline(inst, pl)
        if a.json:
            print(json.dumps(ev.to_dict(), indent=1))
        else:
            rows = [(k, _fmt(v)) for k, v in ev.objectives.items()]
            rows += [("feasible", ev.feasible), ("violations", len(ev.violations))]
            print(_table(rows))
            for v in ev.violations[:20]:
                print(f"  violation: {v}")
        return 0
    if a.command == "solve":
        from .io import write_solution
        from .solve import solve_pipeline

        params: dict[str, Any] = {"formulation": a.formulation, "bounds": list(a.bound)}
        if a.objective:
            params["objective"] = a.objective
        for k in ("time_limit", "mip_gap", "threads"):
            if getattr(a, k) is not None:
                params[k] = getattr(a, k)
        res = solve_pipeline(inst, method=a.method, seed=a.seed, **params)
        if a.output:
            write_solution(inst, res, a.output)
        rows = [
            ("instance", inst.name),
            ("objective", res.params.get("objective")),
            ("status", res.status.value),
            ("value", _fmt(res.objective)),
            ("bound", _fmt(res.bound)),
            ("runtime_s", f"{res.runtime:.2f}"),
        ]
        rows += [(f"  {k}", _fmt(v)) for k, v in res.metrics.get("objectives", {}).items()]
        if res.statistics.get("layered_exact") is not None:
            rows.append(("layered_exact", res.statistics["layered_exact"]))
        if a.output:
            rows.append(("output", a.output))
        print(_table(rows))
        return 0
    if a.command == "pareto":
        from .pareto import pareto_pipeline

        t0 = time.perf_counter()
        front = pareto_pipeline(
            inst,
            x=a.x,
            y=a.y,
            points=a.points,
            time_limit=a.time_limit,
            formulation=a.formulation,
            threads=a.threads,
            seed=a.seed,
            progress=not a.no_progress,
        )
        if a.csv:
            front.to_csv(a.csv)
        if a.plot:
            others = {}
            pub = inst.meta.get("published_front")
            if pub and (a.x, a.y) == ("cores", "hops"):
                for k, (px, py) in enumerate(pub):
                    others[f"published {k + 1}"] = (px, py)
            front.plot(a.plot, others=others, title=f"{inst.name}: {a.y} vs {a.x}")
        print(f"{a.x:>12} {a.y:>12} {'time_s':>8}  proven")
        info = {(p.get(a.x), p.get(a.y)): p for p in front.statistics["points"]}
        for p in front.points:
            st = info.get((p.values[a.x], p.values[a.y]), {})
            t = st.get("time")
            print(
                f"{_fmt(p.values[a.x]):>12} {_fmt(p.values[a.y]):>12} "
                f"{'' if t is None else f'{t:8.2f}'}  {st.get('proven', '-')}"
            )
        print(f"{len(front.points)} points in {time.perf_counter() - t0:.1f}s")
        return 0
    raise InputError(f"unknown command {a.command!r}", field="argv")


def main(argv: list[str] | None = None) -> int:
    """Run the pipeline CLI on ``argv`` (without the program name); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        a = _parser().parse_args(argv)
        return _run(a)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - internal error: short message, exit 1
        logger.debug("internal error", exc_info=True)
        print(f"internal error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
