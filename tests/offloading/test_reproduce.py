"""The reproduction driver on its CI-sized plan: every experiment, figure and verdict row."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "benchmarks" / "experiments" / "offloading" / "reproduce.py"


@pytest.fixture(scope="module")
def driver():
    """The driver module, loaded from its file (benchmarks are not a package)."""
    spec = importlib.util.spec_from_file_location("reproduce_driver", DRIVER)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def tiny_run(driver, tmp_path_factory):
    """``reproduce.py --tiny`` into a temporary folder."""
    out = tmp_path_factory.mktemp("repro")
    assert driver.main(["--tiny", "--out", str(out)]) == 0
    with (out / "runs.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    return out, rows


def test_tiny_reproduction_writes_every_figure_and_report(tiny_run):
    """Runs, the report, the verdicts and the seven figures of A, C and D are written."""
    out, _ = tiny_run
    for name in (
        "runs.csv",
        "reproduction.md",
        "verdicts.md",
        "fig6_latency_energy.png",
        "fig7_edge_share.png",
        "fig10_baselines.png",
        "fig11_kappa.png",
        "alpha_beta.png",
        "fig12_mt.png",
        "fig13_2pmt.png",
    ):
        assert (out / name).stat().st_size > 300, name


def test_tiny_reproduction_covers_every_experiment_with_the_milp(tiny_run, driver):
    """A (4 configurations × 2 sizes), C (baselines, κ, α), D (ST, MT, 2PMT at 1, 2, 4
    threads) and the MILP beside them; no Nimbus-family run leaves a violation."""
    _, rows = tiny_run
    a = [r for r in rows if r["experiment"] == "A" and r["label"] == "Nimbus"]
    assert {(r["config"], r["size"]) for r in a} == {
        (c, n) for c in driver.A_CONFIGS for n in ("40", "80")
    }
    labels = {(r["experiment"], r["label"]) for r in rows}
    for exp in ("A", "C", "D"):
        assert (exp, "MILP") in labels
    assert {r["threads"] for r in rows if r["label"] == "2PMT"} == {"1", "2", "4"}
    assert {r["kappa"] for r in rows if r.get("sweep") == "kappa"} == {"1", "10", "0"}
    for r in rows:
        if r["label"] in ("Nimbus", "MT", "2PMT", "ST", "MILP", "Cloud", "Cloud4G"):
            assert r["violations"] == "0", r
    assert ("C", "LS") in labels or not driver.has_ls()


def test_verdicts_cover_every_statement_of_the_paper(tiny_run):
    """One verdict row per statement of the paper, each with a figure and a verdict."""
    out, _ = tiny_run
    lines = (out / "verdicts.md").read_text().splitlines()
    body = [x for x in lines if x.startswith("| ") and x[2].isdigit()]
    assert len(body) == 12
    for line in body:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[4] in ("**reproduced**", "**not reproduced**"), cells
        assert any(ch.isdigit() for ch in cells[3]), cells  # ours carries a figure
    text = (out / "reproduction.md").read_text()
    assert "B — the LRZ day" in text and "Snapshots" in text
    assert "skipped" in text or "devices appear" in text


def test_quality_figures_equal_on_another_executor(driver, tmp_path, tiny_run):
    """Experiment C in threads gives the serial run's counts and latencies (seeded)."""
    _, rows = tiny_run
    assert (
        driver.main(["--tiny", "--only", "C", "--executor", "threads", "--out", str(tmp_path)]) == 0
    )
    with (tmp_path / "runs.csv").open() as fh:
        other = list(csv.DictReader(fh))
    key = ("label", "seed", "edge_feasible", "cloud", "local", "violations", "objective")
    serial = sorted(tuple(r[k] for k in key) for r in rows if r["experiment"] == "C")
    threads = sorted(tuple(r[k] for k in key) for r in other if r["experiment"] == "C")
    assert serial == threads


def test_experiment_b_is_skipped_without_the_controller_and_runs_with_one(driver, tmp_path):
    """Without ``placement.online`` experiment B is skipped with a note; given a controller
    (here: Nimbus re-solved on the active devices) it logs every slot and draws Figs. 8–9."""
    plan = driver.PLANS["tiny"]
    if not driver.has_online():
        assert "placement.online" in driver.experiment_b(plan, tmp_path)["skipped"]
    b = driver.experiment_b(plan, tmp_path, controller_factory=ResolveController)
    assert len(b["rows"]) == 12 and all(r["violations"] == 0 for r in b["rows"])
    assert [r["active"] for r in b["rows"]] == [30] * 12  # the night floor of config B
    assert (tmp_path / "fig8_day.png").exists() and (tmp_path / "fig9_energy_latency.png").exists()


class ResolveController:
    """A stand-in for the online controller: Nimbus solved again on the active devices."""

    def __init__(self, instance):
        self.instance = instance
        self.active: set[int] = set()

    def arrive(self, i):
        assert i not in self.active
        self.active.add(i)

    def depart(self, i):
        self.active.remove(i)

    def result(self):
        import numpy as np

        import placement

        idx = np.array(sorted(self.active), dtype=np.int64)
        inst = self.instance
        sub = inst.replace(
            device_ap=inst.device_ap[idx],
            device_fps=inst.device_fps[idx],
            device_frame_kb=inst.device_frame_kb[idx],
            device_local_ms=inst.device_local_ms[idx],
            device_local_mj=inst.device_local_mj[idx],
            device_lte_mbps=inst.device_lte_mbps[idx],
            device_class=tuple(inst.device_class[k] for k in idx),
        )
        return placement.solve(sub, method="nimbus")


def test_only_reruns_one_experiment_and_keeps_the_others(driver, tmp_path, tiny_run):
    """``--only D`` into a folder with runs.csv replaces the D rows and keeps A, B and C, so the
    verdicts still cover every statement."""
    out, rows = tiny_run
    (tmp_path / "runs.csv").write_bytes((out / "runs.csv").read_bytes())
    assert driver.main(["--tiny", "--only", "D", "--no-plots", "--out", str(tmp_path)]) == 0
    with (tmp_path / "runs.csv").open() as fh:
        merged = list(csv.DictReader(fh))
    count = {k: sum(driver.letter(r) == k for r in merged) for k in "ABCD"}
    before = {k: sum(driver.letter(r) == k for r in rows) for k in "ABCD"}
    assert count == before and min(count.values()) > 0
    lines = (tmp_path / "verdicts.md").read_text().splitlines()
    assert sum(x.startswith("| ") and x[2].isdigit() for x in lines) == 12


def test_reuse_milp_keeps_the_exact_rows(driver, tmp_path, tiny_run):
    """``--only C --reuse-milp`` solves C's heuristics again but keeps its MILP rows."""
    out, rows = tiny_run
    (tmp_path / "runs.csv").write_bytes((out / "runs.csv").read_bytes())
    args = ["--tiny", "--only", "C", "--reuse-milp", "--no-plots", "--out", str(tmp_path)]
    assert driver.main(args) == 0
    with (tmp_path / "runs.csv").open() as fh:
        merged = list(csv.DictReader(fh))
    milp = [r["objective"] for r in rows if r["experiment"] == "C" and r["label"] == "MILP"]
    assert [
        r["objective"] for r in merged if r["experiment"] == "C" and r["label"] == "MILP"
    ] == milp
    assert sum(r["experiment"] == "C" for r in merged) == sum(r["experiment"] == "C" for r in rows)
