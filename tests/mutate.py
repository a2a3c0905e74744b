"""A seeded mutator over the bundled input files of every format, and the CLI cases it
feeds (used by ``tests/core/test_fuzz.py``).

Every case is one file (or VNFCP folder) derived from a bundled one by a few random
mutations — structure-aware for JSON (replace, delete, add, duplicate, multiply,
wrap), token-aware for the text formats (VNFCP, GAP, GML), attribute- and DTD-aware
for GraphML — or by byte-level damage (truncation, flipped and inserted bytes, gzip,
a gzip bomb) — plus the command line that reads it (``info``, ``read``, ``solve``
with a fast method or a short time limit, ``evaluate`` of a mutated solution).
"""

from __future__ import annotations

import gzip
import json
import math
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
INSTANCES = ROOT / "instances"

#: Raw JSON texts a placeholder string is replaced by (not expressible by json.dumps).
RAW = {
    "__DEEP__": "[" * 3000 + "]" * 3000,
    "__DEEPOBJ__": '{"a":' * 2000 + "1" + "}" * 2000,
    "__BIGINT__": "9" * 5000,
    "__BIGNEG__": "-" + "9" * 60,
    "__HUGEFLOAT__": "1e999",
    "__TINY__": "1e-400",
    "__NAN__": "NaN",
    "__INF__": "Infinity",
    "__NINF__": "-Infinity",
}
NASTY = [
    None,
    "x",
    "",
    " ",
    [],
    {},
    -1,
    0,
    1,
    2,
    -0.0,
    0.5,
    1e308,
    -1e308,
    1e15,
    1e16,
    2**31,
    2**63,
    -(2**63),
    10**30,
    True,
    False,
    [None],
    ["a"],
    [1, 2],
    [[1]],
    {"a": 1},
    {"function": {}},
    "T1",
    "local",
    "edge",
    "cloud",
    "vm",
    "\u0000",
    "é" * 3,
    *RAW,
]
TOKENS = [
    "-1",
    "0",
    "-0",
    "1",
    "0.5",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e999",
    "1e308",
    "1e16",
    "9" * 5000,
    "abc",
    "",
    "(",
    ")",
    ",",
    "[",
    "]",
    "#",
    "-",
    "2147483648",
    "99999999999",
    "1e-400",
    "v0",
    "n0k0",
    "\x00",
]
DTDS = [
    # billion laughs
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;'
    '&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'
    '&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>',
    # external entity
    '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    # parameter entity
    "<!DOCTYPE foo [<!ENTITY % pe \"<!ENTITY x 'y'>\"> %pe;]>",
    '<!DOCTYPE graphml SYSTEM "http://example.invalid/graphml.dtd">',
]


@dataclass(frozen=True)
class Source:
    """A bundled input: its path, format family and the commands that read it."""

    path: Path
    kind: str  # json, solution, text, gap, graphml, gml, vnfcp
    commands: tuple[tuple[str, ...], ...]


def sources(work: Path) -> list[Source]:
    """Every bundled input (plus generated solution files and a GML copy) and the CLI
    commands a mutated copy is given to; ``{}`` stands for the mutated path."""
    from placement.cli import main

    off = DATA / "tiny.json"
    pipe = DATA / "pipeline" / "tiny.json"
    work.mkdir(parents=True, exist_ok=True)
    osol, psol = work / "off-sol.json", work / "pipe-sol.json"
    assert main(["solve", str(off), "--method", "greedy", "-o", str(osol), "--quiet"]) == 0
    assert main(["solve", str(pipe), "-o", str(psol), "--quiet", "--time-limit", "5"]) == 0
    import networkx as nx

    gml = work / "Abilene.gml"
    g = nx.read_graphml(INSTANCES / "pipeline" / "zoo" / "Abilene.graphml")
    nx.write_gml(g, gml)
    info = ("info", "{}")
    return [
        Source(off, "json", (info, ("solve", "{}", "--method", "greedy", "--quiet"),
                             ("evaluate", "{}", str(osol)))),
        Source(INSTANCES / "offloading" / "C-200-s1.json", "json",
               (info, ("solve", "{}", "--method", "nimbus", "--quiet"))),
        Source(osol, "solution", (("evaluate", str(off), "{}"),)),
        Source(pipe, "json", (info, ("read", "{}"),
                              ("solve", "{}", "--time-limit", "2", "--quiet"))),
        Source(INSTANCES / "pipeline" / "ecco-mixed-grid-n30-r8-s1.json", "json",
               (info, ("read", "{}"))),
        Source(psol, "solution", (("evaluate", str(pipe), "{}"),)),
        Source(INSTANCES / "pipeline" / "msgp2", "vnfcp", (info, ("read", "{}"))),
        Source(INSTANCES / "pipeline" / "eval-topo", "vnfcp", (info,)),
        Source(INSTANCES / "pipeline" / "gap" / "gap1-0", "gap",
               (("info", "{}", "--format", "gap"), ("read", "{}", "--format", "gap"))),
        Source(INSTANCES / "pipeline" / "gap" / "gap5-0", "gap", (("info", "{}", "--format", "gap"),)),
        Source(INSTANCES / "pipeline" / "zoo" / "Abilene.graphml", "graphml", (info, ("read", "{}"))),
        Source(INSTANCES / "pipeline" / "zoo" / "Nsfnet.graphml", "graphml", (info,)),
        Source(gml, "gml", (info, ("read", "{}"))),
    ]  # fmt: skip


