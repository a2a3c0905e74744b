"""Output safety: an output never replaces an input, a directory, a device or a symlink
with a file; a missing folder, an empty name or a wrong plot format is exit 2 with one
line naming it; instances are replaced only with --force; solution files can be
compared byte for byte."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from placement._io import atomic_write_text, check_output, without_timings
from placement.cli import main
from placement.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny.json"
PIPE_TINY = ROOT / "tests" / "data" / "pipeline" / "tiny.json"
MSGP2 = ROOT / "instances" / "pipeline" / "msgp2"


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, [line for line in err.splitlines() if line.strip()]


@pytest.fixture
def inst(tmp_path):
    p = tmp_path / "in.json"
    shutil.copy(TINY, p)
    return p


def _solve(capsys, inst, out):
    return _run(capsys, "solve", inst, "--method", "local", "--quiet", "-o", out)


def test_output_onto_input_refused(capsys, inst):
    """-o naming the input file is exit 2 and the instance is untouched."""
    before = inst.read_bytes()
    code, _, err = _solve(capsys, inst, inst)
    assert code == 2 and len(err) == 1 and "overwrite an input file" in err[0]
    assert inst.read_bytes() == before


def test_output_through_symlink_onto_input_refused(capsys, inst, tmp_path):
    """A symlink resolving to the input counts as the input."""
    link = tmp_path / "link.json"
    link.symlink_to(inst)
    code, _, err = _solve(capsys, inst, link)
    assert code == 2 and "overwrite an input file" in err[0]
    assert link.is_symlink() and json.loads(inst.read_text())["format"] == "placement/offloading"


def test_output_into_vnfcp_folder_file_refused(capsys, tmp_path):
    """An output onto a file of an input folder (VNFCP) is refused."""
    d = tmp_path / "msgp2"
    shutil.copytree(MSGP2, d)
    code, _, err = _run(capsys, "read", d, "-o", d / "topology", "--force")
    assert code == 2 and "overwrite an input file" in err[0]


@pytest.mark.parametrize(
    ("target", "rule"),
    [
        ("", "empty output file name"),
        ("DIR", "is a directory"),
        ("/dev/null", "not a regular file"),
        ("missing/s.json", "the folder"),
    ],
)
def test_bad_outputs_exit_2_naming_them(capsys, inst, tmp_path, target, rule):
    """Empty names, directories, devices and missing folders are exit 2, one line, nothing written."""
    if target == "DIR":
        target = str(tmp_path)
    elif target.startswith("missing"):
        target = str(tmp_path / target)
    if target == "/dev/null" and not os.path.exists(target):
        pytest.skip("no /dev/null")
    code, out, err = _solve(capsys, inst, target)
    assert code == 2 and len(err) == 1 and rule in err[0]
    assert "missing" not in target or str(tmp_path / "missing") in err[0]
    assert not (tmp_path / "missing").exists()
    assert out == ""  # refused before the solve ran


def test_symlink_output_replaces_its_target(capsys, inst, tmp_path):
    """An output symlink to a regular file keeps the link; the file it points to gets the result."""
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    code, _, _ = _solve(capsys, inst, link)
    assert code == 0 and link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["format"] == "placement/offloading-solution"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "link.json", "real.json"]


def test_dangling_symlink_output_refused(capsys, inst, tmp_path):
    """A symlink to a missing file is refused (it would create a file elsewhere)."""
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "nowhere" / "x.json")
    code, _, err = _solve(capsys, inst, link)
    assert code == 2 and "symlink to a missing file" in err[0]


def test_generate_and_read_need_force_to_replace(capsys, tmp_path):
    """Instance outputs (generate, read) replace an existing file only with --force."""
    out = tmp_path / "g.json"
    out.write_text("keep")
    args = ("generate", "offloading", "--config", "C", "--devices", "5", "-o", out)
    code, _, err = _run(capsys, *args)
    assert code == 2 and "--force" in err[0] and out.read_text() == "keep"
    code, _, _ = _run(capsys, *args, "--force")
    assert code == 0 and json.loads(out.read_text())["format"] == "placement/offloading"
    conv = tmp_path / "p.json"
    conv.write_text("keep")
    code, _, err = _run(capsys, "read", PIPE_TINY, "-o", conv)
    assert code == 2 and conv.read_text() == "keep"
    assert _run(capsys, "read", PIPE_TINY, "-o", conv, "--force")[0] == 0


def test_results_are_replaced_without_force(capsys, inst, tmp_path):
    """solve -o replaces an earlier result file (re-running is meant to)."""
    out = tmp_path / "s.json"
    out.write_text("old")
    assert _solve(capsys, inst, out)[0] == 0
    assert json.loads(out.read_text())["method"] == "local"


@pytest.mark.parametrize("ext", ["png", "svg", "pdf"])
def test_plot_follows_extension(capsys, inst, tmp_path, ext):
    """--plot writes the format its extension names."""
    out = tmp_path / f"f.{ext}"
    code, _, _ = _run(capsys, "pareto", inst, "--points", "2", "--no-progress", "--plot", out)
    assert code == 0
    head = out.read_bytes()[:8]
    assert {
        "png": head.startswith(b"\x89PNG"),
        "pdf": head.startswith(b"%PDF"),
        "svg": b"<?xml" in head,
    }[ext]


def test_plot_other_extension_refused_before_the_sweep(capsys, inst, tmp_path):
    """--plot f.jpg is exit 2 before any point is solved; --csv and --plot may not coincide."""
    code, out, err = _run(capsys, "pareto", inst, "--plot", tmp_path / "f.jpg")
    assert code == 2 and ".jpg" in err[0] and ".png" in err[0] and out == ""
    same = tmp_path / "f.png"
    code, _, err = _run(capsys, "pareto", inst, "--plot", same, "--csv", same)
    assert code == 2 and "same file" in err[0]


def test_check_output_unit(tmp_path):
    """check_output returns the file that will be written and refuses the rest."""
    p = tmp_path / "a.txt"
    assert check_output(p) == p
    p.write_text("x")
    with pytest.raises(InputError, match="exists; pass --force"):
        check_output(p, force=False)
    with pytest.raises(InputError, match="would overwrite an input"):
        check_output(p, inputs=[p])
    with pytest.raises(InputError, match="not supported"):
        check_output(tmp_path / "b.gif", suffixes=(".png",))
    with pytest.raises(InputError, match="is a directory"):
        atomic_write_text(tmp_path, "x")


def test_without_timings_keeps_parameters():
    """Only measured times are dropped: time_limit and lifetime_s stay."""
    d = {
        "runtime_s": 1.0,
        "params": {"time_limit": 5},
        "statistics": {"slices": [{"time_s": 2, "n": 1}]},
    }
    assert without_timings(d) == {"params": {"time_limit": 5}, "statistics": {"slices": [{"n": 1}]}}


@pytest.mark.parametrize(
    ("path", "method"),
    [(TINY, "nimbus"), (TINY, "milp"), (TINY, "mt-milp"), (PIPE_TINY, "milp")],
)
def test_no_timings_files_are_byte_identical(capsys, tmp_path, path, method):
    """Two runs with the same seed and --no-timings write identical solution files."""
    outs = []
    for k in range(2):
        out = tmp_path / f"s{k}.json"
        code, _, _ = _run(
            capsys,
            "solve",
            path,
            "--method",
            method,
            "--seed",
            "3",
            "--quiet",
            "--no-timings",
            "-o",
            out,
        )
        assert code == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert b"runtime_s" not in outs[0] and b"solve_time_s" not in outs[0]
