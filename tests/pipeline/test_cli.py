"""The pipeline command line: subcommands, outputs and exit codes."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from placement.cli import main
from placement.pipeline.io import detect_format

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "instances" / "pipeline"
DATA = ROOT / "tests" / "data" / "pipeline"


def test_detect_format_routes(tmp_path):
    """detect_format recognises every pipeline format and rejects the rest."""
    assert detect_format(str(BUNDLE / "msgp2")) == "vnfcp"
    assert detect_format(str(BUNDLE / "gap" / "gap1-0")) == "gap"
    assert detect_format(str(DATA / "tiny.json")) == "pipeline"
    assert detect_format(str(BUNDLE / "zoo" / "Abilene.graphml")) == "graphml"
    assert detect_format(str(tmp_path / "nope.json")) is None
    assert detect_format(None) is None


def test_cli_solve_writes_solution(tmp_path, capsys):
    """solve with an ε bound writes objective, status, bound and every objective."""
    out = tmp_path / "s.json"
    rc = main(
        [
            "solve",
            str(BUNDLE / "eval-topo"),
            "--objective",
            "hops",
            "--bound",
            "cores<=8",
            "-o",
            str(out),
        ]
    )
    assert rc == 0
    d = json.loads(out.read_text())
    assert d["status"] == "optimal" and d["objective"] == 74.0 and d["bound"] == 74.0
    assert d["objectives"]["cores"] == 8.0 and d["objectives"]["hops"] == 74.0
    assert d["bounds"] == {"cores": 8.0}
    assert "status" in capsys.readouterr().out
    assert main(["evaluate", str(BUNDLE / "eval-topo"), str(out), "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert ev["feasible"] and ev["objectives"]["hops"] == 74.0


def test_cli_pareto_csv(tmp_path, capsys):
    """pareto writes one CSV row per point with columns named as the objectives."""
    f = tmp_path / "f.csv"
    png = tmp_path / "f.png"
    rc = main(
        [
            "pareto",
            str(BUNDLE / "eval-topo"),
            "--x",
            "cores",
            "--y",
            "hops",
            "--csv",
            str(f),
            "--plot",
            str(png),
            "--no-progress",
        ]
    )
    assert rc == 0
    rows = list(csv.DictReader(f.open()))
    assert [(float(r["cores"]), float(r["hops"])) for r in rows] == [(4, 94), (8, 74), (12, 70)]
    assert png.stat().st_size > 1000
    assert "3 points" in capsys.readouterr().out


def test_cli_gap_and_format_flag(tmp_path):
    """A GAP file solves at its optimum through the CLI, with or without --format."""
    out = tmp_path / "g.json"
    assert main(["solve", str(BUNDLE / "gap" / "gap1-0"), "--format", "gap", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["objective"] == 261.0


def test_cli_read_info_generate(tmp_path, capsys):
    """read converts to JSON, info summarises, generate writes a seeded instance."""
    conv = tmp_path / "m.json"
    assert main(["read", str(BUNDLE / "msgp2"), "-o", str(conv)]) == 0
    assert json.loads(conv.read_text())["format"] == "placement/pipeline"
    assert main(["info", str(conv)]) == 0
    assert "65" in capsys.readouterr().out
    g1, g2 = tmp_path / "a.json", tmp_path / "b.json"
    for g in (g1, g2):
        assert (
            main(
                [
                    "generate",
                    "pipeline",
                    "--use-case",
                    "car-crash",
                    "--nodes",
                    "20",
                    "--requests",
                    "3",
                    "--seed",
                    "5",
                    "-o",
                    str(g),
                ]
            )
            == 0
        )
    assert g1.read_text() == g2.read_text()
    assert json.loads(g1.read_text())["meta"]["recipe"]["seed"] == 5


@pytest.mark.parametrize(
    "argv",
    [
        ["solve", str(DATA / "broken" / "cycle.json"), "--format", "pipeline"],
        ["solve", str(BUNDLE / "eval-topo"), "--bound", "cores<x"],
        ["solve", str(BUNDLE / "eval-topo"), "--objective", "latency"],
        ["pareto", str(BUNDLE / "eval-topo"), "--x", "cores", "--y", "cores"],
        ["solve", "/nonexistent/path"],
        ["solve"],
        ["frobnicate", "x"],
    ],
)
def test_cli_bad_input_exit_2(argv, capsys):
    """Bad input or usage exits 2 with 'error: ...' on stderr and no traceback."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err


def test_cli_subprocess():
    """python -m placement works on pipeline files with meaningful exit codes."""
    ok = subprocess.run(
        [sys.executable, "-m", "placement", "info", str(BUNDLE / "gap" / "gap5-0")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0 and "gap5-0" in ok.stdout
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "placement",
            "solve",
            str(DATA / "broken" / "self_loop.json"),
            "--format",
            "pipeline",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "self-loop" in bad.stderr and "Traceback" not in bad.stderr
