"""Replay an event file through a :class:`~placement.online.controller.Controller`, with
one log row per event and optional re-optimisation.

Columns of both problems: ``t, type, id, placed, moved, rejected, active, violations,
migration_ms, runtime_us`` (``runtime_us``: the controller call alone, not the
logging or the evaluation); offloading adds ``edge, cloud, local, latency_mean_ms,
energy_saving_pct``, pipelines their objectives (``cores, hops, delay, energy,
priority``). ``violations`` is the evaluator's count after the event — the invariants
make it 0 — and ``active`` the number of active ids.

Re-optimisation: a ``reoptimize`` event of the file, and, with ``reoptimize_every=N``,
one after every ``N`` events, or, with ``reoptimize_on="fail"``, one after every
failure; each is logged as its own ``reoptimize`` row.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from placement._io import atomic_write_text
from placement.errors import InputError
from placement.online.controller import Change, Controller
from placement.online.events import Event

COMMON_COLUMNS = (
    "t",
    "type",
    "id",
    "placed",
    "moved",
    "rejected",
    "active",
    "violations",
    "migration_ms",
    "runtime_us",
)
REOPTIMIZE_ON = ("fail",)


@dataclass
class ReplayLog:
    """The rows of a replay and the controller in its final state."""

    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    controller: Controller
    changes: list[Change] = field(default_factory=list)

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write one row per event, atomically."""
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(self.columns), lineterminator="\n")
        w.writeheader()
        for r in self.rows:
            w.writerow({k: _fmt(r.get(k)) for k in self.columns})
        atomic_write_text(path, buf.getvalue())

    def summary(self) -> dict[str, Any]:
        """Events, moves, worst violations and the controller's time per event."""
        import numpy as np

        rt = np.array([r["runtime_us"] for r in self.rows], dtype=float)
        return {
            "events": len(self.rows),
            "moved": int(sum(r["moved"] for r in self.rows)),
            "rejected": int(sum(r["rejected"] for r in self.rows)),
            "max_violations": int(max((r["violations"] for r in self.rows), default=0)),
            "migration_ms": float(sum(r["migration_ms"] for r in self.rows)),
            "runtime_us_median": float(np.median(rt)) if rt.size else 0.0,
            "runtime_us_p95": float(np.percentile(rt, 95)) if rt.size else 0.0,
            "active": len(self.controller.active),
        }

    def plot(self, path: str | os.PathLike[str]) -> None:
        """PNG of the series over time (active ids, the problem's columns, moves,
        violations, time per event)."""
        from placement.online.plot import plot_log

        plot_log(self, path)


def _fmt(v: Any) -> Any:
    if isinstance(v, float):
        return repr(round(v, 6))
    return "" if v is None else v


def _count(violations: Any) -> int:
    """Offloading evaluations count their violations, pipeline ones list them."""
    return len(violations) if isinstance(violations, (list, tuple)) else int(violations)


def _subject(change: Change) -> str:
    s = change.subject
    if s is None:
        return ""
    if isinstance(s, tuple) and len(s) == 2 and s[0] == "link":
        return "-".join(sorted(map(str, s[1])))
    return str(s)


def apply_event(ctl: Controller, ev: Event, max_moves: int | None) -> Change:
    """Run one event on ``ctl``."""
    if ev.type == "start":
        return ctl.start(ev.active)
    if ev.type == "arrive":
        if ev.spec is not None:
            return ctl.arrive(**{ctl.id_key: ev.spec})
        return ctl.arrive(ev.id)
    if ev.type == "depart":
        return ctl.depart(ev.id)
    if ev.type in ("fail", "recover"):
        call = ctl.fail if ev.type == "fail" else ctl.recover
        return call(link=ev.link) if ev.link is not None else call(ev.node)
    mm = ev.max_moves if ev.max_moves is not None else max_moves
    return ctl.reoptimize(max_moves=mm, time_limit=ev.time_limit)


