"""Write the broken B-JointSP corpus: one folder per rule (network, template, sources),
and ``pipeline/broken_bjointsp_expected.json`` (folder -> [field, rule fragment])."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent / "pipeline"
OUT = HERE / "broken_bjointsp"

NET = """<?xml version="1.0" encoding="utf-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key attr.name="Latitude" attr.type="double" for="node" id="d0" />
  <key attr.name="Longitude" attr.type="double" for="node" id="d1" />
  <graph edgedefault="undirected">
    <node id="0"><data key="d0">48.1</data><data key="d1">11.6</data></node>
    <node id="1"><data key="d0">48.8</data><data key="d1">9.2</data></node>
    <node id="2"><data key="d0">50.1</data><data key="d1">8.7</data></node>
    <edge source="0" target="1" />
    <edge source="1" target="2" />
  </graph>
</graphml>
"""
TEMPLATE = """name: chain
vnfs:
  - {name: user, type: source, stateful: false, inputs_fwd: 0, inputs_bwd: 0,
     outputs_fwd: 1, outputs_bwd: 0, cpu: [0], mem: [0], vnf_delay: 0, out_fwd: [], out_bwd: []}
  - {name: fw, type: normal, stateful: false, inputs_fwd: 1, inputs_bwd: 0,
     outputs_fwd: 1, outputs_bwd: 0, cpu: [1, 0], mem: [1, 0], vnf_delay: 5,
     out_fwd: [[1, 0]], out_bwd: []}
  - {name: web, type: normal, stateful: false, inputs_fwd: 1, inputs_bwd: 0,
     outputs_fwd: 0, outputs_bwd: 0, cpu: [1, 0], mem: [1, 0], vnf_delay: 5,
     out_fwd: [], out_bwd: []}
vlinks:
  - {direction: forward, src: user, src_output: 0, dest: fw, dest_input: 0, max_delay: 50}
  - {direction: forward, src: fw, src_output: 0, dest: web, dest_input: 0, max_delay: 50}
"""
SOURCES = """- node: pop0
  vnf: user
  flows:
    - {id: f0, data_rate: 1}
"""

CASES = {
    "template_without_vnfs": ({"template.yaml": "name: x\nvlinks: []\n"}, ["vnfs", "'vnfs' list"]),
    "bad_component_type": (
        {"template.yaml": TEMPLATE.replace("type: normal", "type: middle", 1)},
        ["vnfs[1].type", "type must be source or normal"],
    ),
    "duplicate_component": (
        {"template.yaml": TEMPLATE.replace("name: web", "name: fw")},
        ["vnfs[2]", "duplicate component"],
    ),
    "unknown_vlink_component": (
        {"template.yaml": TEMPLATE.replace("dest: web", "dest: cache")},
        ["vlinks[1].dest", "unknown component"],
    ),
    "bad_direction": (
        {"template.yaml": TEMPLATE.replace("direction: forward", "direction: sideways", 1)},
        ["vlinks[0].direction", "forward or backward"],
    ),
    "cpu_coefficients": (
        {
            "template.yaml": TEMPLATE.replace(
                "cpu: [1, 0], mem: [1, 0], vnf_delay: 5,\n     out_fwd: [[1",
                "cpu: [1], mem: [1, 0], vnf_delay: 5,\n     out_fwd: [[1",
                1,
            )
        },
        ["vnfs[1].cpu", "must list 2 coefficients"],
    ),
    "source_not_a_source": (
        {"sources.yaml": SOURCES.replace("vnf: user", "vnf: fw")},
        ["sources[0].vnf", "is not a source component"],
    ),
    "negative_data_rate": (
        {"sources.yaml": SOURCES.replace("data_rate: 1", "data_rate: -2")},
        ["sources[0].flows[0].data_rate", "must be a number >= 0"],
    ),
    "unknown_source_node": (
        {"sources.yaml": SOURCES.replace("pop0", "pop9")},
        ["flow f0.node", "unknown node"],
    ),
    "sources_not_a_list": ({"sources.yaml": "node: pop0\n"}, ["sources", "must be a list"]),
    "invalid_yaml": ({"sources.yaml": "- node: [pop0\n"}, [None, "not valid YAML"]),
    "yaml_alias_bomb": (
        {
            "sources.yaml": "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                for p, c in zip("abcdefgh", "bcdefghi")
            )
        },
        [None, "anchors and aliases are not accepted"],
    ),
    "graphml_doctype": (
        {
            "network.graphml": NET.replace(
                "<graphml ", '<!DOCTYPE lol [<!ENTITY lol "lol">]>\n<graphml ', 1
            )
        },
        [None, "document type"],
    ),
    "node_id_not_integer": (
        {
            "network.graphml": NET.replace('node id="2"', 'node id="x"').replace(
                'target="2"', 'target="x"'
            )
        },
        ["node", "is not an integer"],
    ),
    "no_coordinates": (
        {
            "network.graphml": NET.replace(
                '<data key="d0">48.1</data><data key="d1">11.6</data>', ""
            )
            .replace('<data key="d0">48.8</data><data key="d1">9.2</data>', "")
            .replace('<data key="d0">50.1</data><data key="d1">8.7</data>', "")
        },
        ["edge 0-1", "needs Latitude and Longitude"],
    ),
}


def main() -> None:
    """Write every case."""
    if OUT.exists():
        shutil.rmtree(OUT)
    expected = {}
    for name, (files, exp) in CASES.items():
        d = OUT / name
        d.mkdir(parents=True)
        base = {"network.graphml": NET, "template.yaml": TEMPLATE, "sources.yaml": SOURCES}
        base.update(files)
        for fn, text in base.items():
            (d / fn).write_text(text)
        expected[name] = exp
    (HERE / "broken_bjointsp_expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
