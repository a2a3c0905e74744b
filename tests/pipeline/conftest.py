"""Session fixtures of the pipeline tests: bundled instances read once."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from placement.pipeline import read_pipeline

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "instances" / "pipeline"
DATA = ROOT / "tests" / "data" / "pipeline"

#: Published msgp2 front (cores, hops) — lsinfo3/vnfcp-benchmarking res/msgp2/optimal.
MSGP2_FRONT = [(3.0, 352.0), (6.0, 327.0), (9.0, 316.0), (12.0, 313.0)]


@pytest.fixture(scope="session")
def bundle() -> Path:
    """Folder of the bundled pipeline instances."""
    return BUNDLE


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the pipeline test data (tiny instance, broken corpus)."""
    return DATA


@pytest.fixture(scope="session")
def msgp2():
    """The msgp2 VNFCP instance (30 nodes, 65 requests)."""
    return read_pipeline(BUNDLE / "msgp2")


@pytest.fixture(scope="session")
def eval_topo():
    """The eval-topo VNFCP instance (19 nodes, 15 requests, front of 3 points)."""
    return read_pipeline(BUNDLE / "eval-topo")


@pytest.fixture(scope="session")
def tiny():
    """A 3-node, 1-request pipeline JSON instance."""
    return read_pipeline(DATA / "tiny.json")


@pytest.fixture(scope="session")
def gap_optima() -> dict[str, int]:
    """Bundled GAP file name -> known minimum cost."""
    with open(BUNDLE / "gap" / "optima.csv") as fh:
        return {r["file"].split("/")[-1]: int(r["opt_min"]) for r in csv.DictReader(fh)}
