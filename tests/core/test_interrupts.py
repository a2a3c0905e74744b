"""Ctrl-C and SIGTERM, sent to a real ``placement`` process (or its process group) while
a solver runs: exit 130 within seconds, one ``error:`` line, the incumbent written
(status feasible, termination interrupted) and never a partial file, no worker left
behind. Sweeps run from a plain script without a ``__main__`` guard."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import placement
from placement import testing

#: Seconds from the signal to the exit (target 2 s; slack for a loaded test machine).
EXIT_BOUND = 6.0

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture(scope="module")
def ac0(tmp_path_factory):
    """A-C0 with 2000 devices: its MILP runs for several seconds (root LP, heuristics)."""
    p = tmp_path_factory.mktemp("irq") / "ac0.json"
    placement.write_instance(placement.generate("A-C0", devices=2000, seed=5), p)
    return p


def _session_procs(sid: int) -> list[int]:
    """Live processes of session ``sid`` (children left behind have no other home)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append(int(d.name))
    return out


def _interrupt(argv, sig, *, group=False, after=0.5, marker="solver running", timeout=240):
    """Run ``placement -v *argv`` in its own session, send ``sig`` ``after`` seconds after
    ``marker`` appears on stderr; return (exit code, seconds to exit, error lines, stdout)."""
    p = subprocess.Popen(
        [sys.executable, "-m", "placement", "-v", *map(str, argv)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    seen = threading.Event()

    def reader():
        for line in p.stderr:
            lines.append(line.rstrip("\n"))
            if marker in line:
                seen.set()

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    try:
        assert seen.wait(timeout), f"no {marker!r} on stderr: {lines[-5:]}"
        time.sleep(after)
        assert p.poll() is None, "finished before the signal"
        t = time.perf_counter()
        if group:
            os.killpg(p.pid, sig)
        else:
            p.send_signal(sig)
        p.wait(60)
        dt = time.perf_counter() - t
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    th.join(5)
    out = p.stdout.read()
    time.sleep(0.3)
    assert _session_procs(p.pid) == [], "orphaned processes"
    errors = [x for x in lines if x.strip() and not x.startswith(("INFO ", "DEBUG "))]
    return p.returncode, dt, errors, out


def test_sigint_milp_writes_incumbent(ac0, tmp_path):
    """Ctrl-C during a MILP solve: exit 130 fast, one line, the incumbent written as feasible/interrupted."""
    out = tmp_path / "s.json"
    code, dt, err, _ = _interrupt(
        ["solve", ac0, "--method", "milp", "--time-limit", "300", "-o", out], signal.SIGINT
    )
    assert code == 130 and dt < EXIT_BOUND
    assert len(err) == 1 and err[0].startswith("error: interrupted (SIGINT); wrote the incumbent")
    d = json.loads(out.read_text())
    assert (d["status"], d["termination"]) == ("feasible", "interrupted")
    inst = placement.read_instance(ac0)
    a, _ = placement.read_solution(out, inst)
    testing.assert_offloading_feasible(inst, a)
    assert d["objective"] <= d["statistics"]["warm_start_objective"] + 1e-6
    assert sorted(x.name for x in tmp_path.iterdir()) == ["s.json"]  # no temporary left


def test_sigterm_to_group_stops_thread_sweep(ac0, tmp_path):
    """SIGTERM to the process group during a threaded front: exit 130, no CSV, no worker left."""
    csv = tmp_path / "f.csv"
    code, dt, err, _ = _interrupt(
        ["pareto", ac0, "--points", "4", "--workers", "2", "--csv", csv, "--no-progress"],
        signal.SIGTERM,
        group=True,
    )
    assert code == 130 and dt < EXIT_BOUND
    assert err == ["error: interrupted (SIGTERM)"]
    assert not csv.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("group", [False, True])
def test_sigint_process_sweep_leaves_no_workers(ac0, tmp_path, group):
    """Ctrl-C to the parent only, or to the group, of a front on process workers: exit 130, workers ended."""
    code, dt, err, _ = _interrupt(
        [
            "pareto",
            ac0,
            "--points",
            "4",
            "--workers",
            "2",
            "--executor",
            "process",
            "--no-progress",
        ],
        signal.SIGINT,
        group=group,
        after=4.0,
    )
    assert code == 130 and dt < EXIT_BOUND and err == ["error: interrupted (SIGINT)"]


@pytest.mark.slow
@pytest.mark.parametrize("method", ["cpsat", "mt-milp", "2pmt-milp", "lp-bound"])
def test_sigint_other_offloading_methods(ac0, tmp_path, method):
    """Ctrl-C stops CP-SAT, the partitioned MILPs and the LP bound: exit 130, one line."""
    out = tmp_path / "s.json"
    code, dt, err, _ = _interrupt(
        ["solve", ac0, "--method", method, "--time-limit", "300", "-o", out], signal.SIGINT
    )
    assert code == 130 and dt < EXIT_BOUND and len(err) == 1 and err[0].startswith("error:")
    if out.exists():  # written only with an incumbent, and then whole
        d = json.loads(out.read_text())
        assert d["termination"] == "interrupted" and d["status"] in ("feasible", "heuristic")


@pytest.fixture(scope="module")
def big_pipeline(tmp_path_factory):
    """A generated pipeline instance whose model takes seconds to build and solve."""
    from placement.pipeline.generate import generate_pipeline
    from placement.pipeline.io import write_pipeline

    p = tmp_path_factory.mktemp("irq") / "pipe.json"
    write_pipeline(generate_pipeline("mixed", 120, 60, seed=3), p)
    return p


@pytest.mark.slow
@pytest.mark.parametrize(("marker", "after"), [("solver running", 1.0), ("built", 0.2)])
def test_sigint_pipeline_solve(big_pipeline, tmp_path, marker, after):
    """Ctrl-C while the pipeline model builds or solves: exit 130, one line, no Pyomo error."""
    code, dt, err, _ = _interrupt(
        ["solve", big_pipeline, "--time-limit", "300", "-o", tmp_path / "p.json"],
        signal.SIGINT,
        marker=marker,
        after=after,
    )
    assert code == 130 and dt < EXIT_BOUND and len(err) == 1 and err[0].startswith("error:")


@pytest.mark.slow
def test_sigint_pipeline_front(tmp_path):
    """Ctrl-C during a pipeline front: exit 130, no CSV."""
    msgp2 = Path(__file__).resolve().parents[2] / "instances" / "pipeline" / "msgp2"
    csv = tmp_path / "f.csv"
    code, dt, err, _ = _interrupt(
        ["pareto", msgp2, "--csv", csv, "--no-progress"], signal.SIGINT, after=1.0
    )
    assert code == 130 and dt < EXIT_BOUND and err == ["error: interrupted (SIGINT)"]
    assert not csv.exists()


SCRIPT = """
import placement
inst = placement.generate("C", devices=60, seed=1)
front = placement.pareto(inst, points=3, workers=2, executor={executor!r}, progress=False)
res = placement.solve(inst, method="mt-milp", threads=2, executor={executor!r})
print("points", len(front.points), res.status)
"""


@pytest.mark.parametrize("executor", ["thread", "process"])
def test_sweeps_from_a_plain_script(tmp_path, executor):
    """A script without an `if __name__ == "__main__"` guard runs its sweeps once, no hang."""
    script = tmp_path / "plain.py"
    script.write_text(textwrap.dedent(SCRIPT.format(executor=executor)))
    p = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.count("points") == 1 and p.stdout.startswith("points ")
