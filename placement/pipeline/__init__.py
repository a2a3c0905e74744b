"""Pipeline / VNF-chain placement.

Instances (:class:`PipelineInstance`: substrate, function catalogue, requests),
readers for the ``placement/pipeline`` JSON format and, under ``formats/``, the VNFCP
benchmark, OR-Library GAP files and GraphML / GML substrates; one evaluator, an
independent checker, ECCO instance generators and exact Pareto sweeps. Methods (the
exact MILP of :mod:`placement.models.pipeline`) run through :func:`placement.solve`.

>>> import placement
>>> from placement.pipeline import read_pipeline
>>> inst = read_pipeline("instances/pipeline/msgp2")  # doctest: +SKIP
>>> res = placement.solve(inst, method="milp", objective="hops", bounds={"cores": 12})  # doctest: +SKIP
"""

from __future__ import annotations

import logging

from placement.pipeline.checker import assert_pipeline_feasible, check_pipeline_solution
from placement.pipeline.evaluate import PipelineEvaluation, evaluate_pipeline
from placement.pipeline.generate import generate_pipeline
from placement.pipeline.instance import (
    Edge,
    Flavour,
    Function,
    Link,
    Node,
    Override,
    PipelineInstance,
    Placement,
    Request,
    Route,
    Step,
)
from placement.pipeline.io import (
    detect_format,
    read_pipeline,
    read_solution,
    write_pipeline,
    write_solution,
)

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str) -> object:
    # the sweep imports Pyomo: re-exported on first use so `import placement.pipeline` stays light
    if name == "pareto_pipeline":
        from placement.pipeline.pareto import pareto_pipeline

        return pareto_pipeline
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Edge",
    "Flavour",
    "Function",
    "Link",
    "Node",
    "Override",
    "PipelineEvaluation",
    "PipelineInstance",
    "Placement",
    "Request",
    "Route",
    "Step",
    "assert_pipeline_feasible",
    "check_pipeline_solution",
    "detect_format",
    "evaluate_pipeline",
    "generate_pipeline",
    "pareto_pipeline",
    "read_pipeline",
    "read_solution",
    "write_pipeline",
    "write_solution",
]
