"""Regenerate ``tests/data/broken/``: one deliberately broken instance per rule.

Each file is ``tiny.json`` with one mutation; ``broken/EXPECTED.json`` maps the file
name to the field and a fragment of the rule the error message must name. Run
``python tests/data/make_broken.py`` after changing the format; the files are committed.
"""

import copy
import json
from pathlib import Path

HERE = Path(__file__).parent
BASE = json.loads((HERE / "tiny.json").read_text())
OUT = HERE / "broken"


def mut(f):
    d = copy.deepcopy(BASE)
    f(d)
    return d


CASES = {
    # name: (mutation or raw text, expected field, rule fragment)
    "01-unknown-format": (lambda d: d.update(format="placement/other"), "format", "unknown format"),
    "02-unsupported-version": (lambda d: d.update(version=2), "version", "unsupported version"),
    "03-missing-section": (lambda d: d.pop("devices"), "devices", "missing required key"),
    "04-unknown-top-key": (lambda d: d.update(colour="blue"), "colour", "unknown key"),
    "05-unknown-device-key": (
        lambda d: d["devices"].update(speed=[1, 2, 3, 4, 5]),
        "devices.speed",
        "unknown key",
    ),
    "06-missing-device-key": (
        lambda d: d["devices"].pop("fps"),
        "devices.fps",
        "missing required key",
    ),
    "07-wrong-length": (
        lambda d: d["devices"]["frame_kb"].pop(),
        "devices.frame_kb",
        "must have length 5",
    ),
    "08-ap-index-out-of-range": (
        lambda d: d["devices"]["ap"].__setitem__(2, 7),
        "devices.ap",
        "index out of range",
    ),
    "09-negative-frame": (
        lambda d: d["devices"]["frame_kb"].__setitem__(0, -33),
        "devices.frame_kb",
        "must be > 0",
    ),
    "10-zero-fps": (lambda d: d["devices"]["fps"].__setitem__(1, 0), "devices.fps", "must be > 0"),
    "11-nan-inference": (
        '"inference_ms": [20, 8, 5]',
        '"inference_ms": [20, NaN, 5]',
        "edge_nodes.inference_ms",
        "must be finite",
    ),
    "12-infinite-bandwidth": (
        '"bandwidth_mbps": [300, 100]',
        '"bandwidth_mbps": [Infinity, 100]',
        "access_points.bandwidth_mbps",
        "must be finite",
    ),
    "13-nonmonotone-queue-table": (
        lambda d: d["edge_nodes"]["queue_table_ms"].__setitem__(2, [0, 3, 1]),
        "edge_nodes.queue_table_ms[2]",
        "nondecreasing",
    ),
    "14-rtt-wrong-rows": (lambda d: d["rtt_ms"].pop(), "rtt_ms", "must have 2 rows"),
    "15-rtt-wrong-columns": (lambda d: d["rtt_ms"][1].pop(), "rtt_ms", "row 1 must be a list of 3"),
    "16-cloud-rtt-shape": (
        lambda d: d["clouds"]["rtt_wifi_ms"][0].append(12),
        "clouds.rtt_wifi_ms",
        "row 0 must be a list of 1",
    ),
    "17-string-number": (
        lambda d: d["devices"]["local_ms"].__setitem__(0, "fast"),
        "devices.local_ms",
        "must be a number",
    ),
    "18-node-ap-out-of-range": (
        lambda d: d["edge_nodes"]["ap"].__setitem__(0, 2),
        "edge_nodes.ap",
        "index out of range",
    ),
    "19-max-devices-below-minus-one": (
        lambda d: d["edge_nodes"]["max_devices"].__setitem__(1, -5),
        "edge_nodes.max_devices",
        "-1 (no cap)",
    ),
    "20-negative-rtt": (lambda d: d["rtt_ms"][0].__setitem__(1, -10), "rtt_ms", "must be >= 0"),
    "21-negative-slope": (
        lambda d: d["edge_nodes"]["queue_slope_ms"].__setitem__(0, -1),
        "edge_nodes.queue_slope_ms",
        "must be >= 0",
    ),
    "22-empty-queue-table": (
        lambda d: d["edge_nodes"]["queue_table_ms"].__setitem__(2, []),
        "edge_nodes.queue_table_ms[2]",
        "at least one entry",
    ),
    "23-fractional-background-users": (
        lambda d: d["access_points"]["background_users"].__setitem__(1, 1.5),
        "access_points.background_users",
        "must be an integer",
    ),
    "24-top-level-list": (lambda d: None, None, "top level must be a JSON object"),
    "25-invalid-json": (None, None, "invalid JSON"),
    "26-zero-radio": (
        lambda d: d["radio"].update(w_lte_mj_per_ms=0),
        "radio.w_lte_mj_per_ms",
        "must be a finite number > 0",
    ),
    "27-no-devices": (
        lambda d: d["devices"].update({k: [] for k in d["devices"]}),
        "devices.ap",
        "at least one device",
    ),
    "28-missing-slope-without-table": (
        lambda d: d["edge_nodes"].pop("queue_slope_ms"),
        "edge_nodes.queue_slope_ms",
        "missing required key",
    ),
    "29-class-not-string": (
        lambda d: d["devices"]["class"].__setitem__(0, 3),
        "devices.class",
        "must be a string",
    ),
    "30-section-not-object": (lambda d: d.update(clouds=[5]), "clouds", "must be an object"),
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    base_text = json.dumps(BASE, indent=1)
    expected = {}
    for name, case in CASES.items():
        path = OUT / f"{name}.json"
        if name == "24-top-level-list":
            text = json.dumps([BASE])
            field, rule = case[1], case[2]
        elif name == "25-invalid-json":
            text = base_text[: len(base_text) // 2]
            field, rule = case[1], case[2]
        elif isinstance(case[0], str):
            old, new, field, rule = case
            text = json.dumps(BASE).replace(old, new)
            assert text != json.dumps(BASE), name
        else:
            text = json.dumps(mut(case[0]), indent=1)
            field, rule = case[1], case[2]
        path.write_text(text)
        expected[path.name] = {"field": field, "rule": rule}
    (OUT / "EXPECTED.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(expected)} broken files to {OUT}")


if __name__ == "__main__":
    main()
