"""Event files: JSON Lines, one event per line, times in seconds, non-decreasing.

```json
{"t": 0, "type": "start", "active": "none"}
{"t": 0.5, "type": "arrive", "device": 17}
{"t": 1.0, "type": "depart", "device": 4}
{"t": 2.0, "type": "fail", "node": 3}
{"t": 9.0, "type": "recover", "node": 3}
{"t": 10.0, "type": "reoptimize", "max_moves": 50}
```

Pipelines write ``"request": "crash0"`` instead of ``"device"``, node names, and
``{"type": "fail", "link": ["u", "v"]}`` for a link. ``start`` (first line only) takes
``"active"``: ``"none"`` (default), ``"all"`` or a list of ids. An arrival may carry a new
entry instead of an id (``"device": {"ap": 3, "fps": 15, ...}``); it gets the next id.
``reoptimize`` takes optional ``max_moves`` (integer >= 0) and ``time_limit`` (> 0).

Rules, each an error naming the file and the line (with ``lenient``, a warning and the
line skipped): a line that is not a JSON object; a missing, negative or non-finite
time, or a time going backwards; an unknown type or key; ``start`` after the first
event; an id or node that does not exist; the arrival of an active id; the departure of
an inactive id; the failure of a failed node or link, the recovery of one that has not
failed; a bad ``max_moves`` / ``time_limit``. Blank lines carry nothing and are
ignored; nothing else is skipped silently.

This module is shared by every event producer (the generators, the config-B day, user
scripts): :func:`write_events` writes the format, :func:`read_events` reads and checks it.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from placement._io import atomic_write_text
from placement.errors import InputError
from placement.online.controller import EventRules

logger = logging.getLogger(__name__)

TYPES = ("start", "arrive", "depart", "fail", "recover", "reoptimize")


@dataclass(frozen=True, slots=True)
class Event:
    """One event.

    Attributes
    ----------
    t
        Time in seconds (non-decreasing along a file).
    type
        One of :data:`TYPES`.
    id
        ``arrive`` / ``depart``: device index or request name (``None`` for a new entry).
    spec
        ``arrive`` of a new device / request: its fields.
    node, link
        ``fail`` / ``recover``: the node, or (pipelines) the link ``(u, v)``.
    active
        ``start``: ``"none"``, ``"all"`` or a list of ids.
    max_moves, time_limit
        ``reoptimize``: move budget and seconds (``None``: the replay's defaults).
    line
        Line of the file (1-based; 0 when not read from a file).
    """

    t: float
    type: str
    id: Any = None
    spec: Mapping[str, Any] | None = None
    node: Any = None
    link: tuple[Any, Any] | None = None
    active: Any = None
    max_moves: int | None = None
    time_limit: float | None = None
    line: int = 0

    @property
    def subject(self) -> Any:
        """The id, node or link the event names (``None`` for start / reoptimize)."""
        if self.type in ("arrive", "depart"):
            return self.id
        if self.type in ("fail", "recover"):
            return self.node if self.link is None else self.link
        return None

    def to_json(self, id_key: str = "device") -> dict[str, Any]:
        """The JSON object of the event (``id_key``: ``device`` or ``request``)."""
        d: dict[str, Any] = {"t": self.t, "type": self.type}
        if self.type == "start":
            if self.active is not None:
                d["active"] = self.active if isinstance(self.active, str) else list(self.active)
        elif self.type in ("arrive", "depart"):
            d[id_key] = dict(self.spec) if self.spec is not None else self.id
        elif self.type in ("fail", "recover"):
            if self.link is not None:
                d["link"] = list(self.link)
            else:
                d["node"] = self.node
        elif self.type == "reoptimize":
            if self.max_moves is not None:
                d["max_moves"] = self.max_moves
            if self.time_limit is not None:
                d["time_limit"] = self.time_limit
        return d


@dataclass
class EventLog:
    """Events read from a file: the ones kept and the lines skipped (``lenient``)."""

    events: list[Event]
    skipped: list[str] = field(default_factory=list)


_KEYS = {
    "start": ("active",),
    "arrive": ("{id}",),
    "depart": ("{id}",),
    "fail": ("node", "link"),
    "recover": ("node", "link"),
    "reoptimize": ("max_moves", "time_limit"),
}


def _is_num(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float))


def parse_event(obj: Any, id_key: str, line: int = 0) -> Event:
    """The :class:`Event` of one parsed JSON value (syntax only; ids are not checked).

    Raises
    ------
    InputError
        With the rule (no file or line: the caller adds them).
    """
    if not isinstance(obj, dict):
        raise InputError(f"an event must be a JSON object, got {type(obj).__name__}")
    if "t" not in obj:
        raise InputError("missing time 't'")
    t = obj["t"]
    if not _is_num(t) or not math.isfinite(t) or t < 0:
        raise InputError(f"time 't' must be a finite number >= 0, got {t!r}")
    typ = obj.get("type")
    if typ not in TYPES:
        raise InputError(f"unknown event type {typ!r} (known: {', '.join(TYPES)})")
    allowed = {k.format(id=id_key) for k in _KEYS[typ]} | {"t", "type"}
    for k in obj:
        if k not in allowed:
            raise InputError(f"unknown key {k!r} in a {typ} event (allowed: {sorted(allowed)})")
    t = float(t)
    if typ == "start":
        active = obj.get("active", "none")
        if not (active in ("none", "all") or isinstance(active, list)):
            raise InputError(f'start: active must be "none", "all" or a list, got {active!r}')
        return Event(t, typ, active=active, line=line)
    if typ in ("arrive", "depart"):
        if id_key not in obj:
            raise InputError(f"{typ}: missing key {id_key!r}")
        v = obj[id_key]
        if isinstance(v, dict):
            if typ == "depart":
                raise InputError(f"depart: {id_key!r} must be an id, not an object")
            return Event(t, typ, spec=v, line=line)
        return Event(t, typ, id=v, line=line)
    if typ in ("fail", "recover"):
        if ("node" in obj) == ("link" in obj):
            raise InputError(f"{typ}: give exactly one of 'node' and 'link'")
        if "link" in obj:
            lk = obj["link"]
            if not isinstance(lk, list) or len(lk) != 2:
                raise InputError(f"{typ}: link must be a list [u, v], got {lk!r}")
            return Event(t, typ, link=(lk[0], lk[1]), line=line)
        return Event(t, typ, node=obj["node"], line=line)
    mm = obj.get("max_moves")
    if mm is not None and (isinstance(mm, bool) or not isinstance(mm, int) or mm < 0):
        raise InputError(f"reoptimize: max_moves must be an integer >= 0, got {mm!r}")
    tl = obj.get("time_limit")
    if tl is not None and (not _is_num(tl) or not math.isfinite(tl) or tl <= 0):
        raise InputError(f"reoptimize: time_limit must be a number > 0, got {tl!r}")
    return Event(t, typ, max_moves=mm, time_limit=None if tl is None else float(tl), line=line)


def _id(v: Any, rules: EventRules, added: set[Any]) -> Any:
    ok_type = isinstance(v, rules.id_type) and not isinstance(v, bool)
    if not ok_type:
        raise InputError(f"{rules.id_key} must be {_type_name(rules.id_type)}, got {v!r}")
    if v in rules.ids or v in added:
        return v
    raise InputError(f"unknown {rules.id_key} {v!r}")


def _node(ev: Event, rules: EventRules) -> Any:
    if ev.link is not None:
        if not rules.links:
            raise InputError(f"{ev.type}: {rules.problem} instances have no links to fail")
        key = frozenset(ev.link)
        if key not in rules.links:
            raise InputError(f"unknown link {ev.link[0]!r}-{ev.link[1]!r}")
        return ("link", key)
    v = ev.node
    if not isinstance(v, rules.node_type) or isinstance(v, bool):
        raise InputError(f"node must be {_type_name(rules.node_type)}, got {v!r}")
    if v not in rules.nodes:
        raise InputError(f"unknown node {v!r}")
    return v


def _type_name(t: type) -> str:
    return "an integer index" if t is int else "a name"


def _what(key: Any) -> str:
    if isinstance(key, tuple):
        u, v = sorted(key[1], key=str)
        return f"link {u!r}-{v!r}"
    return f"node {key!r}"


def check_events(
    events: Iterable[Event], rules: EventRules, *, lenient: bool = False, path: str | None = None
) -> EventLog:
    """Check ``events`` against the instance's ``rules`` and the state they build (which
    ids are active, which nodes and links failed); see the module docstring.

    Raises
    ------
    InputError
        Naming ``path`` and the line of the first broken rule (unless ``lenient``).
    """
    active: set[Any] = set()
    failed: set[Any] = set()
    added: set[Any] = set()
    kept: list[Event] = []
    skipped: list[str] = []
    last_t = -math.inf
    for ev in events:
        try:
            if ev.t < last_t:
                raise InputError(f"time goes backwards ({ev.t:g} after {last_t:g})")
            if ev.type == "start":
                if kept:
                    raise InputError("start must be the first event")
                if ev.active == "all":
                    active = set(rules.ids)
                elif isinstance(ev.active, list):
                    ids = [_id(v, rules, added) for v in ev.active]
                    if len(set(ids)) != len(ids):
                        raise InputError("start: active lists an id twice")
                    active = set(ids)
            elif ev.type == "arrive":
                if ev.spec is not None:
                    if rules.new_id is None:
                        raise InputError(f"new {rules.id_key}s cannot be added by an event")
                    key = rules.new_id(ev.spec, len(added))
                    added.add(key)
                else:
                    key = _id(ev.id, rules, added)
                    if key in active:
                        raise InputError(f"arrival of {rules.id_key} {key!r}, which is active")
                active.add(key)
            elif ev.type == "depart":
                key = _id(ev.id, rules, added)
                if key not in active:
                    raise InputError(f"departure of {rules.id_key} {key!r}, which is not active")
                active.discard(key)
            elif ev.type == "fail":
                key = _node(ev, rules)
                if key in failed:
                    raise InputError(f"failure of {_what(key)}, which has failed already")
                failed.add(key)
            elif ev.type == "recover":
                key = _node(ev, rules)
                if key not in failed:
                    raise InputError(f"recovery of {_what(key)}, which has not failed")
                failed.discard(key)
        except InputError as exc:
            msg = f"line {ev.line}: {exc.rule}"
            if not lenient:
                raise InputError(msg, path=path) from None
            skipped.append(msg)
            continue
        last_t = ev.t
        kept.append(ev)
    return EventLog(kept, skipped)


def parse_lines(
    lines: Iterable[str], id_key: str, *, lenient: bool = False, path: str | None = None
) -> EventLog:
    """Parse JSON Lines text into events (syntax only), numbering lines from 1."""
    events: list[Event] = []
    skipped: list[str] = []
    for no, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
            events.append(parse_event(obj, id_key, no))
        except InputError as exc:
            msg = f"line {no}: {exc.rule}"
            if not lenient:
                raise InputError(msg, path=path) from None
            skipped.append(msg)
    return EventLog(events, skipped)


def read_events(
    path: str | os.PathLike[str], rules: EventRules, *, lenient: bool = False
) -> EventLog:
    """Read and check an event file (module docstring).

    Parameters
    ----------
    path
        The JSON Lines file.
    rules
        What the instance's events may name
        (:func:`placement.online.controller.rules_for`).
    lenient
        Skip broken lines with a warning instead of raising.

    Returns
    -------
    EventLog
        The events kept and one message per line skipped.

    Raises
    ------
    InputError
        Naming the file and the line of the first broken rule (unless ``lenient``), or
        when the file cannot be read.
    """
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise InputError("file not found", path=name) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", path=name) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path=name) from None
    parsed = parse_lines(text.splitlines(), rules.id_key, lenient=lenient, path=name)
    log = check_events(parsed.events, rules, lenient=lenient, path=name)
    skipped = sorted(parsed.skipped + log.skipped, key=lambda m: int(m.split()[1].rstrip(":")))
    for m in skipped:
        logger.warning("%s: %s; line skipped", name, m)
    return EventLog(log.events, skipped)


def write_events(
    path: str | os.PathLike[str], events: Iterable[Event], *, id_key: str = "device"
) -> None:
    """Write ``events`` as JSON Lines, atomically (``id_key``: ``device`` or ``request``)."""
    lines = [json.dumps(ev.to_json(id_key), allow_nan=False) for ev in events]
    atomic_write_text(path, "\n".join(lines) + ("\n" if lines else ""))
