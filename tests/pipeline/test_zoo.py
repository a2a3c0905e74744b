"""The Topology Zoo: parallel edges merged with a warning, the whole Zoo bundled, any
network by name as a generator substrate, a user folder searched first."""

from __future__ import annotations

import io
import os
import tarfile
import warnings
from pathlib import Path

import pytest

import placement
from placement.cli import main
from placement.pipeline.formats.graphml import (
    SPEED_KM_PER_MS,
    ParallelEdgesWarning,
    graph_to_instance,
    great_circle_km,
    parse_graph,
    read_substrate,
    read_zoo,
    zoo_names,
)
from placement.pipeline.generate import generate_pipeline

SHARED_ZOO = Path(os.environ.get("PLACEMENT_SHARED_ZOO", "/work/shared/data/topology-zoo"))

TINY_GML = """graph [
  Network "Tiny"
  node [ id 0 label "A" Latitude 0.0 Longitude 0.0 ]
  node [ id 1 label "B" Latitude 0.0 Longitude 1.0 ]
  node [ id 2 label "C" ]
  edge [ source 0 target 1 LinkSpeedRaw 1000000000.0 ]
  edge [ source 1 target 0 LinkSpeedRaw 2000000000.0 ]
  edge [ source 1 target 2 ]
  edge [ source 2 target 2 ]
]
"""

TINY_GRAPHML = """<?xml version="1.0" encoding="utf-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key attr.name="label" attr.type="string" for="node" id="d0" />
  <key attr.name="Latitude" attr.type="double" for="node" id="d1" />
  <key attr.name="Longitude" attr.type="double" for="node" id="d2" />
  <key attr.name="LinkSpeedRaw" attr.type="double" for="edge" id="d3" />
  <graph edgedefault="undirected">
    <node id="0"><data key="d0">A</data><data key="d1">0.0</data><data key="d2">0.0</data></node>
    <node id="1"><data key="d0">B</data><data key="d1">0.0</data><data key="d2">1.0</data></node>
    <node id="2"><data key="d0">C</data></node>
    <edge source="0" target="1"><data key="d3">1000000000.0</data></edge>
    <edge source="1" target="0"><data key="d3">2000000000.0</data></edge>
    <edge source="1" target="2" />
    <edge source="2" target="2" />
  </graph>
</graphml>
"""


@pytest.mark.parametrize(("fmt", "text"), [("gml", TINY_GML), ("graphml", TINY_GRAPHML)])
def test_parallel_edges_merged_with_a_warning_that_says_how(tmp_path, fmt, text):
    """Two A–B circuits become one link of 3000 Mbps with the great-circle delay; the
    self-loop is dropped; a ParallelEdgesWarning names the rule."""
    path = tmp_path / f"Tiny.{fmt}"
    path.write_text(text)
    with pytest.warns(ParallelEdgesWarning) as rec:
        inst = read_substrate(path)
    msg = str(rec[0].message)
    assert "1 parallel edge(s) merged" in msg and "bandwidths added, the smallest delay kept" in msg
    assert "1 self-loop(s) dropped" in msg
    links = {(lk.u, lk.v): lk for lk in inst.links}
    assert set(links) == {("A", "B"), ("B", "C")}
    assert links[("A", "B")].bandwidth_mbps == pytest.approx(3000.0)
    assert links[("A", "B")].delay_ms == pytest.approx(
        great_circle_km((0, 0), (0, 1)) / SPEED_KM_PER_MS, abs=1e-6
    )
    assert links[("B", "C")].delay_ms == 1.0  # C has no coordinates
    assert inst.meta["parallel_edges_merged"] == 1 and inst.meta["self_loops_dropped"] == 1


def test_whole_zoo_is_bundled_and_reads():
    """All 276 networks are bundled; 96 of them have parallel edges, merged with a warning."""
    names = zoo_names()
    assert len(names) == 276
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        sizes = {n: len(read_zoo(n).nodes) for n in names}
    assert sum(isinstance(w.message, ParallelEdgesWarning) for w in rec) == 96
    assert (sizes["Abilene"], sizes["Nsfnet"], sizes["Geant2012"], sizes["Cogentco"]) == (
        11,
        13,
        40,
        197,
    )


