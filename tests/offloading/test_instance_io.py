"""Instance validation, the broken-file corpus and the write/read round trip."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import placement
from placement.offloading.io import instance_to_dict

BROKEN = json.loads(
    (
        __import__("pathlib").Path(__file__).parents[1] / "data" / "broken" / "EXPECTED.json"
    ).read_text()
)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_raises(data_dir, name):
    """Every broken file raises InputError naming the file, the field and the rule."""
    exp = BROKEN[name]
    with pytest.raises(placement.InputError) as info:
        placement.read_instance(data_dir / "broken" / name)
    msg = str(info.value)
    assert name in msg
    assert exp["rule"] in msg
    if exp["field"] is not None:
        assert f"field '{exp['field']}'" in msg
        assert info.value.field == exp["field"]


def test_broken_corpus_is_large_enough():
    """The corpus holds at least 15 distinct rules."""
    assert len(BROKEN) >= 15


@pytest.mark.parametrize(
    "name",
    ["08-ap-index-out-of-range.json", "25-invalid-json.json", "13-nonmonotone-queue-table.json"],
)
def test_cli_broken_file_exit_2_without_traceback(data_dir, name):
    """The CLI reports a broken file with exit code 2, the field, and no traceback."""
    p = subprocess.run(
        [sys.executable, "-m", "placement", "info", str(data_dir / "broken" / name)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert name in p.stderr
    if BROKEN[name]["field"]:
        assert BROKEN[name]["field"] in p.stderr


def test_missing_file_is_input_error(tmp_path):
    """A path that does not exist is an input error naming the file."""
    with pytest.raises(placement.InputError, match="file not found"):
        placement.read_instance(tmp_path / "nope.json")


@pytest.mark.parametrize("suffix", [".json", ".json.gz"])
def test_round_trip(tmp_path, tiny, suffix):
    """write_instance then read_instance reproduces every field (json and json.gz)."""
    path = tmp_path / f"t{suffix}"
    placement.write_instance(tiny, path)
    back = placement.read_instance(path)
    assert instance_to_dict(back) == instance_to_dict(tiny)
    if suffix.endswith(".gz"):
        assert path.read_bytes()[:2] == b"\x1f\x8b"


def test_round_trip_generated_with_unreachable(tmp_path):
    """A generated instance with an unreachable pair (null RTT) survives the round trip."""
    inst = placement.generate("C", devices=50, seed=3)
    rtt = np.array(inst.rtt_ms)
    rtt[0, 5] = np.inf
    inst = inst.replace(rtt_ms=rtt)
    placement.write_instance(inst, tmp_path / "g.json")
    back = placement.read_instance(tmp_path / "g.json")
    assert np.isinf(back.rtt_ms[0, 5])
    np.testing.assert_array_equal(back.rtt_ms, inst.rtt_ms)
    assert back.generator == inst.generator
    assert json.loads((tmp_path / "g.json").read_text())["rtt_ms"][0][5] is None


def test_arrays_are_read_only(tiny):
    """Instance arrays cannot be modified in place; changes go through replace()."""
    with pytest.raises(ValueError):
        tiny.device_fps[0] = 1.0
    changed = tiny.replace(device_fps=np.array([10.0, 10, 10, 10, 10]))
    assert changed.deadline_ms.tolist() == [100.0] * 5
    assert tiny.deadline_ms[0] == 50.0


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("device_fps", np.array([1.0, -2, 3, 4, 5]), "must be > 0"),
        ("device_fps", np.array([1.0, np.nan, 3, 4, 5]), "must be finite"),
        ("device_ap", np.array([0, 0, 0, 1]), "devices.fps.*must have length 4"),
        ("node_tier", ("T1", "T2"), "must have length 2"),
        ("w_wifi", -1.0, "must be a finite number > 0"),
    ],
)
def test_replace_validates(tiny, field, value, fragment):
    """dataclasses.replace re-runs validation and rejects nonsense with a clear message."""
    with pytest.raises(placement.InputError, match=fragment):
        tiny.replace(**{field: value})


def test_atomic_write_leaves_no_partial_file(tmp_path, tiny, monkeypatch):
    """A failure while writing leaves the previous file intact and no temporary behind."""
    path = tmp_path / "t.json"
    placement.write_instance(tiny, path)
    before = path.read_bytes()
    import placement._io as pio

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pio.os, "fsync", boom)
    with pytest.raises(OSError):
        placement.write_instance(tiny.replace(name="other"), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.json"]


def test_fuzzed_instances_never_crash(tmp_path, data_dir):
    """Random type/value mutations of a valid file give exit 0 or 2 (naming a field), never 1."""
    import contextlib
    import copy
    import io
    import random

    from placement.cli import main

    base = json.loads((data_dir / "tiny.json").read_text())
    values = [
        None,
        "x",
        [],
        {},
        -1,
        0,
        1.5,
        10**30,
        True,
        [[1]],
        [None],
        ["a"],
        1e308,
        [1, 2],
        {"a": 1},
    ]

    def paths(d, pre=()):
        if isinstance(d, dict):
            for k, v in d.items():
                yield pre + (k,)
                yield from paths(v, pre + (k,))
        elif isinstance(d, list):
            for i, v in enumerate(d[:3]):
                yield pre + (i,)
                yield from paths(v, pre + (i,))

    all_paths = list(paths(base))
    rng = random.Random(20261122)
    path = tmp_path / "f.json"
    for _ in range(400):
        d = copy.deepcopy(base)
        p = rng.choice(all_paths)
        cur = d
        for k in p[:-1]:
            cur = cur[k]
        cur[p[-1]] = rng.choice(values)
        path.write_text(json.dumps(d))
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = main(["solve", str(path), "--method", "cloud", "--quiet"])
        assert rc in (0, 2), (p, err.getvalue())
        if rc == 2:
            assert "field '" in err.getvalue() or "top level" in err.getvalue(), (p, err.getvalue())
