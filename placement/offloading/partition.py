"""Splitting an offloading instance into ``k`` slices (the MT decomposition).

One vocabulary for every partitioned method (MT / 2PMT Nimbus, MT-MILP / 2PMT-MILP):

* **Edge nodes** are dealt round-robin per tier (tiers in the instance's order,
  ascending node index inside a tier), every tier starting again at slice 0: with 10
  slices and 3 T3 nodes the first three slices get one each. Under ``colocated`` a
  node that sits on an AP goes to that AP's slice instead.
* **Devices** follow their AP; the APs are split by ``split``:

  ``contiguous``
      the AP index range ``0..A-1`` cut into ``k`` blocks of equal AP counts (the
      paper's split);
  ``balanced``
      contiguous blocks with equal *device* counts;
  ``affinity``
      each AP goes to the slice holding its lowest-RTT node, at most
      ``ceil(1.25·N/k)`` devices per slice: APs in ascending order of their best
      RTT (ties by index) take the best slice by RTT with room for all their
      devices, else the slice with the fewest devices;
  ``colocated``
      ``balanced``, and nodes on an AP follow that AP (a device keeps its 1-ms node).
"""

from __future__ import annotations

import math

import numpy as np

from placement.offloading.instance import OffloadingInstance
from placement.offloading.params import SPLIT_ALIASES, SPLITS
from placement.params import check_choice, check_int

#: Balance cap of the affinity split: at most this factor times the mean devices per slice.
AFFINITY_BALANCE = 1.25


def partition_nodes(
    inst: OffloadingInstance, k: int, ap_slice: np.ndarray | None = None
) -> list[np.ndarray]:
    """Edge nodes of each slice (ascending): round-robin per tier, or, where
    ``ap_slice`` is given, a node on an AP in that AP's slice."""
    node_slice = np.full(inst.n_nodes, -1, dtype=np.int64)
    tiers = np.asarray(inst.node_tier, dtype=object)
    pinned = np.zeros(inst.n_nodes, dtype=bool)
    if ap_slice is not None:
        pinned = inst.node_ap >= 0
        node_slice[pinned] = ap_slice[inst.node_ap[pinned]]
    for tier in inst.tiers:
        idx = np.flatnonzero((tiers == tier) & ~pinned)
        node_slice[idx] = np.arange(idx.shape[0]) % k
    return [np.flatnonzero(node_slice == s).astype(np.int64) for s in range(k)]


def partition_aps(
    inst: OffloadingInstance, k: int, split: str, node_slices: list[np.ndarray]
) -> np.ndarray:
    """``(A,)`` slice of each AP under ``split`` (module docstring)."""
    A = inst.n_aps
    if split == "contiguous":
        out = np.empty(A, dtype=np.int64)
        for s, block in enumerate(np.array_split(np.arange(A), k)):
            out[block] = s
        return out
    if split in ("balanced", "colocated"):
        cnt = np.bincount(inst.device_ap, minlength=A)
        cum = np.cumsum(cnt) - cnt / 2.0
        return np.minimum((cum * k / max(cnt.sum(), 1)).astype(np.int64), k - 1)
    best = np.full((A, k), np.inf)
    for s, nodes in enumerate(node_slices):
        if nodes.size:
            best[:, s] = inst.rtt_ms[:, nodes].min(axis=1)
    per_ap = np.bincount(inst.device_ap, minlength=A)
    room = math.ceil(AFFINITY_BALANCE * inst.n_devices / k)
    filled = np.zeros(k, dtype=np.int64)
    out = np.argmin(best, axis=1).astype(np.int64)  # APs without devices: preferred slice
    for a in np.lexsort((np.arange(A), best.min(axis=1))):
        if per_ap[a] == 0:
            continue
        choice = -1
        for s in np.argsort(best[a], kind="stable"):
            if filled[s] + per_ap[a] <= room:
                choice = int(s)
                break
        if choice < 0:
            choice = int(np.argmin(filled))
        out[a] = choice
        filled[choice] += per_ap[a]
    return out


def partition(
    inst: OffloadingInstance, k: int, split: str = "contiguous"
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Split ``inst`` into ``k`` slices.

    Parameters
    ----------
    inst
        The instance.
    k
        Number of slices (>= 1).
    split
        One of :data:`~placement.offloading.params.SPLITS` (module docstring).

    Returns
    -------
    (devices, nodes)
        Per slice, the ascending device indices and edge-node indices.
    """
    k = check_int("threads", k, 1)
    split = check_choice("split", SPLIT_ALIASES.get(split, split), SPLITS)
    if split == "colocated":
        ap_slice = partition_aps(inst, k, split, [])
        node_slices = partition_nodes(inst, k, ap_slice)
    else:
        node_slices = partition_nodes(inst, k)
        ap_slice = partition_aps(inst, k, split, node_slices)
    dev_slice = ap_slice[inst.device_ap]
    order = np.argsort(dev_slice, kind="stable")
    bounds = np.searchsorted(dev_slice[order], np.arange(k + 1))
    devs = [np.sort(order[bounds[s] : bounds[s + 1]]).astype(np.int64) for s in range(k)]
    return devs, node_slices
