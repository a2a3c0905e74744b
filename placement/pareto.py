"""``placement.pareto()``: the front of any instance over two objectives."""

from __future__ import annotations

from typing import Any

from placement.front import ParetoFront
from placement.registry import PROBLEMS, load, problem_of
from placement.stop import handle_interrupts


def pareto(instance: Any, x: str | None = None, y: str | None = None, **kwargs: Any) -> ParetoFront:
    """ε-constraint sweep of the front of ``instance`` over objectives ``x`` and ``y``.

    Dispatches on the problem: offloading instances (default axes energy / latency,
    :func:`placement.offloading.pareto.pareto_offloading`) and pipeline instances
    (default axes cores / hops, :func:`placement.pipeline.pareto.pareto_pipeline`).
    Keyword arguments go to the problem's sweep. Ctrl-C stops the sweep (running
    solves stop, workers end) and raises ``KeyboardInterrupt``: a front cut short is
    not returned.
    """
    spec = PROBLEMS[problem_of(instance)]
    dx, dy = spec.front_axes
    with handle_interrupts():
        return load(spec.pareto)(instance, x=x or dx, y=y or dy, **kwargs)
