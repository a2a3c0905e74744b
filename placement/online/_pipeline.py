"""The pipeline backend of :class:`~placement.online.controller.Controller` — a STUB.

What works already: the event-file rules of pipeline instances (ids are request
names, nodes are node names, links ``(u, v)`` may fail) and the columns of the replay
log, so pipeline event files can be generated and checked.

What does not, yet: driving a state. Online pipeline placement needs the incremental
pipeline heuristic (a ``PipelineState`` that places, removes and re-places requests and
reacts to node and link failures); until it is wired in here, building a controller for
a pipeline instance raises :class:`~placement.errors.InputError` saying so. The methods
the controller calls are those of :class:`~placement.online.controller.Backend`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from placement.errors import InputError
from placement.online.controller import EventRules

#: Where the incremental pipeline state may live (first found wins).
STATE_CANDIDATES = (
    "placement.heuristics.pipeline.state:PipelineState",
    "placement.heuristics.pipeline.greedy:PipelineState",
)


def find_state() -> Any:
    """The ``PipelineState`` class of the pipeline heuristics, or ``None``."""
    for target in STATE_CANDIDATES:
        mod, _, attr = target.partition(":")
        try:
            return getattr(importlib.import_module(mod), attr)
        except (ImportError, AttributeError):
            continue
    return None


class PipelineBackend:
    """Online pipeline placement (stub: see the module docstring)."""

    problem = "pipeline"
    id_key = "request"

    def __init__(
        self,
        instance: Any,
        method: str | None,
        params: dict[str, Any],
        *,
        seed: int,
        migration: str,
        improver: Callable[..., Any] | None,
        improver_params: Callable[[float | None], Any] | None = None,
    ) -> None:
        if find_state() is None:
            raise InputError(
                "online pipeline placement needs the incremental pipeline heuristic "
                "(PipelineState), which this installation does not have yet",
                field="instance",
            )
        raise InputError(
            "online pipeline placement is not wired to PipelineState yet", field="instance"
        )

    @staticmethod
    def rules(instance: Any) -> EventRules:
        """Ids: request names; nodes: node names; links: the substrate's links."""
        return EventRules(
            problem="pipeline",
            id_key="request",
            id_type=str,
            ids=frozenset(r.name for r in instance.requests),
            nodes=frozenset(n.name for n in instance.nodes),
            node_type=str,
            links=frozenset(frozenset((lk.u, lk.v)) for lk in instance.links),
            new_id=None,
        )

    @staticmethod
    def log_columns() -> tuple[str, ...]:
        """Pipeline columns of the replay log (the problem's objectives)."""
        return ("cores", "hops", "delay", "energy", "priority")

    @staticmethod
    def log_values(evaluation: Any) -> dict[str, Any]:
        """The pipeline columns from the evaluator's verdict."""
        obj: Mapping[str, float] = evaluation.objectives
        return {k: obj.get(k) for k in ("cores", "hops", "delay", "energy", "priority")}