# ------------------------------------------------------------------ JSON mutations
def _paths(d, pre=()):
    yield pre
    if isinstance(d, dict):
        for k, v in d.items():
            yield from _paths(v, (*pre, k))
    elif isinstance(d, list):
        for i, v in enumerate(d[:4]):
            yield from _paths(v, (*pre, i))


def _get(d, path):
    for k in path:
        d = d[k]
    return d


def _set(d, path, value):
    if not path:
        return value
    _get(d, path[:-1])[path[-1]] = value
    return d


def mutate_json(d, rng: random.Random, big: int = 300_000):
    """One structural mutation of a parsed JSON tree (returns the new root); a list
    grows to at most about ``big`` entries."""
    paths = list(_paths(d))
    path = rng.choice(paths)
    node = _get(d, path)
    op = rng.randrange(8)
    if op <= 2 or not path:
        return _set(d, path, rng.choice(NASTY)) if path else rng.choice([d, [d], 5, "x", None])
    parent = _get(d, path[:-1])
    key = path[-1]
    if op == 3:  # delete
        del parent[key]
    elif op == 4:  # add an unknown / odd key or entry
        if isinstance(node, dict):
            node[rng.choice(["zz", "name", "", "__proto__"])] = rng.choice(NASTY)
        elif isinstance(node, list):
            node.insert(rng.randrange(len(node) + 1), rng.choice(NASTY))
        else:
            parent[key] = [node, node]
    elif op == 5:  # multiply a list (up to ~big entries)
        if isinstance(node, list) and node:
            k = rng.choice([2, 10, max(1, min(1000, big // len(node))), max(1, big // len(node))])
            parent[key] = node * k
        else:
            parent[key] = {"value": node}
    elif op == 6:  # swap with a sibling
        sibs = list(parent.keys()) if isinstance(parent, dict) else list(range(len(parent)))
        other = rng.choice(sibs)
        parent[key], parent[other] = parent[other], parent[key]
    else:  # numeric nudge
        if isinstance(node, bool) or not isinstance(node, int | float):
            parent[key] = rng.choice(NASTY)
        else:
            parent[key] = rng.choice([-node, node * 1e300, node + 0.5, -1, 0, math.nextafter(0, 1)])
    return d


def dump_json(d) -> str:
    text = json.dumps(d, allow_nan=True)
    for k, v in RAW.items():
        text = text.replace(json.dumps(k), v)
    return text


# ------------------------------------------------------------------ text mutations
def mutate_text(text: str, rng: random.Random, kind: str, big: int = 300_000) -> str:
    """One token- or line-level mutation of a text format (at most about ``big`` more
    lines)."""
    lines = text.splitlines()
    op = rng.randrange(6)
    if not lines:
        return rng.choice(TOKENS)
    i = rng.randrange(len(lines))
    if op <= 2:  # replace a token
        toks = lines[i].replace(",", " , ").split()
        if toks:
            toks[rng.randrange(len(toks))] = rng.choice(TOKENS)
            sep = "," if "," in lines[i] else " "
            lines[i] = sep.join(t for t in toks if t != ",") if sep == "," else " ".join(toks)
    elif op == 3:
        del lines[i]
    elif op == 4:  # duplicate lines, up to ~300,000
        k = rng.choice([1, 10, min(1000, big), big // max(1, len(lines[i]) // 10 + 1)])
        lines[i + 1 : i + 1] = [lines[i]] * k
    else:  # huge header numbers
        lines[0] = rng.choice(["99999999 99999999", "1 1", "0 0", "-1 5", "3"])
    return "\n".join(lines) + "\n"


def mutate_xml(text: str, rng: random.Random) -> str:
    """One GraphML mutation: an attribute or data value, a DTD, deep nesting, a cut tag."""
    op = rng.randrange(6)
    if op == 0:
        decl_end = text.find("?>") + 2 if text.startswith("<?xml") else 0
        return text[:decl_end] + rng.choice(DTDS) + text[decl_end:]
    if op == 1:
        i = text.find("<graph ")
        return text[:i] + "<x>" * 5000 + "</x>" * 5000 + text[i:] if i > 0 else text
    if op == 2:
        cut = rng.randrange(len(text))
        return text[:cut]
    import re

    vals = list(re.finditer(r">([^<>]+)</data>", text))
    if vals:
        m = rng.choice(vals)
        new = rng.choice(["inf", "-inf", "nan", "1e999", "-1", "abc", "9" * 400, "", "1e308"])
        return text[: m.start(1)] + new + text[m.end(1) :]
    return text


# ------------------------------------------------------------------ byte mutations
def mutate_bytes(raw: bytes, rng: random.Random) -> bytes:
    """Byte-level damage: truncate, flip, insert, or gzip (or a gzip bomb)."""
    op = rng.randrange(6)
    if op == 0 and raw:
        return raw[: rng.randrange(len(raw))]
    if op == 1 and raw:
        b = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if op == 2:
        k = rng.randrange(len(raw) + 1)
        return raw[:k] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + raw[k:]
    if op == 3:
        return gzip.compress(raw, mtime=0)
    if op == 4:  # a small bomb: 70 MiB of spaces after a valid head, beyond the 64 MiB floor
        return gzip.compress(raw[: len(raw) // 2] + b" " * (70 * 2**20), compresslevel=1, mtime=0)
    return gzip.compress(raw, mtime=0)[: rng.randrange(10, 40)]  # truncated gzip


# ------------------------------------------------------------------ cases
@dataclass(frozen=True)
class Case:
    """One fuzz case: the mutated input written under a folder and the argv to run."""

    seed: int
    source: str
    argv: tuple[str, ...]


def make_case(src: Source, seed: int, work: Path, big: int = 300_000) -> Case:
    """Write a mutated copy of ``src`` under ``work`` and return the CLI case (lists and
    files grow to at most about ``big`` entries / lines)."""
    rng = random.Random(seed)
    out = work / f"case{seed}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    byte_level = rng.random() < 0.25
    if src.kind == "vnfcp":
        target = out / src.path.name
        shutil.copytree(src.path, target)
        f = target / rng.choice(["topology", "requests", "vnfLib"])
        if byte_level:
            f.write_bytes(mutate_bytes(f.read_bytes(), rng))
        else:
            text = f.read_text()
            for _ in range(rng.randint(1, 3)):
                text = mutate_text(text, rng, src.kind, big)
            f.write_text(text)
        path = target
    else:
        suffix = "".join(src.path.suffixes) or ""
        path = out / (src.path.name if not suffix else src.path.stem.split(".")[0] + suffix)
        raw = src.path.read_bytes()
        if byte_level:
            data = mutate_bytes(raw, rng)
            if data[:2] == b"\x1f\x8b" and src.kind in ("json", "solution"):
                path = path.with_name(path.name + ".gz")
            path.write_bytes(data)
        elif src.kind in ("json", "solution"):
            d = json.loads(raw)
            for _ in range(rng.randint(1, 3)):
                d = mutate_json(d, rng, big)
            path.write_text(dump_json(d))
        elif src.kind == "graphml":
            text = raw.decode()
            for _ in range(rng.randint(1, 2)):
                text = mutate_xml(text, rng)
            path.write_text(text)
        else:
            text = raw.decode()
            for _ in range(rng.randint(1, 3)):
                text = mutate_text(text, rng, src.kind, big)
            path.write_text(text)
    cmd = rng.choice(src.commands)
    argv = tuple(str(path) if a == "{}" else a for a in cmd)
    return Case(seed, src.path.name, argv)
