"""The command line and API a new user meets first: summaries, one-line errors, help per
problem, instance hashes, front files and plots, what-if copies of an instance."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import placement
from placement.pipeline import read_pipeline
from placement.testing import assert_offloading_feasible

DATA = Path(__file__).resolve().parents[1] / "data"
TINY = DATA / "tiny.json"
PTINY = DATA / "pipeline" / "tiny.json"


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "placement", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def _no_runtime(line: str) -> str:
    return re.sub(r"runtime=\S+ m?s", "runtime=<t>", line)


def test_version():
    """`placement --version` prints the package version."""
    p = run("--version")
    assert p.returncode == 0 and p.stdout.strip() == f"placement {placement.__version__}"


@pytest.mark.parametrize(
    ("path", "argv", "golden"),
    [
        (
            TINY,
            ["--method", "cloud"],
            "offloading cloud: status=heuristic latency=269.2 ms bound=- gap=- runtime=<t>",
        ),
        (
            PTINY,
            [],
            "pipeline milp: status=optimal cores=2.5 cores bound=2.5 cores gap=0.000% runtime=<t>",
        ),
    ],
)
def test_golden_summary_and_quiet(path, argv, golden):
    """The summary names problem, method, status, the optimised objective with its unit,
    bound and gap; --quiet prints exactly that line."""
    full = run("solve", path, *argv)
    assert full.returncode == 0, full.stderr
    lines = full.stdout.splitlines()
    assert _no_runtime(lines[0]) == golden
    assert len(lines) > 3 and "violations" in full.stdout
    quiet = run("solve", path, *argv, "--quiet")
    assert [_no_runtime(s) for s in quiet.stdout.splitlines()] == [golden]


def test_json_prints_the_result():
    """`solve --json` prints the solution object: objective name, value, bound, assignment."""
    p = run("solve", TINY, "--method", "milp", "--objective", "energy", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["objective_name"] == "energy" and d["status"] == "optimal"
    assert d["objective"] == pytest.approx(d["metrics"]["total_energy_mj"])
    assert d["bound"] == pytest.approx(d["objective"]) and len(d["assignment"]["kind"]) == 5


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["solve", TINY, "--method", "nimbsu"], "unknown method 'nimbsu'"),
        (["solve", TINY, "--time-limit", "-5"], "time_limit"),
        (["solve", TINY, "--method", "mt", "--threads", "0"], "threads"),
        (["solve", TINY, "--method", "milp", "--solver", "foo"], "solver 'foo'"),
        (["solve", PTINY, "--method", "nimbus"], "its methods are milp"),
        (["solve", TINY, "--kappa", "many"], "expected an integer"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_argument_errors_are_one_line(argv, needle):
    """Argument mistakes give exit 2 and one line on stderr (no usage block, no traceback)."""
    p = run(*argv)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], p.stderr


def test_help_lists_both_problems_and_methods_command():
    """`solve --help` shows offloading and pipeline options in groups; `methods` lists kinds."""
    h = run("solve", "--help").stdout
    assert "offloading method options" in h and "pipeline method options" in h
    assert "--bound" in h and "--formulation" in h and "--kappa" in h
    m = run("methods").stdout
    assert "offloading methods:" in m and "pipeline methods:" in m
    assert re.search(r"milp\s+exact", m) and re.search(r"nimbus\s+heuristic", m)
    only = run("methods", "--problem", "pipeline").stdout
    assert "offloading" not in only


def test_info_json_for_pipelines():
    """`info --json` works for pipeline files."""
    p = run("info", PTINY, "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["requests"] == 1


def test_evaluate_refuses_a_solution_of_another_instance(tmp_path):
    """Solutions carry the instance's hash; evaluate refuses another instance unless --force."""
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    placement.write_instance(placement.generate("C", devices=20, seed=1), a)
    placement.write_instance(placement.generate("C", devices=20, seed=2), b)
    sol = tmp_path / "s.json"
    assert run("solve", a, "--method", "cloud", "-o", sol, "--quiet").returncode == 0
    d = json.loads(sol.read_text())
    assert d["instance_hash"] == placement.read_instance(a).content_hash
    bad = run("evaluate", b, sol)
    assert bad.returncode == 2 and "instance_hash" in bad.stderr and "--force" in bad.stderr
    assert run("evaluate", b, sol, "--force").returncode == 0
    assert run("evaluate", a, sol).returncode == 0


