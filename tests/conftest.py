"""Session fixtures: tiny named instances read from ``tests/data`` (PyVRP style)."""

from __future__ import annotations

from pathlib import Path

import pytest

import placement

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the test data files."""
    return DATA


@pytest.fixture(scope="session")
def tiny() -> placement.OffloadingInstance:
    """Hand-built 2-AP, 3-node, 1-cloud, 5-device instance (values in test_evaluate.py)."""
    return placement.read_instance(DATA / "tiny.json")


@pytest.fixture(scope="session")
def small_c() -> placement.OffloadingInstance:
    """The bundled config-C instance with 200 devices."""
    return placement.read_instance(ROOT / "instances" / "offloading" / "C-200-s1.json")


@pytest.fixture(scope="session")
def config_c() -> placement.OffloadingInstance:
    """Config C with 1000 devices x 152 nodes, seed 11."""
    return placement.generate("C", seed=11)
