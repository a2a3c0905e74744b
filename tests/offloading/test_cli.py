"""The CLI end to end, as a new user runs it; results re-derived from the files alone."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from placement.cli import main


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "placement", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def recompute(inst: dict, sol: dict) -> dict:
    """Independent recomputation of spec §2 from the two JSON files (no package code)."""
    dv, ap, en, cl = inst["devices"], inst["access_points"], inst["edge_nodes"], inst["clouds"]
    n = len(dv["ap"])
    users = list(ap.get("background_users", [0] * len(ap["bandwidth_mbps"])))
    for a in dv["ap"]:
        users[a] += 1
    kind, target = sol["assignment"]["kind"], sol["assignment"]["target"]
    access = sol["assignment"].get("access") or [None] * n
    load = {}
    for k, t in zip(kind, target):
        if k == "edge":
            load[t] = load.get(t, 0) + 1
    lat, viol, e_tot = [], 0, 0.0
    for i in range(n):
        a = dv["ap"][i]
        up = 8 * dv["frame_kb"][i] / (ap["bandwidth_mbps"][a] / users[a])
        if kind[i] == "local":
            L, E, ok = dv["local_ms"][i], dv["local_mj"][i], True
        elif kind[i] == "edge":
            j = target[i]
            q = max(0.0, en["queue_slope_ms"][j] * load[j] + en["queue_intercept_ms"][j])
            net = up + inst["rtt_ms"][a][j]
            L, E = net + en["inference_ms"][j] + q, 1.21 * net
            ok = L <= 1000 / dv["fps"][i] + 1e-9 and E <= dv["local_mj"][i] + 1e-9
        else:
            k = target[i]
            if access[i] == "lte" or (access[i] is None and sol["method"] == "cloud4g"):
                net = 8 * dv["frame_kb"][i] / dv["lte_mbps"][i] + cl["rtt_lte_ms"][a][k]
                w = 2.5
            else:
                net = up + cl["rtt_wifi_ms"][a][k]
                w = 1.21
            L, E = net + cl["inference_ms"][k], w * net
            ok = L <= 1000 / dv["fps"][i] + 1e-9 and E <= dv["local_mj"][i] + 1e-9
        lat.append(L)
        e_tot += E
        viol += not ok
    local_tot = sum(dv["local_mj"])
    return {
        "objective": math.fsum(lat),
        "violations": viol,
        "edge": kind.count("edge"),
        "cloud": kind.count("cloud"),
        "local": kind.count("local"),
        "energy_saving_pct": 100 * (local_tot - e_tot) / local_tot,
        "median": sorted(lat)[n // 2]
        if n % 2
        else 0.5 * (sorted(lat)[n // 2 - 1] + sorted(lat)[n // 2]),
    }


@pytest.mark.parametrize("method", ["cloud", "cloud4g", "local"])
def test_issue_walkthrough(tmp_path, method):
    """generate -> info -> solve -> evaluate --json; every figure re-derived from the files."""
    p = run(
        "generate",
        "offloading",
        "--config",
        "C",
        "--seed",
        "1",
        "--devices",
        "400",
        "-o",
        "c.json",
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr
    p = run("info", "c.json", cwd=tmp_path)
    assert p.returncode == 0 and "T1 100, T2 50, T3 2" in p.stdout and "devices" in p.stdout
    p = run("solve", "c.json", "--method", method, "-o", "s.json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    p = run("evaluate", "c.json", "s.json", "--json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    metrics = json.loads(p.stdout)
    inst = json.loads((tmp_path / "c.json").read_text())
    sol = json.loads((tmp_path / "s.json").read_text())
    ref = recompute(inst, sol)
    assert metrics["objective"] == pytest.approx(ref["objective"], rel=1e-9)
    assert sol["objective"] == pytest.approx(ref["objective"], rel=1e-9)
    for k in ("violations", "edge", "cloud", "local"):
        assert metrics[k] == ref[k]
    assert metrics["energy_saving_pct"] == pytest.approx(ref["energy_saving_pct"], rel=1e-9)
    assert metrics["latency_ms"]["median"] == pytest.approx(ref["median"], rel=1e-9)


def test_info_json(data_dir, capsys):
    """`info --json` prints counts per tier and class."""
    assert main(["info", str(data_dir / "tiny.json"), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["devices"] == 5 and s["edge_nodes_by_tier"] == {"T1": 1, "T2": 1, "T3": 1}


def test_check_lists_backends(capsys):
    """`check` lists MILP backends and methods and exits 0."""
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "MILP backends:" in out and "cloud4g" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["solve"],
        ["solve", "x.json", "--method", "magic"],
        ["generate", "offloading", "--config", "Q", "-o", "x.json"],
        ["generate", "offloading", "--config", "C", "--devices", "-3", "-o", "x.json"],
        ["solve", "x.json", "--time-limit", "0"],
        ["nonsense"],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    """Bad usage exits with code 2 and a message, never a traceback."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error" in err and "Traceback" not in err


