"""Fixtures of the online tests: small instances where arrivals crowd APs and nodes."""

from __future__ import annotations

import numpy as np
import pytest

import placement


@pytest.fixture(scope="session")
def crowded() -> placement.OffloadingInstance:
    """60 devices on 6 APs and 6 edge nodes: arrivals push devices past their deadline
    (shared Wi-Fi) and nodes fill up (queues)."""
    return placement.generate("C", devices=60, seed=3, aps=6, t1=3, t2=2, t3=1)


@pytest.fixture(scope="session")
def narrow(crowded) -> placement.OffloadingInstance:
    """:func:`crowded` with 100 Mbps APs: most devices cannot offload once an AP is busy."""
    return crowded.replace(ap_bandwidth_mbps=np.full(crowded.n_aps, 100.0))


@pytest.fixture(scope="session")
def config_c_small() -> placement.OffloadingInstance:
    """Config C with 300 devices (152 nodes), seed 2."""
    return placement.generate("C", devices=300, seed=2)
