"""Readers, writers, validation and format detection of the pipeline side."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from placement.errors import InputError
from placement.pipeline import detect_format, read_pipeline, write_pipeline
from placement.pipeline.formats.graphml import SPEED_KM_PER_MS, great_circle_km
from placement.pipeline.formats.vnfcp import read_front
from placement.pipeline.instance import Node, Step
from placement.pipeline.io import instance_to_dict

DATA = Path(__file__).resolve().parents[1] / "data" / "pipeline"
BROKEN = sorted((DATA / "broken").glob("*.json"))
EXPECTED = json.loads((DATA / "broken_expected.json").read_text())


def test_broken_corpus_is_large_enough():
    """The broken corpus holds at least 10 files, each with an expected field and rule."""
    assert len(BROKEN) >= 10
    assert {p.stem for p in BROKEN} == set(EXPECTED)


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_raises_input_error(path):
    """Every broken file raises InputError naming the file, the field and the rule."""
    field, rule = EXPECTED[path.stem]
    with pytest.raises(InputError) as ei:
        read_pipeline(path, format="pipeline")
    err = ei.value
    assert err.path == str(path)
    assert err.field == field
    assert rule in err.rule
    assert str(path) in str(err) and field in str(err)


def test_tiny_round_trip(tiny, tmp_path):
    """Writing and re-reading a pipeline JSON instance gives an equal instance."""
    out = tmp_path / "t.json"
    write_pipeline(tiny, out)
    again = read_pipeline(out)
    assert instance_to_dict(again) == instance_to_dict(tiny)
    assert again.function_map["work"].capacity == math.inf
    assert again.function_map["work"].demand("cores", "b") == 1.0
    assert again.function_map["work"].cost_on("b") == 3.0


def test_gz_round_trip(tiny, tmp_path):
    """Gzip-compressed JSON instances are detected and read transparently."""
    out = tmp_path / "t.json.gz"
    write_pipeline(tiny, out)
    assert detect_format(out) == "pipeline"
    assert read_pipeline(out).name == "tiny"


def test_node_validation_boundaries():
    """Node power and availability reject negative / inverted values, accept zero."""
    Node("a", idle_w=0.0, availability_h=(0.0, 0.0))
    with pytest.raises(InputError, match="must be >= 0"):
        Node("a", idle_w=-0.1)
    with pytest.raises(InputError, match="min <= max"):
        Node("a", availability_h=(2.0, 1.0))


def test_step_needs_function_or_nodes():
    """A step with neither function nor pinned nodes is rejected."""
    with pytest.raises(InputError, match="function"):
        Step("s")
    assert Step("s", nodes=("a",)).pinned


def test_vnfcp_reader_msgp2(msgp2):
    """msgp2 reads as 30 nodes, 47 links, 65 five-step chains with units divided by 1000."""
    s = msgp2.summary()
    assert (s["nodes"], s["links"], s["requests"], s["functions"]) == (30, 47, 65, 3)
    r = msgp2.requests[0]
    assert [st.function for st in r.steps] == [None, "v0", "v1", "v2", None]
    assert r.edges[0].bandwidth_mbps == pytest.approx(1.0)
    assert r.max_delay_ms == pytest.approx(0.040)
    assert msgp2.function_map["v0"].capacity == pytest.approx(78.0)
    assert msgp2.meta["published_front"] == [
        [3.0, 352.0],
        [6.0, 327.0],
        [9.0, 316.0],
        [12.0, 313.0],
    ]


def _vnfcp_dir(tmp_path, topology, requests, vnflib):
    d = tmp_path / "p"
    d.mkdir()
    (d / "topology").write_text(topology)
    (d / "requests").write_text(requests)
    (d / "vnfLib").write_text(vnflib)
    return d


TOPO = "# n l\n3 2\n# nodes\na 0 0 0\nb 2 2 2\nc -1 -1 -1\n# links\na b 1000 10\nb c -1 20\n"
LIB = (
    "[vnfs]\n# name\nFW, 1, 1, 1, 5, 2000, -1\nIDS,2,2,2,5,-1,3\n[abbrev]\nsec, fw, ids\n"
    "[pairs]\nfw, ids, 10\n"
)


def test_vnfcp_aliases_case_and_unbounded(tmp_path):
    """Aliases expand in place, VNF names are case-insensitive and -1 means unbounded."""
    d = _vnfcp_dir(tmp_path, TOPO, "a,c,1000,-1,SEC,Fw\na,c,1000,-1,sec,fw\n", LIB)
    inst = read_pipeline(d)
    assert detect_format(d) == "vnfcp"
    assert [s.function for s in inst.requests[0].steps[1:-1]] == ["fw", "ids", "fw"]
    assert inst.requests[0].max_delay_ms == math.inf
    assert inst.node_map["c"].capacity("cores") == math.inf
    assert inst.links[1].bandwidth_mbps == math.inf
    assert inst.function_map["ids"].capacity == math.inf
    assert inst.function_map["ids"].max_instances == 3
    assert len(inst.requests) == 2  # identical lines are distinct requests


@pytest.mark.parametrize(
    ("topology", "requests", "lib", "field", "rule"),
    [
        (
            "3 3\na 0 0 0\nb 1 1 1\nc 1 1 1\na b 1 1\nb c 1 1\n",
            "a,c,1,1\n",
            LIB,
            "header",
            "header announces",
        ),
        (
            "3 2\na 0 0 0\nb 1 1 1\nc 1 1 1\na b 1 1\nb a 1 1\n",
            "a,c,1,1\n",
            LIB,
            "line 6",
            "duplicate link",
        ),
        (
            "3 2\na 0 0 0\nb 1 1 1\nc 1 1 1\na a 1 1\nb c 1 1\n",
            "a,c,1,1\n",
            LIB,
            "line 5",
            "self-loop",
        ),
        (TOPO, "a,c,1000,10,nat\n", LIB, "line 1", "unknown VNF"),
        (TOPO, "a,zz,1000,10\n", LIB, "line 1", "unknown node"),
        (TOPO, "a,c,1000,10\n", "[vnfs]\nfw,1,1,1,1,0,-1\n", "line 2 (capacity)", "capacity"),
    ],
    ids=["count", "duplicate-link", "self-loop", "unknown-vnf", "unknown-node", "capacity"],
)
def test_vnfcp_reader_errors(tmp_path, topology, requests, lib, field, rule):
    """Malformed VNFCP files raise InputError with the file, the line and the rule."""
    d = _vnfcp_dir(tmp_path, topology, requests, lib)
    with pytest.raises(InputError) as ei:
        read_pipeline(d)
    assert ei.value.field == field
    assert rule in ei.value.rule
    assert ei.value.path and ei.value.path.startswith(str(d))


def test_read_front_both_dialects(bundle):
    """Both 'cpu,hopcount' and '[cpu, hops]' optimal files parse to sorted points."""
    assert read_front(bundle / "msgp2" / "optimal") == [(3, 352), (6, 327), (9, 316), (12, 313)]
    assert read_front(bundle / "eval-topo" / "optimal") == [(4, 94), (8, 74), (12, 70)]


def test_gap_reader(bundle):
    """A GAP file becomes m agent nodes and n one-step job requests with per-node costs."""
    inst = read_pipeline(bundle / "gap" / "gap1-0")
    assert detect_format(bundle / "gap" / "gap1-0") == "gap"
    assert len(inst.nodes) == 5 and len(inst.requests) == 15
    f = inst.function_map["job0"]
    assert f.cost_on("agent0") == 17.0 and f.demand("cap", "agent0") > 0
    assert inst.meta["default_objective"] == "cost"


def test_gap_reader_rejects_wrong_count(tmp_path):
    """A GAP file whose number count does not match its header is rejected."""
    p = tmp_path / "g.txt"
    p.write_text("2 2\n1 2 3 4\n1 1 1 1\n5\n")
    with pytest.raises(InputError, match="expected"):
        read_pipeline(p, format="gap")
    assert detect_format(p) is None


def test_graphml_great_circle_delay(bundle):
    """Topology-Zoo links get great-circle delays at 2/3 c (Chicago-New York ~5.7 ms)."""
    inst = read_pipeline(bundle / "zoo" / "Abilene.graphml")
    assert detect_format(bundle / "zoo" / "Abilene.graphml") == "graphml"
    assert (len(inst.nodes), len(inst.links)) == (11, 14)
    lk = next(lk for lk in inst.links if {lk.u, lk.v} == {"Chicago", "New York"})
    a, b = inst.node_map["Chicago"].coords, inst.node_map["New York"].coords
    assert lk.delay_ms == pytest.approx(great_circle_km(a, b) / SPEED_KM_PER_MS, abs=1e-5)
    assert 5.0 < lk.delay_ms < 6.5


def test_great_circle_known_distance():
    """Haversine distance of one degree of latitude is ~111.2 km."""
    assert great_circle_km((0.0, 0.0), (1.0, 0.0)) == pytest.approx(111.19, abs=0.05)


def test_detect_format_never_raises(tmp_path):
    """detect_format returns None for missing paths, offloading JSON and random text."""
    assert detect_format(tmp_path / "missing") is None
    off = tmp_path / "o.json"
    off.write_text(json.dumps({"format": "placement/offloading", "version": 1}))
    assert detect_format(off) is None
    bad = tmp_path / "x.json"
    bad.write_text("{not json")
    assert detect_format(bad) is None
    txt = tmp_path / "notes"
    txt.write_text("hello world\n")
    assert detect_format(txt) is None
    assert detect_format(tmp_path) is None


def test_read_unknown_format_message(tmp_path):
    """Reading an undetectable file names the file and asks for --format."""
    p = tmp_path / "notes"
    p.write_text("hello\n")
    with pytest.raises(InputError, match="--format"):
        read_pipeline(p)
