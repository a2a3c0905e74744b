"""Every reader refuses what later code cannot handle: sizes, decompression bombs,
nesting, absurd numbers, DTDs — one InputError naming the file and the rule."""

from __future__ import annotations

import gzip
import json
import os
import time
import zlib
from pathlib import Path

import pytest

import placement
from placement._io import (
    LIMITS,
    check_xml,
    load_json,
    override_limits,
    parse_json,
    read_bytes,
    read_limits,
)
from placement.errors import InputError
from placement.io import read_any

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny.json"
PIPE_TINY = ROOT / "tests" / "data" / "pipeline" / "tiny.json"
ABILENE = ROOT / "instances" / "pipeline" / "zoo" / "Abilene.graphml"


def _bomb(path: Path, head: bytes, mib: int) -> None:
    """A gzip file of ``head`` followed by ``mib`` MiB of spaces, written in chunks."""
    z = zlib.compressobj(1, zlib.DEFLATED, 31)
    chunk = b" " * (1 << 20)
    with open(path, "wb") as fh:
        fh.write(z.compress(head))
        for _ in range(mib):
            fh.write(z.compress(chunk))
        fh.write(z.flush())


def test_decompression_bomb_refused_fast(tmp_path):
    """A gzip file expanding beyond 50x its size (floor 64 MiB) stops at the cap, in bounded time."""
    p = tmp_path / "bomb.json.gz"
    _bomb(p, TINY.read_bytes()[:-2], 300)
    assert p.stat().st_size < 2 * 2**20
    t = time.perf_counter()
    with pytest.raises(InputError, match="decompression bomb") as info:
        placement.read_instance(p)
    assert time.perf_counter() - t < 10
    assert str(p) in str(info.value)


def test_decompression_cap_follows_ratio_and_is_overridable(tmp_path):
    """The cap is max(ratio x compressed size, floor); both can be changed."""
    p = tmp_path / "big.json.gz"
    _bomb(p, TINY.read_bytes(), 2)  # a valid file followed by 2 MiB of spaces
    assert placement.read_instance(p).n_devices == 5
    with override_limits(decompression_floor=2**20):
        with pytest.raises(InputError, match="expands beyond"):
            placement.read_instance(p)
        with override_limits(decompression_ratio=1e6):
            assert placement.read_instance(p).n_devices == 5


def test_file_size_limit_and_env_override(tmp_path, monkeypatch):
    """A file over max_file_bytes is refused naming the limit; PLACEMENT_READ_LIMITS raises it."""
    p = tmp_path / "t.json"
    p.write_bytes(TINY.read_bytes())
    monkeypatch.setenv("PLACEMENT_READ_LIMITS", "offloading.max_file_bytes=100")
    with pytest.raises(InputError, match="exceeds the offloading limit"):
        placement.read_instance(p)
    monkeypatch.setenv("PLACEMENT_READ_LIMITS", "offloading.max_file_bytes=1KiB,max_depth=9")
    assert read_limits("offloading").max_file_bytes == 1024
    assert read_limits("pipeline").max_depth == 9
    monkeypatch.setenv("PLACEMENT_READ_LIMITS", "max_file_bytes=2MiB")
    assert placement.read_instance(p).n_devices == 5
    monkeypatch.setenv("PLACEMENT_READ_LIMITS", "nonsense=3")
    with pytest.raises(InputError, match="PLACEMENT_READ_LIMITS"):
        read_limits("offloading")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("[" * 3000 + "]" * 3000, "nested deeper"),
        ('{"a":' * 40 + "1" + "}" * 40, "nested deeper"),
        ('{"a": ' + "9" * 5000 + "}", "digits"),
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ('{"a": [1, 2', "invalid JSON at line 1"),
    ],
)
def test_json_limits(text, rule):
    """Deep nesting, huge integers, duplicate keys and truncation are input errors."""
    with pytest.raises(InputError, match=rule):
        parse_json(text, "pipeline", path="x.json")


def test_json_item_limit():
    """A tree with more values than max_items is refused."""
    with override_limits(max_items=10):
        with pytest.raises(InputError, match="more than the default limit of 10 values"):
            parse_json(json.dumps(list(range(11))))
        assert parse_json(json.dumps(list(range(10)))) == list(range(10))


