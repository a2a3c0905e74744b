"""Re-optimisation of a running pipeline placement under a move budget.

:func:`improve_bounded` runs the moves of the pipeline local search
(:class:`~placement.heuristics.pipeline.ls.Search`: step, request, close, relocate,
exchange, swap, admit) on a :class:`~placement.heuristics.pipeline.state.PipelineState`
that carries running requests, with three online rules:

* a move is kept only when it strictly improves the search key (automatic requests
  unplaced, ε-bound excess, objective) — a budget is never spent on a sideways move;
* a move is kept only when the placement still differs from the starting one by at
  most ``max_moves`` step replicas (:func:`moved_replicas`), counted against the start,
  not per move: moving a step back costs nothing;
* every request placed at the start stays placed (no running request is evicted to
  save cores); only the ``pending`` requests (active, left unplaced by an earlier event)
  may be admitted, and admitting one is a placement, not a move.

Stops after ``iterations`` tries without an improvement or at the time limit.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from placement.heuristics.pipeline.ls import DEFAULT_TIME, Search, _better, key
from placement.heuristics.pipeline.state import PipelineState


def hosts_of(rec: Any) -> list[list[int]]:
    """The host node indices of every step of a placed request's record."""
    return [list(h) for h in rec.hosts]


def replica_moves(old: list[list[int]], new: list[list[int]]) -> list[tuple[int, int, int]]:
    """``(step, from, to)`` of every replica that changed node (old and new hosts of one
    request; a step's replicas are a set: the ones that stayed do not count)."""
    out = []
    for i, (a, b) in enumerate(zip(old, new, strict=True)):
        if a == b:
            continue
        gone = [v for v in a if v not in b]
        came = [v for v in b if v not in a]
        out += [(i, u, w) for u, w in zip(gone, came, strict=True)]
    return out


def moved_replicas(st: PipelineState, base: dict[int, Any], cache: dict[int, int]) -> int:
    """Step replicas on another node than in ``base`` (request index -> record at the
    start); records are immutable once placed, so counts are cached by identity."""
    n = 0
    for q, rec in st.recs.items():
        b = base.get(q)
        if b is None or b is rec:
            continue
        c = cache.get(id(rec))
        if c is None:
            c = cache[id(rec)] = len(replica_moves(b.hosts, rec.hosts))
        n += c
    return n


class BoundedSearch(Search):
    """The local search's moves, restricted to the active requests (module docstring)."""

    def __init__(self, st: PipelineState, seed: int, pending: Iterable[int]) -> None:
        super().__init__(st, seed)
        self.pending = sorted(pending)

    def move_admit(self) -> bool:
        """Place one pending request (no repair: that would move a running one)."""
        out = [q for q in self.pending if q not in self.st.recs]
        if not out:
            return False
        q = out[int(self.rng.integers(len(out)))]
        return self.st.place(self.names[q]).placed

    def move_drop(self) -> bool:
        """Running requests are never dropped."""
        return False


def improve_bounded(
    st: PipelineState,
    pending: Iterable[int] = (),
    *,
    max_moves: int | None = None,
    time_limit: float | None = None,
    iterations: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Improve ``st`` in place within ``max_moves`` moved step replicas (module docstring).

    Returns
    -------
    dict
        ``tries``, ``accepted``, ``moves`` (replicas moved at the end), ``key_start``,
        ``key_end``, ``improve_s``.
    """
    t0 = time.perf_counter()
    base = dict(st.recs)
    srch = BoundedSearch(st, seed, pending)
    patience = iterations if iterations is not None else max(200, 4 * max(1, len(base)))
    deadline = t0 + (DEFAULT_TIME if time_limit is None else time_limit)
    cache: dict[int, int] = {}
    cur = start = key(st)
    tries = accepted = since = 0
    if max_moves == 0 and not srch.pending:
        patience = 0
    while since < patience and time.perf_counter() < deadline:
        tries += 1
        m = srch.moves[int(srch.rng.choice(len(srch.moves), p=srch.p))]
        snap = st.snapshot()
        getattr(srch, f"move_{m}")()
        new = key(st)
        ok = _better(new, cur, strict=True) and all(q in st.recs for q in base)
        if ok and max_moves is not None:
            ok = moved_replicas(st, base, cache) <= max_moves
        if ok:
            cur = new
            accepted += 1
            since = 0
            continue
        st.restore(snap)
        since += 1
    return {
        "tries": tries,
        "accepted": accepted,
        "moves": moved_replicas(st, base, {}),
        "key_start": start,
        "key_end": cur,
        "improve_s": time.perf_counter() - t0,
    }
