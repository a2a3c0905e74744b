"""What the command line does for pipeline instances: ``generate pipeline``, ``read``
(conversion to the ``placement/pipeline`` JSON format), the tables of ``info``,
``solve`` and ``evaluate`` and the front sweep. The shared commands live in
:mod:`placement.cli`.

Examples::

    placement solve instances/pipeline/msgp2 --objective hops --bound cores<=12 -o s.json
    placement pareto instances/pipeline/msgp2 --x cores --y hops --csv f.csv --plot f.png
    placement generate pipeline --use-case car-crash --nodes 30 --requests 5 --seed 1 -o i.json
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from placement.console import fmt, table
from placement.pipeline.evaluate import evaluate_pipeline
from placement.pipeline.generate import USE_CASES, generate_pipeline
from placement.pipeline.instance import PipelineInstance
from placement.pipeline.io import (
    check_solution_instance,
    instance_summary,
    instance_to_dict,
    read_solution,
    write_pipeline,
)


def add_generate(sub: Any, types: Any) -> None:
    """Add ``generate pipeline`` to the ``generate`` subparsers."""
    g = sub.add_parser("pipeline", help="ECCO pipeline instance on a grid or a Zoo graph")
    g.add_argument("--use-case", default="mixed", choices=list(USE_CASES))
    g.add_argument("--nodes", type=types.pos_int, default=20)
    g.add_argument("--requests", type=types.pos_int, default=5)
    g.add_argument(
        "--substrate",
        default="grid",
        help="grid or zoo:NAME (any of the 276 Topology-Zoo networks, e.g. zoo:Geant2012)",
    )
    g.add_argument(
        "--zoo-dir",
        help="folder of Zoo GraphML/GML files or graphml.tar.gz/gml.tar.gz, searched before "
        "the bundled Zoo (default: $PLACEMENT_ZOO_DIR)",
    )
    g.add_argument("--seed", type=types.nonneg_int, default=0)
    g.add_argument("-o", "--output", required=True, help="instance file (.json)")


def run_generate(args: argparse.Namespace) -> int:
    """``generate pipeline``."""
    inst = generate_pipeline(
        args.use_case,
        args.nodes,
        args.requests,
        substrate=args.substrate,
        seed=args.seed,
        zoo_dir=args.zoo_dir,
    )
    write_pipeline(inst, args.output)
    print(table([(k, fmt(v)) for k, v in inst.summary().items()] + [("output", args.output)], ""))
    return 0


def print_info(inst: PipelineInstance, path: str, as_json: bool) -> None:
    """``info``: the instance summary as a table or JSON."""
    s = instance_summary(inst)
    if as_json:
        print(json.dumps(s, indent=2))
        return
    rows = [(k, fmt(v)) for k, v in s.items() if k != "published_front"]
    if s.get("published_front"):
        rows.append(
            ("published front", " ".join(f"({x:g},{y:g})" for x, y in s["published_front"]))
        )
    print(table(rows, ""))


def print_result(inst: PipelineInstance, res: Any) -> None:
    """``solve``: every objective's value and whether the layered model was exact."""
    rows = [(f"{k}", fmt(v)) for k, v in res.metrics.get("objectives", {}).items()]
    if res.metrics:
        rows.append(("violations", res.metrics.get("violations")))
    if res.statistics.get("layered_exact") is not None:
        rows.append(("layered_exact", res.statistics["layered_exact"]))
    print(table(rows))


def run_evaluate(inst: PipelineInstance, args: argparse.Namespace) -> int:
    """``evaluate``: judge a solution file with the evaluator."""
    pl, d = read_solution(args.solution)
    if not args.force:
        check_solution_instance(d, inst, args.solution)
    ev = evaluate_pipeline(inst, pl)
    if args.json:
        print(json.dumps(ev.to_dict(), indent=1))
        return 0
    rows = [(k, fmt(v)) for k, v in ev.objectives.items()]
    rows += [("feasible", ev.feasible), ("violations", len(ev.violations))]
    print(table(rows, ""))
    for v in ev.violations[:20]:
        print(f"  violation: {v}")
    return 0


#: ``pareto`` flags the pipeline sweep takes (others are ignored with a note).
PARETO_OPTIONS = ("points", "time_limit", "formulation", "threads", "seed", "progress", "method")
PARETO_DEFAULTS: dict[str, Any] = {}


def print_front(inst: PipelineInstance, front: Any) -> None:
    """``pareto``: one line per point with its time and whether it is proven."""
    x, y = front.x, front.y
    print(f"{x:>12} {y:>12} {'time_s':>8}  proven")
    heuristic = front.statistics.get("method") == "ls-epsilon"
    info = {(p.get(x), p.get(y)): p for p in front.statistics["points"]}
    for p in front.points:
        st = info.get((p.values[x], p.values[y]), {})
        t = st.get("time")
        print(
            f"{fmt(p.values[x]):>12} {fmt(p.values[y]):>12} "
            f"{'' if t is None else f'{t:8.2f}'}  "
            f"{'no (heuristic)' if heuristic else st.get('proven', '-')}"
        )
    print(f"{len(front.points)} points in {front.statistics['runtime']:.1f}s")


def plot_front(inst: PipelineInstance, front: Any, path: str) -> None:
    """``pareto --plot``, with the published front of a benchmark instance beside it."""
    others = {}
    pub = inst.meta.get("published_front")
    if pub and (front.x, front.y) == ("cores", "hops"):
        for k, (px, py) in enumerate(pub):
            others[f"published {k + 1}"] = (px, py)
    front.plot(path, others=others, title=f"{inst.name}: {front.y} vs {front.x}")


def run_read(inst: PipelineInstance, args: argparse.Namespace) -> int:
    """``read``: convert to the ``placement/pipeline`` JSON format (stdout without ``-o``)."""
    if args.output:
        write_pipeline(inst, args.output)
        print(
            table([(k, fmt(v)) for k, v in inst.summary().items()] + [("output", args.output)], "")
        )
    else:
        print(json.dumps(instance_to_dict(inst), indent=1))
    return 0