@pytest.mark.parametrize(
    ("mutate", "field", "rule"),
    [
        (lambda d: d["devices"]["fps"].__setitem__(0, float("nan")), "devices.fps", "finite"),
        (lambda d: d["devices"]["fps"].__setitem__(0, 1e300), "devices.fps", "beyond the limit"),
        (lambda d: d["devices"]["lte_mbps"].__setitem__(1, 5e-324), "devices.lte_mbps", ">= 1e-12"),
        (lambda d: d.__setitem__("generator", {"seed": float("inf")}), "generator.seed", "finite"),
    ],
)
def test_offloading_numbers(tmp_path, mutate, field, rule):
    """Non-finite, absurd and denormal numbers are refused naming the field."""
    d = json.loads(TINY.read_text())
    mutate(d)
    p = tmp_path / "t.json"
    p.write_text(json.dumps(d, allow_nan=True))
    with pytest.raises(InputError, match=rule) as info:
        placement.read_instance(p)
    assert info.value.field == field and str(p) in str(info.value)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["functions"][0].__setitem__("flavour", {}), "functions[0].flavour"),
        (lambda d: d["functions"][0].__setitem__("capacity", 1e300), "functions[0].capacity"),
        (lambda d: d["requests"][0]["steps"][1].__setitem__("function", ["x"]), "function"),
        (lambda d: d["requests"][0]["steps"][0].__setitem__("replicas", 10**30), "replicas"),
        (lambda d: d["substrate"]["nodes"][0].__setitem__("coords", [1e999, 0]), "coords"),
        (lambda d: d.__setitem__("meta", {"x": [float("nan")]}), "meta.x[0]"),
    ],
)
def test_pipeline_types_and_numbers(tmp_path, mutate, field):
    """Wrong types and absurd numbers anywhere in a pipeline file name their field."""
    d = json.loads(PIPE_TINY.read_text())
    mutate(d)
    p = tmp_path / "p.json"
    p.write_text(json.dumps(d, allow_nan=True))
    with pytest.raises(InputError) as info:
        read_any(p)
    assert field in (info.value.field or "") and str(p) in str(info.value)


def test_pipeline_record_limit(tmp_path):
    """A pipeline file with more requests than max_records is refused before it is built."""
    d = json.loads(PIPE_TINY.read_text())
    base = d["requests"][0]
    d["requests"] = [{**base, "name": f"r{k}"} for k in range(12)]
    p = tmp_path / "p.json"
    p.write_text(json.dumps(d))
    with override_limits("pipeline", max_records=11):
        with pytest.raises(InputError, match="12 entries exceed the pipeline limit") as info:
            read_any(p)
    assert info.value.field == "requests"
    assert len(read_any(p).requests) == 12


def test_vnfcp_alias_explosion_is_bounded(tmp_path, bundle=ROOT / "instances" / "pipeline"):
    """Nested VNFCP aliases that expand exponentially are refused, not expanded."""
    import shutil

    d = tmp_path / "v"
    shutil.copytree(bundle / "msgp2", d)
    lib = (d / "vnfLib").read_text()
    aliases = ["[abbrev]", "a0, v0, v0, v0, v0, v0, v0, v0, v0, v0, v0"]
    aliases += [f"a{k}, " + ", ".join([f"a{k - 1}"] * 10) for k in range(1, 12)]
    (d / "vnfLib").write_text(lib + "\n" + "\n".join(aliases) + "\n")
    (d / "requests").write_text("src3,dst7,1000,40,a11\n")
    t = time.perf_counter()
    with pytest.raises(InputError, match="expands to more than|exceed the vnfcp limit"):
        read_any(d)
    assert time.perf_counter() - t < 10


@pytest.mark.parametrize(
    "dtd",
    [
        '<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        "<!DOCTYPE l [<!ENTITY % p \"<!ENTITY y 'z'>\"> %p;]>",
        '<!DOCTYPE graphml SYSTEM "http://example.invalid/g.dtd">',
    ],
)
def test_graphml_refuses_any_dtd(tmp_path, dtd):
    """GraphML with any document type declaration (entities, parameter entities, external
    DTDs) is refused before networkx parses it, whatever the Python build's expat does."""
    text = ABILENE.read_text()
    cut = text.index("?>") + 2
    p = tmp_path / "g.graphml"
    p.write_text(text[:cut] + dtd + text[cut:])
    with pytest.raises(InputError, match="document type declaration"):
        read_any(p)
    with pytest.raises(InputError, match="document type declaration"):
        check_xml(p.read_bytes())


@pytest.mark.parametrize("value", ["inf", "nan", "91.5", "1e999"])
def test_graphml_out_of_range_coordinates(tmp_path, value):
    """A GraphML latitude that is not a latitude is an input error naming the node, not a
    math domain error."""
    text = ABILENE.read_text()
    assert '<data key="d29">40.71427</data>' in text
    p = tmp_path / "g.graphml"
    p.write_text(text.replace('<data key="d29">40.71427</data>', f'<data key="d29">{value}</data>'))
    with pytest.raises(InputError, match="Latitude") as info:
        read_any(p)
    assert str(p) in str(info.value)


@pytest.mark.parametrize("where", ["/dev/zero", "dir"])
def test_non_regular_inputs(tmp_path, where):
    """A device or a directory given as an input file is refused without reading it."""
    path = "/dev/zero" if where == "/dev/zero" else str(tmp_path)
    if where == "/dev/zero" and not os.path.exists(path):
        pytest.skip("no /dev/zero")
    with pytest.raises(InputError, match="not a regular file|is a directory"):
        load_json(path, "offloading")
    with pytest.raises(InputError):
        read_bytes(path)


def test_every_format_has_limits():
    """The limits table names every format a reader of this package reads."""
    fmts = {f for spec in placement.registry.PROBLEMS.values() for f in spec.formats}
    assert fmts | {"solution", "default"} <= set(LIMITS)


def test_gzip_round_trip_unchanged(tmp_path, tiny):
    """A gzip instance written by the package reads back under the default limits."""
    p = tmp_path / "t.json.gz"
    placement.write_instance(tiny, p)
    assert gzip.decompress(p.read_bytes())[:1] == b"{"
    assert placement.read_instance(p).n_devices == tiny.n_devices
