"""Micro benchmarks (pytest-benchmark, fixed instances and seeds).

Run: ``pytest benchmarks/micro/test_bench_pipeline.py --benchmark-only``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from placement.models.pipeline import build_pipeline_model

import placement
from placement.pipeline import generate_pipeline, read_pipeline

BUNDLE = Path(__file__).resolve().parents[2] / "instances" / "pipeline"


@pytest.fixture(scope="module")
def msgp2():
    """The msgp2 instance."""
    return read_pipeline(BUNDLE / "msgp2")


def test_build_layered_msgp2(benchmark, msgp2):
    """Time to build the layered MILP of msgp2 (no solve)."""
    m = benchmark(build_pipeline_model, msgp2, objective="hops", epsilon=("cores",))
    assert m.nvariables() > 3000  # 3718 with ingress aggregation


def test_solve_gap12(benchmark):
    """Time to solve gap12-0 to its optimum 974."""
    inst = read_pipeline(BUNDLE / "gap" / "gap12-0")
    res = benchmark(placement.solve, inst, objective="cost", threads=1)
    assert res.objective == 974


def test_generate_ecco(benchmark):
    """Time to generate a 100-node, 50-request ECCO instance (seed 0)."""
    inst = benchmark(generate_pipeline, "mixed", 100, 50, seed=0)
    assert len(inst.requests) == 50
