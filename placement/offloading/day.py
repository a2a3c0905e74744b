"""Config B over a day: the devices that appear during a day of the LRZ density profile
as one instance, and their arrivals and departures per 15-minute slot as events
(replayable with ``placement replay``).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from placement.errors import InputError
from placement.offloading.generate import CONFIGS, generate
from placement.offloading.instance import OffloadingInstance
from placement.offloading.traces import SLOTS_PER_DAY, semester_profile

#: Seconds of one slot of the density profile.
SLOT_S = 900.0


def generate_day(
    *,
    seed: int = 0,
    start_slot: int = 0,
    slots: int = SLOTS_PER_DAY,
    session_slots: float = 4.0,
    rtt: str | None = None,
    clouds: int = 1,
    t1: int | None = None,
    t2: int | None = None,
    t3: int | None = None,
    aps: int | None = None,
    name: str | None = None,
    keep_all_aps: bool = False,
) -> tuple[OffloadingInstance, list[dict[str, Any]]]:
    """Config B over a day: one instance holding every device that appears, and the
    arrivals and departures of each 15-minute slot as events.

    Rule: the target number of active devices in slot ``s`` is config B's density,
    ``max(30, round(3 · APs · semester_profile(start_slot + s)))``. At the start of
    every slot after the first, each active device leaves with probability
    ``1 / session_slots`` (geometric sessions, mean ``session_slots`` slots); then
    further random active devices leave, or new devices arrive, until the target is
    met. Device ``k`` of the instance is the ``k``-th to arrive (its AP, class, FPS
    and LTE rate are config B's i.i.d. draws); every event of slot ``s`` happens at
    a uniform time in ``[900 s, 900 (s + 1))``. Events follow the online event
    format: a ``start`` line with ``"active": "none"``, then ``arrive`` / ``depart``
    lines with ``t`` (seconds from the day's start) and ``device``, in
    non-decreasing time.

    Parameters
    ----------
    seed
        Integer seed (the infrastructure and devices are those of ``generate("B",
        seed=seed, devices=<all that appear>)``; the sessions use a second stream).
    start_slot
        Slot of the profile where the day starts (0 = Monday 00:00 of a lecture week).
    slots
        Number of 15-minute slots (96 = one day).
    session_slots
        Mean session length in slots (> 0; 4 = one hour).
    rtt, clouds, t1, t2, t3, aps, name, keep_all_aps
        As for :func:`generate` with ``config="B"``.

    Returns
    -------
    tuple
        The instance and the list of events (dicts, in file order).

    Raises
    ------
    InputError
        For a negative start slot, ``slots < 1`` or ``session_slots <= 0``.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"must be a non-negative integer, got {seed!r}", field="seed")
    if start_slot < 0:
        raise InputError(f"must be >= 0, got {start_slot}", field="start_slot")
    if slots < 1:
        raise InputError(f"must be >= 1, got {slots}", field="slots")
    if not session_slots > 0:
        raise InputError(f"must be > 0, got {session_slots}", field="session_slots")
    n_pool = CONFIGS["B"].aps if aps is None else aps
    targets = [
        max(30, int(round(3.0 * n_pool * semester_profile(start_slot + s)))) for s in range(slots)
    ]
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 1]))
    active: list[int] = []
    n = 0
    timed: list[tuple[float, int, int, int]] = []  # (t, depart 0 / arrive 1, device, order)
    p_leave = min(1.0, 1.0 / session_slots)
    for s, target in enumerate(targets):
        leaving: list[int] = []
        if s and active:
            stay = rng.random(len(active)) >= p_leave
            leaving = [d for d, k in zip(active, stay) if not k]
            active = [d for d, k in zip(active, stay) if k]
        if len(active) > target:
            idx = np.sort(rng.choice(len(active), size=len(active) - target, replace=False))
            drop = set(idx.tolist())
            leaving += [active[k] for k in idx]
            active = [d for k, d in enumerate(active) if k not in drop]
        arriving = list(range(n, n + max(0, target - len(active))))
        n += len(arriving)
        active += arriving
        t_dep = SLOT_S * (s + rng.random(len(leaving)))
        t_arr = SLOT_S * (s + rng.random(len(arriving)))
        timed += [
            (round(float(t), 3), 0, d, len(timed) + k)
            for k, (t, d) in enumerate(zip(t_dep, leaving))
        ]
        timed += [
            (round(float(t), 3), 1, d, len(timed) + k)
            for k, (t, d) in enumerate(zip(t_arr, arriving))
        ]
    timed.sort()
    events: list[dict[str, Any]] = [{"t": 0, "type": "start", "active": "none"}]
    for t, kind, d, _ in timed:
        events.append({"t": t, "type": "arrive" if kind else "depart", "device": d})
    inst = generate(
        "B",
        devices=n,
        seed=seed,
        rtt=rtt,
        clouds=clouds,
        slot=start_slot,
        t1=t1,
        t2=t2,
        t3=t3,
        aps=aps,
        keep_all_aps=keep_all_aps,
    )
    day = {
        "start_slot": int(start_slot),
        "slots": int(slots),
        "session_slots": float(session_slots),
        "targets": targets,
        "peak_active": int(max(targets)),
        "devices_appearing": int(n),
        "events": len(events),
        "rule": "per slot: sessions end with probability 1/session_slots, then devices leave "
        "or arrive until the target max(30, round(3 * APs * semester_profile(slot))) is met",
    }
    recipe = {**inst.generator, "day": day}
    recipe.pop("density", None)
    return (
        inst.replace(name=name or f"B-day{start_slot // SLOTS_PER_DAY}-s{seed}", generator=recipe),
        events,
    )


def events_to_jsonl(events: list[dict[str, Any]]) -> str:
    """The JSON Lines text of ``events`` (one object per line)."""
    return "".join(json.dumps(e) + "\n" for e in events)
