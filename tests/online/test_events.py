"""Event files: every rule of the format is an error naming the line (exit 2 on the
command line), ``--lenient`` skips such lines with a warning, and writing then reading
gives the same events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import placement
from placement.cli import main
from placement.errors import InputError
from placement.online import Event, read_events, rules_for, write_events
from placement.online.events import check_events, parse_lines

DATA = Path(__file__).resolve().parents[1] / "data"
EVENTS = DATA / "events"
BROKEN = EVENTS / "broken"
EXPECTED = json.loads((BROKEN / "EXPECTED.json").read_text())
PIPELINE = Path(__file__).resolve().parents[2] / "instances/pipeline/ecco-mixed-grid-n30-r8-s1.json"


def test_every_broken_file_is_listed():
    """The corpus and its expectations cover the same files."""
    assert sorted(p.name for p in BROKEN.glob("*.jsonl")) == sorted(EXPECTED)


def test_the_good_file_reads(tiny):
    """The valid file of the corpus reads whole, with its new device and typed fields."""
    log = read_events(EVENTS / "tiny.jsonl", rules_for(tiny))
    assert [e.type for e in log.events] == [
        "start", "arrive", "depart", "fail", "arrive", "recover", "reoptimize", "arrive",
        "depart",
    ]  # fmt: skip
    assert log.skipped == []
    assert log.events[0].active == [0, 3] and log.events[6].max_moves == 2
    assert log.events[7].spec["ap"] == 1 and log.events[8].id == 5


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_is_an_error_naming_the_line(tiny, name):
    """Each rule of the format raises an InputError naming the file and the line."""
    exp = EXPECTED[name]
    with pytest.raises(InputError) as exc:
        read_events(BROKEN / name, rules_for(tiny))
    msg = str(exc.value)
    assert name in msg and f"line {exp['line']}:" in msg and exp["rule"] in msg


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_exits_2_on_the_command_line(capsys, name):
    """``placement replay`` on a broken file exits 2 with one line naming the line."""
    exp = EXPECTED[name]
    code = main(["replay", str(DATA / "tiny.json"), str(BROKEN / name), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"line {exp['line']}:" in err and exp["rule"] in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lenient_skips_the_broken_line(tiny, name):
    """With ``lenient`` the broken line is skipped with a message naming it, the rest kept."""
    exp = EXPECTED[name]
    log = read_events(BROKEN / name, rules_for(tiny), lenient=True)
    assert [m.split(":")[0] for m in log.skipped][:1] == [f"line {exp['line']}"]
    assert exp["line"] not in [e.line for e in log.events]


def test_lenient_replay_exits_0(capsys):
    """``--lenient`` replays the rest of a broken file."""
    name = BROKEN / "11-arrival-of-active.jsonl"
    code = main(["replay", str(DATA / "tiny.json"), str(name), "--lenient", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "1 lines skipped" in out and "max violations 0" in out


def test_write_then_read_round_trips(tiny, tmp_path):
    """Events written and read back are the same events (with their line numbers)."""
    events = read_events(EVENTS / "tiny.jsonl", rules_for(tiny)).events
    path = tmp_path / "copy.jsonl"
    write_events(path, events)
    again = read_events(path, rules_for(tiny)).events
    assert again == events


def test_blank_lines_are_ignored(tiny):
    """Blank lines carry nothing; the line numbers of the others stay those of the file."""
    log = parse_lines(['{"t": 0, "type": "arrive", "device": 1}', "", "  "], "device")
    assert [e.line for e in log.events] == [1]
    lines = [
        '{"t": 0, "type": "arrive", "device": 1}',
        "",
        '{"t": 1, "type": "arrive", "device": 1}',
    ]
    with pytest.raises(InputError, match="line 3: arrival of device 1"):
        check_events(parse_lines(lines, "device").events, rules_for(tiny))


def test_missing_file(tiny, tmp_path):
    """A missing event file is an InputError naming it."""
    with pytest.raises(InputError, match="file not found"):
        read_events(tmp_path / "none.jsonl", rules_for(tiny))


def test_pipeline_rules_use_names_and_links():
    """Pipeline events name requests and nodes, and links may fail and recover."""
    inst = placement.read_any(PIPELINE)
    rules = rules_for(inst)
    req = inst.requests[0].name
    node = inst.nodes[0].name
    lk = inst.links[0]
    lines = [
        json.dumps({"t": 0, "type": "arrive", "request": req}),
        json.dumps({"t": 1, "type": "fail", "link": [lk.v, lk.u]}),
        json.dumps({"t": 2, "type": "fail", "node": node}),
        json.dumps({"t": 3, "type": "recover", "link": [lk.u, lk.v]}),
        json.dumps({"t": 4, "type": "depart", "request": req}),
    ]
    log = check_events(parse_lines(lines, rules.id_key).events, rules)
    assert len(log.events) == 5
    bad = [json.dumps({"t": 0, "type": "arrive", "device": 3})]
    with pytest.raises(InputError, match="unknown key 'device'"):
        parse_lines(bad, rules.id_key)
    bad = [json.dumps({"t": 0, "type": "fail", "link": [node, "nowhere"]})]
    with pytest.raises(InputError, match="line 1: unknown link"):
        check_events(parse_lines(bad, rules.id_key).events, rules)
    bad = [json.dumps({"t": 0, "type": "arrive", "request": {"name": "new"}})]
    with pytest.raises(InputError, match="cannot be added"):
        check_events(parse_lines(bad, rules.id_key).events, rules)


def test_event_json_round_trip():
    """Every event type writes the keys the reader expects."""
    evs = [
        Event(0.0, "start", active="all"),
        Event(1.0, "arrive", id=3),
        Event(2.0, "fail", link=("a", "b")),
        Event(3.0, "reoptimize", max_moves=4, time_limit=0.5),
    ]
    lines = [json.dumps(e.to_json("request")) for e in evs]
    back = parse_lines(lines, "request").events
    assert [(e.type, e.subject) for e in back] == [(e.type, e.subject) for e in evs]
    assert back[3].max_moves == 4 and back[3].time_limit == 0.5
