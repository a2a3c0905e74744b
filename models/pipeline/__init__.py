"""Exact Pyomo model of pipeline / VNF-chain placement: preprocessing, builder blocks,
extraction."""

from placement.models.pipeline.build import (
    build_pipeline_model,
    objective_coefficients,
    objective_upper_bound,
)
from placement.models.pipeline.extract import extract_placement
from placement.models.pipeline.prep import Commodity, Prep

from placement.pipeline.params import FORMULATIONS, OBJECTIVES

__all__ = [
    "FORMULATIONS",
    "OBJECTIVES",
    "Commodity",
    "Prep",
    "build_pipeline_model",
    "extract_placement",
    "objective_coefficients",
    "objective_upper_bound",
]