def replay(
    instance: Any,
    events: Sequence[Event],
    *,
    method: str | None = None,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    reoptimize_every: int | None = None,
    reoptimize_on: str | None = None,
    max_moves: int | None = None,
    migration: str = "stateless",
    progress: bool = False,
    on_event: Callable[[Controller, Change], None] | None = None,
    keep_changes: bool = False,
) -> ReplayLog:
    """Replay ``events`` (already checked, e.g. by
    :func:`~placement.online.events.read_events`) on a new controller of ``instance``.

    Parameters
    ----------
    instance
        The universe (offloading or pipeline instance).
    events
        The events, in file order.
    method, seed, params, migration
        The controller's (:class:`~placement.online.controller.Controller`).
    reoptimize_every
        Re-optimise after every ``N`` events (not counting ``start`` and
        ``reoptimize``).
    reoptimize_on
        ``"fail"``: re-optimise after every failure.
    max_moves
        Move budget of each re-optimisation (an event's own ``max_moves`` wins).
    progress
        Show a progress bar.
    on_event
        Called with the controller and the :class:`Change` after every event (tests
        check invariants there).
    keep_changes
        Keep every :class:`Change` in :attr:`ReplayLog.changes`.

    Raises
    ------
    InputError
        For contradicting options, or an event the controller refuses.
    """
    if reoptimize_every is not None and reoptimize_on is not None:
        raise InputError("give one of reoptimize_every and reoptimize_on", field="reoptimize")
    if reoptimize_every is not None and (
        isinstance(reoptimize_every, bool)
        or not isinstance(reoptimize_every, int)
        or reoptimize_every < 1
    ):
        raise InputError(
            f"Expected reoptimize_every >= 1, got {reoptimize_every!r}.", field="reoptimize_every"
        )
    if reoptimize_on is not None and reoptimize_on not in REOPTIMIZE_ON:
        raise InputError(
            f"Expected reoptimize_on in {{{', '.join(REOPTIMIZE_ON)}}}, got {reoptimize_on!r}.",
            field="reoptimize_on",
        )
    ctl = Controller(instance, method, seed=seed, migration=migration, **(params or {}))
    columns = COMMON_COLUMNS + tuple(ctl.log_columns())
    rows: list[dict[str, Any]] = []
    changes: list[Change] = []
    counted = 0

    def log(t: float, change: Change) -> None:
        ev = ctl.evaluate()
        row = {
            "t": t,
            "type": change.event,
            "id": _subject(change),
            "placed": len(change.placed),
            "moved": len(change.moved),
            "rejected": len(change.rejected),
            "active": len(ctl.active),
            "violations": _count(ev.violations),
            "migration_ms": change.migration_ms,
            "runtime_us": 1e6 * change.runtime_s,
        }
        row.update(ctl.log_values(ev))
        rows.append(row)
        if keep_changes:
            changes.append(change)
        if on_event is not None:
            on_event(ctl, change)

    bar = _progress(events, progress)
    try:
        for ev in bar:
            try:
                change = apply_event(ctl, ev, max_moves)
            except InputError as exc:
                raise InputError(f"line {ev.line}: {exc.rule}", path=exc.path) from None
            log(ev.t, change)
            if ev.type in ("start", "reoptimize"):
                continue
            counted += 1
            due = (reoptimize_every is not None and counted % reoptimize_every == 0) or (
                reoptimize_on == "fail" and ev.type == "fail"
            )
            if due:
                log(ev.t, ctl.reoptimize(max_moves=max_moves))
    finally:
        if hasattr(bar, "close"):
            bar.close()
    return ReplayLog(columns, rows, ctl, changes)


def _progress(events: Sequence[Event], on: bool) -> Iterable[Event]:
    if not on:
        return events
    from tqdm import tqdm

    return tqdm(events, desc="replay", unit="ev", leave=False, mininterval=0.5)
