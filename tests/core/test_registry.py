"""The registry: every method of both problems with its parameters, one contract."""

from __future__ import annotations

import dataclasses

import pytest

import placement
from placement.cli.args import method_flags
from placement.errors import InputError
from placement.params import Params
from placement.pipeline import read_pipeline
from placement.registry import METHODS, PROBLEMS, method, methods_of, problem_of


def test_every_method_has_a_params_dataclass_and_a_loadable_target():
    """Each entry names a frozen Params dataclass whose defaults validate, and a function."""
    for spec in METHODS:
        cls = spec.params_type()
        assert issubclass(cls, Params) and dataclasses.is_dataclass(cls)
        cls()  # the defaults are valid
        assert callable(spec.load()), spec.name
        assert spec.problem in PROBLEMS and spec.kind in {"baseline", "heuristic", "exact", "bound"}


def test_method_names_are_unique_per_problem():
    """No problem registers a name twice."""
    for p in PROBLEMS:
        names = [m.name for m in METHODS if m.problem == p]
        assert len(names) == len(set(names))


def test_shared_fields_mean_the_same_thing():
    """A parameter name shared by several methods has one type and one help text (one flag)."""
    seen: dict[str, tuple[str, str]] = {}
    for spec in METHODS:
        for f in dataclasses.fields(spec.params_type()):
            if not f.metadata.get("cli"):
                continue
            key = (str(f.type).replace(" | None", ""), f.metadata["help"])
            assert seen.setdefault(f.name, key) == key, (spec.problem, spec.name, f.name)
    assert {"threads", "time_limit", "objective", "split"} <= set(method_flags())


def test_wrong_problem_method_names_the_problem(data_dir):
    """Asking a pipeline instance for an offloading method names the problem and its methods."""
    inst = read_pipeline(data_dir / "pipeline" / "tiny.json")
    assert problem_of(inst) == "pipeline"
    with pytest.raises(InputError, match=r"pipeline instances.*methods are milp") as info:
        placement.solve(inst, method="nimbus")
    assert "offloading" in str(info.value)
    assert method("offloading", "nimbus").problem == "offloading"
    assert set(methods_of("pipeline")) >= {"milp"}


def test_same_result_shape_for_both_problems(data_dir):
    """Both problems return a Result naming the problem, the objective, its sense and unit."""
    off = placement.solve(placement.read_instance(data_dir / "tiny.json"), method="cloud")
    pipe = placement.solve(read_pipeline(data_dir / "pipeline" / "tiny.json"), objective="hops")
    assert (off.problem, off.objective_name, off.sense) == ("offloading", "latency", 1)
    assert (pipe.problem, pipe.objective_name, pipe.sense) == ("pipeline", "hops", 1)
    for r in (off, pipe):
        assert r.objective == r.evaluation.objectives[r.objective_name]
        assert r.metrics["violations"] == 0