@pytest.mark.parametrize("name", ["Abilene", "Nsfnet"])
def test_bundled_zoo_equals_the_graphml_file(bundle, name):
    """The compact bundle gives the same substrate as the original GraphML file."""
    a, b = read_zoo(name), read_substrate(bundle / "zoo" / f"{name}.graphml")
    assert a.nodes == b.nodes and a.links == b.links


def test_every_zoo_network_backs_a_generated_instance():
    """Any of the 276 Zoo networks is a pipeline substrate by name (``zoo:NAME``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ParallelEdgesWarning)
        for name in zoo_names():
            inst = generate_pipeline("mixed", 30, 3, substrate=f"zoo:{name}", seed=1)
            assert len(inst.requests) == 3
            assert sum(n.name.startswith("mec:") for n in inst.nodes) == len(read_zoo(name).nodes)


def test_zoo_names_are_case_insensitive_and_unknown_names_suggest():
    """``zoo:geant2012`` finds Geant2012; an unknown name is an input error with hints."""
    assert len(read_zoo("geant2012").nodes) == 40
    with pytest.raises(placement.InputError) as info:
        read_zoo("Geant2099")
    assert info.value.field == "substrate" and "Geant2012" in str(info.value)


def test_user_folder_is_searched_first(tmp_path):
    """A folder of files, or of the Zoo's archives, is searched before the bundle."""
    (tmp_path / "Tiny.gml").write_text(TINY_GML)
    with pytest.warns(ParallelEdgesWarning):
        inst = read_zoo("Tiny", tmp_path)
    assert sorted(n.name for n in inst.nodes) == ["A", "B", "C"]
    arch = tmp_path / "arch"
    arch.mkdir()
    with tarfile.open(arch / "graphml.tar.gz", "w:gz") as tf:
        data = TINY_GRAPHML.encode()
        info = tarfile.TarInfo("graphml/Abilene.graphml")  # shadows the bundled Abilene
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    with pytest.warns(ParallelEdgesWarning):
        inst = generate_pipeline("smart-parking", 12, 1, substrate="zoo:Abilene", zoo_dir=arch)
    assert {n.name for n in inst.nodes if n.name.startswith("mec:")} == {"mec:A", "mec:B", "mec:C"}
    with pytest.raises(placement.InputError):
        read_zoo("Tiny", tmp_path / "missing")


def test_cli_generates_on_any_zoo_network(tmp_path):
    """``placement generate pipeline --substrate zoo:Geant2012`` works; an unknown one exits 2."""
    out = tmp_path / "g.json"
    args = ["generate", "pipeline", "--nodes", "60", "--requests", "4", "-o", str(out)]
    assert main([*args, "--substrate", "zoo:Geant2012"]) == 0
    assert placement.read_any(out).meta["recipe"]["substrate"] == "zoo:Geant2012"
    assert main([*args, "--substrate", "zoo:Nowhere"]) == 2


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED_ZOO / "gml.tar.gz").is_file(), reason="shared Zoo data absent")
def test_all_276_original_files_read_in_both_formats_and_match_the_bundle():
    """Every GraphML and every GML file of the Zoo reads, and equals the bundled network."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ParallelEdgesWarning)
        for fmt in ("graphml", "gml"):
            n = 0
            with tarfile.open(SHARED_ZOO / f"{fmt}.tar.gz", "r:gz") as tf:
                for m in tf.getmembers():
                    if not m.isfile():
                        continue
                    name = Path(m.name).stem
                    inst = graph_to_instance(parse_graph(tf.extractfile(m).read(), fmt), name, fmt)
                    ref = read_zoo(name)
                    assert sorted(inst.links, key=repr) == sorted(ref.links, key=repr), name
                    assert sorted(inst.nodes, key=repr) == sorted(ref.nodes, key=repr), name
                    n += 1
            assert n == 276