def test_missing_instance_exit_2(tmp_path, capsys):
    """A missing instance file exits 2 naming the file."""
    assert main(["solve", str(tmp_path / "none.json"), "--method", "local"]) == 2
    assert "none.json" in capsys.readouterr().err


def test_evaluate_rejects_mismatched_solution(tmp_path, data_dir, capsys):
    """A solution for another instance is rejected with exit 2 naming the field."""
    assert (
        main(
            [
                "generate",
                "offloading",
                "--config",
                "C",
                "--devices",
                "20",
                "-o",
                str(tmp_path / "c.json"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "solve",
                str(tmp_path / "c.json"),
                "--method",
                "cloud",
                "-o",
                str(tmp_path / "s.json"),
                "--quiet",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["evaluate", str(data_dir / "tiny.json"), str(tmp_path / "s.json")]) == 2
    err = capsys.readouterr().err
    assert "s.json" in err and "assignment.kind" in err


def test_unwritable_output_exit_2(tmp_path, data_dir, capsys):
    """An output path that cannot be written is a user error (exit 2), nothing half-written."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert (
        main(
            [
                "solve",
                str(data_dir / "tiny.json"),
                "--method",
                "local",
                "-o",
                str(blocker / "s.json"),
            ]
        )
        == 2
    )
    assert blocker.read_text() == "x"


def test_devices_csv(tmp_path, data_dir):
    """`evaluate --devices-csv` writes one row per device with the evaluator's values."""
    sol = tmp_path / "s.json"
    assert (
        main(["solve", str(data_dir / "tiny.json"), "--method", "cloud", "-o", str(sol), "--quiet"])
        == 0
    )
    out = tmp_path / "d.csv"
    assert main(["evaluate", str(data_dir / "tiny.json"), str(sol), "--devices-csv", str(out)]) == 0
    rows = out.read_text().splitlines()
    assert len(rows) == 6 and rows[0].startswith("device,kind,target,tier")
    # device 0 goes to the Wi-Fi cloud: 2.4 + 30 + 5 = 37.4 ms
    assert rows[1].split(",")[1] == "cloud" and float(rows[1].split(",")[8]) == pytest.approx(37.4)
    assert rows[5].split(",")[1] == "local" and rows[5].split(",")[-1] == "1"


def test_solve_ignores_flags_a_method_does_not_take(tmp_path, data_dir, capsys):
    """Shared CLI flags a method does not take are ignored with a note, not an error."""
    out = tmp_path / "s.json"
    argv = [
        "solve",
        str(data_dir / "tiny.json"),
        "--method",
        "cloud",
        "--threads",
        "2",
        "--kappa",
        "3",
        "-o",
        str(out),
    ]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "ignores --kappa, --threads" in err
    assert json.loads(out.read_text())["params"] == {"bound": None}  # baselines: only --bound
