"""Regenerate ``tests/data/events/``: a valid event file of ``tiny.json`` and one
deliberately broken file per rule of the event format.

Each broken file is ``tiny.jsonl`` with one line replaced;
``broken/EXPECTED.json`` maps the file name to the line the error must name and a
fragment of the rule. Run ``python tests/data/make_broken_events.py`` after changing the
format; the files are committed.
"""

import json
from pathlib import Path

OUT = Path(__file__).parent / "events"

#: A valid day on tiny.json (5 devices on 2 APs, 3 edge nodes).
GOOD = [
    '{"t": 0, "type": "start", "active": [0, 3]}',
    '{"t": 0.5, "type": "arrive", "device": 1}',
    '{"t": 1.0, "type": "depart", "device": 0}',
    '{"t": 2.0, "type": "fail", "node": 0}',
    '{"t": 2.5, "type": "arrive", "device": 4}',
    '{"t": 9.0, "type": "recover", "node": 0}',
    '{"t": 10.0, "type": "reoptimize", "max_moves": 2}',
    '{"t": 11.0, "type": "arrive", "device": {"ap": 1, "fps": 10, "frame_kb": 33, '
    '"local_ms": 150, "local_mj": 250, "lte_mbps": 5}}',
    '{"t": 12.0, "type": "depart", "device": 5}',
]

CASES = {
    # name: (line number, its new text, fragment of the rule)
    "01-invalid-json": (2, '{"t": 0.5, "type": "arrive", "device": 1', "invalid JSON"),
    "02-not-an-object": (2, "[0.5, 1]", "must be a JSON object"),
    "03-missing-time": (2, '{"type": "arrive", "device": 1}', "missing time"),
    "04-negative-time": (2, '{"t": -1, "type": "arrive", "device": 1}', ">= 0"),
    "05-time-backwards": (4, '{"t": 0.25, "type": "fail", "node": 0}', "backwards"),
    "06-unknown-type": (2, '{"t": 0.5, "type": "teleport", "device": 1}', "unknown event type"),
    "07-unknown-key": (2, '{"t": 0.5, "type": "arrive", "device": 1, "why": 1}', "unknown key"),
    "08-start-not-first": (2, '{"t": 0.5, "type": "start", "active": "all"}', "first event"),
    "09-unknown-device": (2, '{"t": 0.5, "type": "arrive", "device": 99}', "unknown device"),
    "10-device-not-an-index": (2, '{"t": 0.5, "type": "arrive", "device": "a"}', "integer index"),
    "11-arrival-of-active": (2, '{"t": 0.5, "type": "arrive", "device": 3}', "which is active"),
    "12-departure-of-inactive": (3, '{"t": 1.0, "type": "depart", "device": 2}', "not active"),
    "13-failure-of-failed-node": (5, '{"t": 2.5, "type": "fail", "node": 0}', "failed already"),
    "14-recovery-of-working-node": (
        6,
        '{"t": 9.0, "type": "recover", "node": 1}',
        "has not failed",
    ),
    "15-unknown-node": (4, '{"t": 2.0, "type": "fail", "node": 7}', "unknown node"),
    "16-link-on-offloading": (4, '{"t": 2.0, "type": "fail", "link": [0, 1]}', "no links"),
    "17-node-and-link": (4, '{"t": 2.0, "type": "fail", "node": 0, "link": [0, 1]}', "exactly one"),
    "18-bad-max-moves": (7, '{"t": 10.0, "type": "reoptimize", "max_moves": -2}', "max_moves"),
    "19-bad-time-limit": (7, '{"t": 10.0, "type": "reoptimize", "time_limit": 0}', "time_limit"),
    "20-bad-start-active": (1, '{"t": 0, "type": "start", "active": "some"}', "active must be"),
    "21-start-lists-twice": (1, '{"t": 0, "type": "start", "active": [0, 0]}', "twice"),
    "22-depart-an-object": (
        3,
        '{"t": 1.0, "type": "depart", "device": {"ap": 0}}',
        "must be an id",
    ),
    "23-bad-new-device": (
        8,
        '{"t": 11.0, "type": "arrive", "device": {"ap": 0}}',
        "missing required key",
    ),
    "24-missing-id": (2, '{"t": 0.5, "type": "arrive"}', "missing key 'device'"),
}


def main() -> None:
    """Write the good file, the broken ones and EXPECTED.json."""
    (OUT / "broken").mkdir(parents=True, exist_ok=True)
    (OUT / "tiny.jsonl").write_text("\n".join(GOOD) + "\n")
    expected = {}
    for name, (line, text, fragment) in CASES.items():
        lines = list(GOOD)
        lines[line - 1] = text
        (OUT / "broken" / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
        expected[f"{name}.jsonl"] = {"line": line, "rule": fragment}
    (OUT / "broken" / "EXPECTED.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
