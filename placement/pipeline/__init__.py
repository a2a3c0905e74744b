"""Pipeline / VNF-chain placement (spec 02, issue 5).

Instances (:class:`PipelineInstance`: substrate, function catalogue, requests),
readers for the ``placement/pipeline`` JSON format, the VNFCP benchmark, OR-Library
GAP files and GraphML / GML substrates, one evaluator, an independent checker, the
exact Pyomo MILP (:mod:`placement.models.pipeline`), exact Pareto sweeps and ECCO
instance generators.

>>> import placement
>>> from placement.pipeline import read_pipeline
>>> inst = read_pipeline("instances/pipeline/msgp2")  # doctest: +SKIP
>>> res = placement.solve(inst, method="milp", objective="hops", bounds={"cores": 12})  # doctest: +SKIP
"""

from __future__ import annotations

import logging

from .checker import assert_pipeline_feasible, check_pipeline_solution
from .evaluate import PipelineEvaluation, evaluate_pipeline
from .generate import generate_pipeline
from .instance import (
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
from .io import (
    detect_format,
    read_pipeline,
    read_solution,
    write_pipeline,
    write_solution,
)
from .pareto import pareto_pipeline
from .solve import solve_pipeline

logging.getLogger(__name__).addHandler(logging.NullHandler())

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
    "solve_pipeline",
    "write_pipeline",
    "write_solution",
]
