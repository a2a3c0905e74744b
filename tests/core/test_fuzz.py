"""Mutation fuzzing of every input format through the CLI: exit 0 or 2 only, at most
one line on stderr (exactly one ``error:`` line on exit 2), within a time bound.

The seeded mutator (``tests/mutate.py``) damages the bundled files of every format —
offloading and pipeline JSON, both solution files, VNFCP folders, GAP, GraphML, GML —
and runs the command that reads them. A few hundred cases run in the default suite
(in process, plus a sample as real subprocesses); thousands under ``-m slow``.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
import time

import mutate
import pytest

from placement.cli import main

#: Seconds one case may take (generous: a loaded 2-core machine; hangs are far longer).
TIME_BOUND = 60.0


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """The bundled inputs and the commands that read them."""
    return mutate.sources(tmp_path_factory.mktemp("fuzz-src"))


def _check(case, code, err, dt):
    lines = [line for line in err.splitlines() if line.strip()]
    where = f"seed {case.seed}: {' '.join(case.argv)}"
    assert code in (0, 2), f"{where}: exit {code}: {lines[:3]}"
    assert len(lines) <= 1, f"{where}: {lines[:4]}"
    if code == 2:
        assert lines and lines[0].startswith("error: "), f"{where}: {lines}"
    assert dt < TIME_BOUND, f"{where}: {dt:.1f} s"


def _run_in_process(sources, seeds, work, big):
    for seed in seeds:
        case = mutate.make_case(sources[seed % len(sources)], seed, work, big=big)
        out, err = io.StringIO(), io.StringIO()
        t = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(case.argv))
        _check(case, code, err.getvalue(), time.perf_counter() - t)
        shutil.rmtree(work / f"case{seed}", ignore_errors=True)


def test_fuzz_cli_in_process(sources, tmp_path):
    """240 mutated inputs of every format: exit 0 or 2, one line, in bounded time."""
    _run_in_process(sources, range(240), tmp_path, big=30_000)


def test_fuzz_cli_subprocess_sample(sources, tmp_path):
    """A sample of cases as real processes: nothing else reaches stderr (logging, warnings)."""
    for seed in (3, 11, 40):
        case = mutate.make_case(sources[seed % len(sources)], seed, tmp_path, big=30_000)
        t = time.perf_counter()
        p = subprocess.run(
            [sys.executable, "-m", "placement", *case.argv],
            capture_output=True,
            text=True,
            timeout=TIME_BOUND * 2,
        )
        _check(case, p.returncode, p.stderr, time.perf_counter() - t)


@pytest.mark.slow
def test_fuzz_cli_many(sources, tmp_path):
    """6000 mutated inputs, lists and files up to 300,000 entries."""
    _run_in_process(sources, range(1000, 7000), tmp_path, big=300_000)
