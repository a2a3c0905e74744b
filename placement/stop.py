"""When to stop: stopping criteria of iterative methods, the wall-clock budget of a
solve, and Ctrl-C / SIGTERM.

Stopping criteria are tiny callables (local searches, sweeps).

A criterion is called once per iteration with the best objective found so far and
returns ``True`` when the method should stop. Criteria keep their own state (start
time, counters), so make a fresh one per run; combine them with
:class:`MultipleCriteria` (stops when any says stop).

>>> stop = MultipleCriteria([MaxIterations(1000), MaxRuntime(2.0)])
>>> stop(123.4)
False

A time limit is the budget of the whole solve (:class:`Deadline`): pre-processing,
warm start, model build, solver and post-processing all spend from it, and the
solver gets what is left minus a small reserve for the work after it. Solver calls
go through :func:`run_blocking`, which asks a solver past its limit (plus
:data:`TIME_GRACE`) to stop and abandons one that has not returned
:data:`CANCEL_GRACE` seconds later; Python phases that take no time limit run under
:func:`time_guard`. Under :func:`handle_interrupts` the first Ctrl-C or SIGTERM stops
every running solve the same way (each returns its incumbent with termination
``interrupted``) and :func:`interrupted` becomes true; see that function for the
rules. Rule of the overrun: a solve ends within ``10 % + 1 s`` of its time limit.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import logging
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from placement.params import check_int, check_number

logger = logging.getLogger(__name__)


class StoppingCriterion(Protocol):
    """Called once per iteration with the best objective so far; ``True`` = stop."""

    def __call__(self, best: float) -> bool: ...


class MaxRuntime:
    """Stop once ``seconds`` of wall-clock time have passed since the first call
    (or since ``start``, a ``time.perf_counter()`` value)."""

    def __init__(self, seconds: float, start: float | None = None) -> None:
        self.seconds = check_number("time_limit", seconds, lo=0.0)
        self.start = start

    def __call__(self, best: float) -> bool:
        now = time.perf_counter()
        if self.start is None:
            self.start = now
        return now - self.start >= self.seconds

    def remaining(self) -> float:
        """Seconds left (the full budget before the first call)."""
        if self.start is None:
            return self.seconds
        return max(0.0, self.seconds - (time.perf_counter() - self.start))


class MaxIterations:
    """Stop after ``iterations`` calls."""

    def __init__(self, iterations: int) -> None:
        self.iterations = check_int("iterations", iterations, 0)
        self.count = 0

    def __call__(self, best: float) -> bool:
        self.count += 1
        return self.count > self.iterations


class NoImprovement:
    """Stop after ``iterations`` consecutive calls without a relative improvement of
    more than ``rtol`` of the best objective (minimisation)."""

    def __init__(self, iterations: int, rtol: float = 0.0) -> None:
        self.iterations = check_int("no_improvement", iterations, 1)
        self.rtol = check_number("rtol", rtol, lo=0.0)
        self.best = math.inf
        self.since = 0

    def __call__(self, best: float) -> bool:
        if best < self.best - self.rtol * abs(self.best if math.isfinite(self.best) else 0.0):
            self.best = best
            self.since = 0
        else:
            self.since += 1
        return self.since >= self.iterations


class MultipleCriteria:
    """Stop when any of ``criteria`` says stop (each is called every time)."""

    def __init__(self, criteria: Sequence[StoppingCriterion]) -> None:
        self.criteria = list(criteria)

    def __call__(self, best: float) -> bool:
        return any([c(best) for c in self.criteria])


# ------------------------------------------------------------------ wall clock and Ctrl-C
#: Seconds a solver may run past its own time limit before it is asked to stop.
TIME_GRACE = 0.25
#: Seconds a solver asked to stop (time limit, Ctrl-C, SIGTERM) may take to return its
#: incumbent before it is abandoned in its background thread.
CANCEL_GRACE = 0.5
#: Share of a time limit (plus :data:`RESERVE_S` seconds) kept back from the solver for
#: the work after it (reading the solution back, evaluating it).
RESERVE_FRACTION = 0.05
RESERVE_S = 0.5

_STOP = threading.Event()
#: Thread id -> depth of :func:`run_blocking` waits (time guards do not fire there).
_SOLVING: dict[int, int] = {}
#: Threads whose guarded block already ran a solver: its result is read back in peace.
_SOLVED: set[int] = set()
#: Per thread: inside a time guard.
_LOCAL = threading.local()
_STATE: dict[str, Any] = {"depth": 0, "cooperative": 0, "worker": False, "reason": None}
_ABANDONED: list[threading.Thread] = []


class OutOfTime(BaseException):
    """Raised into a thread whose guarded Python phase ran past its deadline
    (:func:`time_guard`); a ``BaseException`` so that ``except Exception`` in library
    code does not swallow it."""


_SOLVE_START: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "placement_solve_start", default=None
)


@contextlib.contextmanager
def solve_clock(start: float | None = None) -> Iterator[None]:
    """Make :class:`Deadline` budgets created in the block count from ``start`` (default:
    now): ``placement.solve()`` starts the clock before it loads the method, so loading
    the solver packages is part of the budget too."""
    token = _SOLVE_START.set(time.perf_counter() if start is None else start)
    try:
        yield
    finally:
        _SOLVE_START.reset(token)


class Deadline:
    """The wall-clock budget of one solve, started when the solve starts: every phase
    (pre-processing, warm start, model build, solver, post-processing) spends from it.

    Parameters
    ----------
    seconds
        The budget (``None``: no limit).
    start
        ``time.perf_counter()`` value the budget counts from (default: when the
        enclosing :func:`solve_clock` started, else now).
    """

    def __init__(self, seconds: float | None, start: float | None = None) -> None:
        self.seconds = None if seconds is None else float(seconds)
        if start is None:
            start = _SOLVE_START.get()
        self.start = time.perf_counter() if start is None else start

    @property
    def limited(self) -> bool:
        """Whether there is a budget at all."""
        return self.seconds is not None

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.start

    def remaining(self) -> float:
        """Seconds left (``inf`` without a budget, negative once overrun)."""
        if self.seconds is None:
            return math.inf
        return self.seconds - self.elapsed()

    def expired(self) -> bool:
        """Whether the budget is spent (never without one)."""
        return self.remaining() <= 0

    def reserve(self) -> float:
        """Seconds kept back for the work after the solver."""
        return 0.0 if self.seconds is None else RESERVE_FRACTION * self.seconds + RESERVE_S

    def for_solver(self, minimum: float = 0.05) -> float | None:
        """The time limit to give a solver starting now: what is left minus
        :meth:`reserve`, at least ``minimum`` (``None`` without a budget)."""
        if self.seconds is None:
            return None
        return max(self.remaining() - self.reserve(), minimum)

    def solver_has_time(self) -> bool:
        """Whether a solver started now would get a meaningful slice of the budget."""
        return self.seconds is None or self.remaining() - self.reserve() > 0.05


def interrupted() -> bool:
    """Whether Ctrl-C or SIGTERM arrived (in a block under :func:`handle_interrupts`)
    or :func:`request_stop` was called."""
    return _STOP.is_set()


def stop_reason() -> str | None:
    """``"SIGINT"``, ``"SIGTERM"`` or the reason given to :func:`request_stop`."""
    return _STATE["reason"] if _STOP.is_set() else None


def request_stop(reason: str = "stop requested") -> None:
    """Ask every running solve to stop as on Ctrl-C (from any thread)."""
    _STATE["reason"] = reason
    _STOP.set()


def clear_stop() -> None:
    """Forget a previous stop request."""
    _STOP.clear()
    _STATE["reason"] = None


def _handler(signum: int, frame: Any) -> None:
    first = not _STOP.is_set()
    _STATE["reason"] = signal.Signals(signum).name
    _STOP.set()
    if _STATE["worker"]:
        return  # a worker process stops its solve and lets the parent decide
    if first and _STATE["cooperative"] > 0:
        return  # the main thread waits on solvers that now return their incumbents
    raise KeyboardInterrupt


@contextlib.contextmanager
def handle_interrupts(
    signals: tuple[int, ...] = (signal.SIGINT,), *, worker: bool = False
) -> Iterator[None]:
    """Turn Ctrl-C (and the other ``signals``) into a stop request for the block.

    The first signal stops every running solve (each returns its incumbent with
    termination ``interrupted`` within :data:`CANCEL_GRACE` seconds, or is abandoned)
    and, when the main thread is running Python code rather than waiting on solvers,
    raises ``KeyboardInterrupt`` there at once; a second signal always raises it. In a
    worker process (``worker=True``) signals only stop the solve. The handlers are
    installed only in the main thread and only by the outermost block; the previous
    ones come back at its end, and the stop request is cleared.
    """
    if threading.current_thread() is not threading.main_thread() or _STATE["depth"] > 0:
        _STATE["depth"] += 1
        try:
            yield
        finally:
            _STATE["depth"] -= 1
        return
    old = {s: signal.getsignal(s) for s in signals}
    clear_stop()
    _STATE["worker"] = worker
    _STATE["depth"] += 1
    try:
        for s in signals:
            signal.signal(s, _handler)
        yield
    finally:
        _STATE["depth"] -= 1
        for s, h in old.items():
            signal.signal(s, h)
        if not worker:
            clear_stop()


@contextlib.contextmanager
def cooperative() -> Iterator[None]:
    """Mark the main thread as waiting on cancellable work (a solver, a pool): a first
    Ctrl-C then only requests the stop instead of raising ``KeyboardInterrupt``."""
    main = threading.current_thread() is threading.main_thread()
    if main:
        _STATE["cooperative"] += 1
    try:
        yield
    finally:
        if main:
            _STATE["cooperative"] -= 1


def install_worker_handlers() -> None:
    """In a worker process: SIGINT and SIGTERM stop the running solve, never raise
    (the parent collects or discards the results and ends the worker)."""
    _STATE["worker"] = True
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, _handler)


def terminate_children(grace: float = 1.0) -> int:
    """Send SIGTERM to every live child process of this process (worker pools, solver
    executables), then SIGKILL to those alive ``grace`` seconds later; returns how many
    there were. Linux only (reads ``/proc``); elsewhere it does nothing."""
    import glob
    import os

    pids: set[int] = set()
    for f in glob.glob(f"/proc/{os.getpid()}/task/*/children"):
        with contextlib.suppress(OSError, ValueError):
            pids.update(int(p) for p in open(f).read().split())
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    end = time.perf_counter() + grace
    alive = set(pids)
    while alive and time.perf_counter() < end:
        for pid in list(alive):
            with contextlib.suppress(ChildProcessError, OSError):
                done, _ = os.waitpid(pid, os.WNOHANG)
                if done == 0:
                    continue
            alive.discard(pid)
        time.sleep(0.02)
    for pid in alive:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    return len(pids)


#: Seconds the interpreter's exit waits for abandoned solver threads to end.
EXIT_WAIT = 120.0


def _join_abandoned_at_exit() -> None:
    """At interpreter exit, let abandoned solver threads end first (they were asked to
    stop and do at the solver's next check): a solver still running while the
    interpreter and the C++ runtime shut down aborts the process. One that outlives
    :data:`EXIT_WAIT` makes the process leave at once (exit code 1)."""
    end = time.perf_counter() + EXIT_WAIT
    for th in list(_ABANDONED):
        th.join(max(0.0, end - time.perf_counter()))
    if abandoned_solves():
        import os
        import sys

        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.write(
                "warning: a solver ignored its stop request; leaving without cleanup\n"
            )
            sys.stderr.flush()
        os._exit(1)


def _abandon(th: threading.Thread) -> None:
    if not _ABANDONED:
        import atexit

        atexit.register(_join_abandoned_at_exit)
    _ABANDONED.append(th)


def abandoned_solves() -> int:
    """Solver threads abandoned (asked to stop, not returned yet) that are still running."""
    _ABANDONED[:] = [t for t in _ABANDONED if t.is_alive()]
    return len(_ABANDONED)


@dataclass
class Outcome:
    """What :func:`run_blocking` got: the call's value (``None`` if abandoned), whether
    the call returned, and why it was asked to stop (``None``, ``"time_limit"`` or
    ``"interrupted"``)."""

    value: Any
    finished: bool
    stopped: str | None


def run_blocking(
    fn: Callable[[], Any],
    *,
    cancel: Callable[[], None] | None = None,
    time_limit: float | None = None,
    grace: float = CANCEL_GRACE,
    poll: float = 0.05,
) -> Outcome:
    """Run a blocking solver call so that its time limit and Ctrl-C are honoured.

    ``fn`` runs in a background thread (solvers release the GIL) while the calling
    thread watches: once Ctrl-C / SIGTERM / :func:`request_stop` arrives, or
    ``time_limit`` + :data:`TIME_GRACE` seconds have passed, ``cancel()`` asks the
    solver to stop; a solver that has not returned ``grace`` seconds later is
    abandoned (it finishes in the background) and the outcome says so, so the caller
    returns the best incumbent it knows. Exceptions of ``fn`` propagate; an exception
    raised into the waiting thread (a second Ctrl-C, :class:`OutOfTime`) stops the
    solver and propagates too.
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc
        finally:
            done.set()

    t0 = time.perf_counter()
    hard = None if time_limit is None else t0 + time_limit + TIME_GRACE
    logger.info("solver running (time limit %s s)", "none" if time_limit is None else time_limit)
    th = threading.Thread(target=target, name="placement-solver", daemon=True)
    stopped: str | None = None
    asked: float | None = None
    me = threading.get_ident()
    _SOLVING[me] = _SOLVING.get(me, 0) + 1
    with cooperative():
        th.start()
        try:
            while not done.wait(poll):
                now = time.perf_counter()
                if asked is None:
                    if _STOP.is_set():
                        stopped = "interrupted"
                    elif hard is not None and now >= hard:
                        stopped = "time_limit"
                    if stopped is not None:
                        asked = now
                        if cancel is not None:
                            with contextlib.suppress(Exception):
                                cancel()
                elif now - asked >= grace:
                    _abandon(th)
                    return Outcome(None, False, stopped)
        except BaseException:  # a second Ctrl-C, a time guard: stop the solver, leave it
            if not done.is_set():
                if cancel is not None:
                    with contextlib.suppress(Exception):
                        cancel()
                _abandon(th)
            raise
        finally:
            _SOLVING[me] -= 1
            if not _SOLVING[me]:
                del _SOLVING[me]
            _SOLVED.add(me)
    if "error" in box:
        raise box["error"]
    if stopped is None and _STOP.is_set():
        stopped = "interrupted"
    return Outcome(box.get("value"), True, stopped)


@contextlib.contextmanager
def time_guard(deadline: Deadline | None) -> Iterator[None]:
    """Raise :class:`OutOfTime` in this thread when ``deadline`` passes during the block
    (and ``KeyboardInterrupt`` on a stop request when this is not the main thread, whose
    signal handler raises it itself).

    For Python phases that take no time limit (building a Pyomo model, loading it into
    a solver): the exception is delivered at the thread's next Python instruction, so
    a long call into compiled code finishes first. While the thread waits in
    :func:`run_blocking` nothing is raised (the solver is stopped there in order, with
    its incumbent), nor after a solver returned (its result is read back within the
    budget's reserve); a guard inside a guarded block does nothing.
    """
    limited = deadline is not None and deadline.limited
    nested = getattr(_LOCAL, "guarded", 0) > 0
    if nested or (not limited and threading.current_thread() is threading.main_thread()):
        yield  # an outer guard of this thread already watches
        return
    tid = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False, "fired": False}
    main = threading.current_thread() is threading.main_thread()

    def fire(exc: type[BaseException]) -> None:
        with lock:
            if state["done"] or state["fired"]:
                return
            state["fired"] = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid), ctypes.py_object(exc))

    def watch() -> None:
        while not state["done"]:
            # a thread waiting on a solver is left to run_blocking's orderly stop
            if not _SOLVING.get(tid) and tid not in _SOLVED:
                if limited and deadline.expired():  # type: ignore[union-attr]
                    fire(OutOfTime)
                    return
                if not main and _STOP.is_set():
                    fire(KeyboardInterrupt)
                    return
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, name="placement-time-guard", daemon=True)
    _LOCAL.guarded = 1
    _SOLVED.discard(tid)
    watcher.start()
    try:
        yield
    finally:
        _LOCAL.guarded = 0
        _SOLVED.discard(tid)
        with lock:
            state["done"] = True
            fired = state["fired"]
        if fired:  # not delivered yet: drop it, the block is over
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid), None)
