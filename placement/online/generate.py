"""Event generators: a realistic day of churn for an instance (seeded, deterministic).

Ids (devices, requests) arrive as a Poisson process whose rate follows a day profile
and stay for a random session; edge nodes come and go with the availability windows of
V-Edge node classes. The recipe:

* *Load*: the expected number of active ids at time ``t`` is ``load · N · p(t)`` with the
  day profile ``p(t) = 1 + diurnal · cos(2π (t/3600 - peak_h) / 24)`` (mean 1, peak at
  ``peak_h`` o'clock). By Little's law the arrival rate is that number divided by the
  mean session length; arrivals are drawn by thinning a Poisson process of the peak
  rate. An arrival takes an inactive id uniformly at random (none left: no arrival).
* *Sessions*: log-normal with mean ``session_min`` minutes and log-sd 1 (heavy tail: many
  short sessions, a few long ones); a pipeline request with a finite ``lifetime_s``
  uses that mean instead.
* *Start*: the process in equilibrium — ``round(load · N · p(0))`` ids active at ``t = 0``
  (the ``start`` event), each with the residual of a length-biased session.
* *Nodes*: a node of a class with availability window ``[lo, hi]`` hours (V-Edge Table I:
  ISP MEC years, private MEC weeks, Wi-Fi AP months, parked car 0.5–24 h, moving car
  1–5 min, shuttle 1–30 min, smartphone 5–15 min) stays up for ``U(lo, hi)`` hours (its
  first failure after a uniform fraction of that), then down for an exponential repair
  time of mean ``repair_min`` minutes, and so on. Offloading nodes take their class from
  their tier (default T1 Wi-Fi AP, T2 private MEC, T3 ISP MEC; ``node_classes`` maps
  tiers to other classes, e.g. ``{"T1": "parked_car"}``); pipeline nodes from their own
  ``availability_h`` or ``class``.
* Optionally a ``reoptimize`` event every ``reoptimize_every_s`` seconds.

Times are rounded to the millisecond; the order is that of the simulation.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from placement.errors import InputError
from placement.online.events import Event
from placement.params import check_int, check_number
from placement.pipeline.instance import NODE_CLASSES
from placement.registry import problem_of

#: Default V-Edge class of each offloading tier.
TIER_CLASSES = {"T1": "wifi_ap", "T2": "private_mec", "T3": "isp_mec"}
SESSION_SIGMA = 1.0

_ARRIVE, _DEPART, _FAIL, _RECOVER, _REOPT = range(5)


def _universe(instance: Any, session_s: float, node_classes: Mapping[str, str] | None) -> tuple:
    """Ids, per-id mean session (s), node keys and per-node window (h) of ``instance``."""
    problem = problem_of(instance)
    if problem == "offloading":
        classes = dict(TIER_CLASSES)
        for tier, cls in (node_classes or {}).items():
            if cls not in NODE_CLASSES:
                raise InputError(
                    f"unknown node class {cls!r} (known: {', '.join(NODE_CLASSES)})",
                    field="node_classes",
                )
            if tier not in instance.tiers:
                raise InputError(
                    f"tier {tier!r} has no node (tiers: {', '.join(instance.tiers)})",
                    field="node_classes",
                )
            classes[tier] = cls
        ids = list(range(instance.n_devices))
        sessions = [session_s] * len(ids)
        nodes = list(range(instance.n_nodes))
        windows = [NODE_CLASSES.get(classes.get(t, ""), None) for t in instance.node_tier]
        return ids, sessions, nodes, windows
    if node_classes:
        raise InputError(
            "pipeline nodes take their availability from the instance", field="node_classes"
        )
    ids = [r.name for r in instance.requests]
    sessions = [
        r.lifetime_s if r.lifetime_s is not None and math.isfinite(r.lifetime_s) else session_s
        for r in instance.requests
    ]
    nodes = [n.name for n in instance.nodes]
    windows = [
        n.availability_h if n.availability_h is not None else NODE_CLASSES.get(n.node_class or "")
        for n in instance.nodes
    ]
    return ids, sessions, nodes, windows


def generate_events(
    instance: Any,
    *,
    hours: float = 24.0,
    seed: int = 0,
    load: float = 0.5,
    session_min: float = 20.0,
    diurnal: float = 0.5,
    peak_h: float = 14.0,
    node_classes: Mapping[str, str] | None = None,
    repair_min: float = 30.0,
    reoptimize_every_s: float | None = None,
    max_moves: int | None = None,
) -> list[Event]:
    """A seeded day of churn for ``instance`` (module docstring).

    Parameters
    ----------
    instance
        Offloading or pipeline instance (its devices / requests are the universe).
    hours
        Length of the horizon.
    seed
        Seed of every draw; the same seed gives the same events.
    load
        Mean fraction of the ids active, in (0, 1]; ``load · (1 + diurnal)`` above 1 is
        capped by the universe.
    session_min
        Mean session length in minutes.
    diurnal, peak_h
        Amplitude in [0, 1) and peak hour of the day profile.
    node_classes
        Offloading: tier -> V-Edge class (see
        :data:`placement.pipeline.instance.NODE_CLASSES`).
    repair_min
        Mean time a failed node stays down, minutes.
    reoptimize_every_s, max_moves
        A ``reoptimize`` event (with that ``max_moves``) every so many seconds.

    Returns
    -------
    list of Event
        ``start`` first, then the events in time order.

    Raises
    ------
    InputError
        For a parameter out of range or an unknown node class.
    """
    hours = check_number("hours", hours, lo=0.0, lo_open=True)
    seed = check_int("seed", seed, 0)
    load = check_number("load", load, lo=0.0, hi=1.0, lo_open=True)
    session_s = 60.0 * check_number("session_min", session_min, lo=0.0, lo_open=True)
    diurnal = check_number("diurnal", diurnal, lo=0.0, hi=1.0, hi_open=True)
    peak_h = check_number("peak_h", peak_h, lo=0.0, hi=24.0)
    repair_s = 60.0 * check_number("repair_min", repair_min, lo=0.0, lo_open=True)
    if reoptimize_every_s is not None:
        reoptimize_every_s = check_number(
            "reoptimize_every_s", reoptimize_every_s, lo=0.0, lo_open=True
        )
    if max_moves is not None:
        max_moves = check_int("max_moves", max_moves, 0)
    ids, sessions, nodes, windows = _universe(instance, session_s, node_classes)
    rng = np.random.default_rng(seed)
    horizon = 3600.0 * hours
    n = len(ids)
    mean_session = float(np.mean(sessions)) if n else session_s

    def profile(t: float) -> float:
        return 1.0 + diurnal * math.cos(2.0 * math.pi * (t / 3600.0 - peak_h) / 24.0)

    def session(k: int, residual: bool = False) -> float:
        mu = math.log(sessions[k]) - SESSION_SIGMA**2 / 2
        if residual:  # a session in progress: length-biased, a uniform part of it left
            return float(rng.uniform() * rng.lognormal(mu + SESSION_SIGMA**2, SESSION_SIGMA))
        return float(rng.lognormal(mu, SESSION_SIGMA))

    heap: list[tuple[float, int, int, int]] = []
    seq = 0

    def push(t: float, what: int, k: int) -> None:
        nonlocal seq
        if t <= horizon:
            heapq.heappush(heap, (t, seq, what, k))
            seq += 1

    # ids active at t = 0 (equilibrium), the others in the pool of inactive ids
    m0 = min(n, int(round(load * n * profile(0.0))))
    first = sorted(rng.choice(n, size=m0, replace=False).tolist()) if m0 else []
    active = np.zeros(n, dtype=bool)
    active[first] = True
    pool = [k for k in range(n) if not active[k]]
    for k in first:
        push(session(k, residual=True), _DEPART, k)
    # nodes: first failure after a uniform part of an up period
    for j, win in enumerate(windows):
        if win is None:
            continue
        lo, hi = win
        if math.isinf(hi):
            continue
        push(float(rng.uniform() * rng.uniform(lo, hi) * 3600.0), _FAIL, j)
    rate_max = load * n * (1.0 + diurnal) / mean_session if n else 0.0
    if rate_max > 0:
        push(float(rng.exponential(1.0 / rate_max)), _ARRIVE, -1)
    if reoptimize_every_s is not None:
        push(reoptimize_every_s, _REOPT, -1)

    out: list[Event] = [Event(0.0, "start", active=[ids[k] for k in first] if first else "none")]
    while heap:
        t, _, what, k = heapq.heappop(heap)
        tr = round(t, 3)
        if what == _ARRIVE:
            push(t + float(rng.exponential(1.0 / rate_max)), _ARRIVE, -1)
            if rng.uniform() * (1.0 + diurnal) > profile(t) or not pool:
                continue  # thinning (or nobody left to arrive)
            p = int(rng.integers(len(pool)))
            k = pool[p]
            last = pool.pop()
            if p < len(pool):
                pool[p] = last
            out.append(Event(tr, "arrive", id=ids[k]))
            push(t + session(k), _DEPART, k)
        elif what == _DEPART:
            pool.append(k)
            out.append(Event(tr, "depart", id=ids[k]))
        elif what == _FAIL:
            out.append(Event(tr, "fail", node=nodes[k]))
            push(t + float(rng.exponential(repair_s)), _RECOVER, k)
        elif what == _RECOVER:
            out.append(Event(tr, "recover", node=nodes[k]))
            lo, hi = windows[k]
            push(t + float(rng.uniform(lo, hi)) * 3600.0, _FAIL, k)
        else:
            out.append(Event(tr, "reoptimize", max_moves=max_moves))
            push(t + reoptimize_every_s, _REOPT, -1)  # type: ignore[operator]
    return out
