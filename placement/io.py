"""Reading instances of any problem and reading / writing solution files, dispatched on
the problem through the registry."""

from __future__ import annotations

import os
from typing import Any

from placement._io import load_json
from placement.errors import InputError
from placement.registry import PROBLEMS, load, problem_of
from placement.registry import read as read_any

__all__ = ["read_any", "read_solution", "solution_dict", "write_solution"]


def solution_dict(instance: Any, result: Any) -> dict[str, Any]:
    """The solution-file object of ``result`` (any problem)."""
    mod = PROBLEMS[problem_of(instance)].write_solution.partition(":")[0]
    return load(f"{mod}:solution_to_dict")(instance, result)


def write_solution(
    instance: Any, result: Any, path: str | os.PathLike[str], *, timings: bool = True
) -> None:
    """Write the solution file of ``result`` (any problem) atomically; ``timings=False``
    leaves out every measured time (byte-identical files for the same seed)."""
    load(PROBLEMS[problem_of(instance)].write_solution)(instance, result, path, timings=timings)


def read_solution(path: str | os.PathLike[str], instance: Any = None) -> tuple[Any, dict[str, Any]]:
    """Read a solution file of any problem: its solution object and the parsed file.

    With ``instance`` the solution must be one of that instance's problem (and, for
    offloading, fit it); without, the problem follows the file's ``format``.
    """
    if instance is not None:
        problem = problem_of(instance)
    else:
        d = load_json(path, "solution")
        fmt = d.get("format") if isinstance(d, dict) else None
        problem = next((p for p in PROBLEMS if fmt == f"placement/{p}-solution"), None)
        if problem is None:
            raise InputError(f"unknown solution format {fmt!r}", path=str(path), field="format")
    reader = load(PROBLEMS[problem].read_solution)
    return reader(path, instance) if problem == "offloading" else reader(path)
