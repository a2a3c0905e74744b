"""Exact models of the offloading problem: the pre-filtered data, the Pyomo model, the
direct matrix, the CP-SAT model and the way back to assignments."""

from placement.models.offloading.data import (
    OBJECTIVES,
    PRUNE_MODES,
    OffloadingData,
    prefilter,
    trivial_bound,
)
from placement.models.offloading.extract import (
    assignment_from_values,
    completion,
    extract_assignment,
    set_start,
    start_values,
    start_vector,
)
from placement.models.offloading.matrix import OffloadingMatrix, build_matrix
from placement.models.offloading.pyomo import add_edge_floor, build_offloading_model

__all__ = [
    "OBJECTIVES",
    "PRUNE_MODES",
    "OffloadingData",
    "OffloadingMatrix",
    "add_edge_floor",
    "assignment_from_values",
    "build_matrix",
    "build_offloading_model",
    "completion",
    "extract_assignment",
    "prefilter",
    "set_start",
    "start_values",
    "start_vector",
    "trivial_bound",
]
