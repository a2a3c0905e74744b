"""The B-JointSP reader: folder and three-path forms, mapping, broken corpus, CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import placement
from placement.cli import main
from placement.errors import InputError
from placement.pipeline import check_pipeline_solution, detect_format, read_pipeline

ROOT = Path(__file__).resolve().parents[2]
ABILENE = ROOT / "instances" / "pipeline" / "bjointsp" / "abilene"
DATA = ROOT / "tests" / "data" / "pipeline"
BROKEN = sorted(p for p in (DATA / "broken_bjointsp").iterdir() if p.is_dir())
EXPECTED = json.loads((DATA / "broken_bjointsp_expected.json").read_text())


def test_folder_and_three_paths_read_the_same():
    """A folder and its three files (network, template, sources) give one instance."""
    a = read_pipeline(ABILENE)
    files = [ABILENE / "Abilene.graphml", ABILENE / "template.yaml", ABILENE / "sources.yaml"]
    b = read_pipeline(files, format="bjointsp")
    assert detect_format(ABILENE) == "bjointsp" and detect_format(files) == "bjointsp"
    assert a.summary() == b.summary() and a.requests == b.requests


def test_mapping_of_the_template():
    """Flows become chains pinned at their source, rates propagate, delays add up."""
    inst = read_pipeline(ABILENE)
    r = inst.requests[0]
    assert [s.id for s in r.steps] == ["src", "fw", "ids", "web"]
    assert r.steps[0].nodes == ("pop3",) and r.steps[0].function is None
    rate = r.edges[0].bandwidth_mbps
    assert [e.bandwidth_mbps for e in r.edges] == [rate, rate, 0.5 * rate]
    assert r.max_delay_ms == 3 * 50 + 5 + 10 + 20
    fw = inst.function_map["fw"]
    assert fw.capacity == inst.meta["instance_capacity"] == 1.0
    assert fw.demand("cores") == 1.0 and inst.function_map["ids"].demand("cores") == 2.0
    assert all(n.resources["cores"] == 10.0 for n in inst.nodes)
    assert all(lk.bandwidth_mbps == 50.0 and lk.delay_ms == int(lk.delay_ms) for lk in inst.links)


def test_uscarrier_solves_feasibly_in_well_under_a_second():
    """The bundled UsCarrier inputs (158 nodes, 30 sources) place feasibly with the greedy."""
    inst = read_pipeline(ROOT / "instances" / "pipeline" / "bjointsp" / "uscarrier")
    assert (len(inst.nodes), len(inst.requests)) == (158, 30)
    res = placement.solve(inst, method="greedy")
    assert check_pipeline_solution(inst, res.solution) == []
    assert len(res.solution.steps) == 30 and res.runtime < 5.0
    assert all(math.isfinite(r.max_delay_ms) for r in inst.requests)


def test_broken_corpus_is_large_enough():
    """At least ten broken B-JointSP inputs, each with its expected field and rule."""
    assert len(BROKEN) >= 10 and {p.name for p in BROKEN} == set(EXPECTED)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.name)
def test_broken_input_raises_input_error(path):
    """Every broken input raises InputError naming the file, the field and the rule."""
    field, rule = EXPECTED[path.name]
    with pytest.raises(InputError) as info:
        read_pipeline(path, format="bjointsp")
    assert rule in info.value.rule
    assert info.value.field == field
    assert info.value.path and Path(info.value.path).parent == path


def test_cli_reads_three_paths(tmp_path, capsys):
    """`placement read --format bjointsp NET TEMPLATE SOURCES -o out.json` converts."""
    out = tmp_path / "ab.json"
    code = main(
        [
            "read",
            "--format",
            "bjointsp",
            str(ABILENE / "Abilene.graphml"),
            str(ABILENE / "template.yaml"),
            str(ABILENE / "sources.yaml"),
            "-o",
            str(out),
        ]
    )
    assert code == 0
    assert read_pipeline(out).summary()["requests"] == 4