def test_points_give_exactly_n_levels_and_csv_columns(tmp_path):
    """`pareto --points 4` solves 4 ε-levels; the CSV has status, proven and bound."""
    inst = tmp_path / "c.json"
    placement.write_instance(placement.generate("C", devices=40, seed=3), inst)
    out = tmp_path / "f.csv"
    p = run("pareto", inst, "--points", "4", "--csv", out, "--time-limit", "30")
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(out.open()))
    assert 1 <= len(rows) <= 4
    front = placement.pareto(placement.read_instance(inst), points=4, time_limit=30)
    assert len(front.points) + front.statistics["duplicates"] == 4
    assert {"status", "proven", "bound", "energy", "latency"} <= set(rows[0])
    assert all(r["status"] == "optimal" and r["proven"] == "true" for r in rows)


def test_plot_allocation_map_and_format(tmp_path):
    """`plot` draws an allocation map; the format follows the extension or is refused."""
    sol = tmp_path / "s.json"
    assert run("solve", PTINY, "-o", sol, "--quiet").returncode == 0
    png, svg = tmp_path / "m.png", tmp_path / "m.svg"
    assert run("plot", PTINY, sol, "-o", png).returncode == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run("plot", PTINY, sol, "-o", svg).returncode == 0
    assert b"<svg" in svg.read_bytes()[:500]
    bad = run("plot", PTINY, sol, "-o", tmp_path / "m.jpg")
    assert bad.returncode == 2 and "jpg" in bad.stderr
    osol = tmp_path / "o.json"
    assert run("solve", TINY, "--method", "cloud", "-o", osol, "--quiet").returncode == 0
    assert run("plot", TINY, osol, "-o", png).returncode == 0


def test_what_if_copies_and_warm_starts_follow():
    """with_devices / without_devices / with_node_down return validated instances; the
    assignment's matching methods give warm starts the MILP accepts."""
    inst = placement.generate("C", devices=40, seed=5)
    base = placement.solve(inst, method="milp")
    more = inst.with_devices(ap=[0, 1], fps=10.0, local_ms=154.0, local_mj=182.0, device_class="A")
    assert more.n_devices == 42 and more.device_class[-1] == "A"
    r = placement.solve(more, method="milp", warm_start=base.assignment.with_devices(2))
    assert r.statistics["start_accepted"] and r.status == placement.Status.OPTIMAL
    assert_offloading_feasible(more, r.solution)
    less = inst.without_devices([0, 5])
    assert less.n_devices == 38
    assert np.array_equal(less.device_fps, np.delete(inst.device_fps, [0, 5]))
    r = placement.solve(less, method="milp", warm_start=base.assignment.without_devices([0, 5]))
    assert r.status == placement.Status.OPTIMAL
    j = int(base.assignment.target[base.assignment.kind == 1][0])
    down = inst.with_node_down(j)
    r = placement.solve(down, method="milp", warm_start=base.assignment.with_node_down(j))
    assert r.statistics["start_accepted"] and not np.any(
        (r.solution.kind == 1) & (r.solution.target == j)
    )
    assert r.objective >= base.objective - 1e-6
    with pytest.raises(placement.InputError):
        inst.with_node_down(inst.n_nodes)


def test_result_to_frame_rows_per_device_and_request():
    """Result.to_frame has one row per device (offloading) or request (pipeline)."""
    pytest.importorskip("pandas")
    inst = placement.generate("C", devices=30, seed=1)
    df = placement.solve(inst, method="nimbus").to_frame()
    assert len(df) == 30 and {"kind", "latency_ms", "feasible"} <= set(df.columns)
    pipe = placement.solve(read_pipeline(PTINY))
    pdf = pipe.to_frame()
    assert list(pdf["request"]) == [r.name for r in pipe.evaluation.instance.requests]
    assert bool(pdf["admitted"].all())
