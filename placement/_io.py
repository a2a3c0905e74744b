"""I/O helpers every reader and writer uses: input limits, bounded reads and
decompression, hardened JSON and XML parsing, output checks and atomic writes.

Input limits
------------
Every reader refuses input that later code could not handle, with an
:class:`~placement.errors.InputError` naming the file and the rule. The limits of a
format (:class:`ReadLimits`, table :data:`LIMITS`) are applied by calling, from the
reader:

* :func:`read_bytes` — the file must be a regular file no larger than
  ``max_file_bytes``; gzip input (by its magic bytes) is decompressed as a stream and
  refused once it grows beyond ``min(max_text_bytes, max(decompression_ratio ×
  compressed size, decompression_floor))`` (a decompression bomb stops there, after
  bounded time and memory);
* :func:`read_text` — the same, decoded as UTF-8;
* :func:`load_json` — the same, then JSON without integers of more than
  ``max_int_digits`` digits, without duplicate keys, nested at most ``max_depth`` deep
  and holding at most ``max_items`` values (:func:`check_tree`, also for YAML and other
  parsed trees). ``NaN``, ``Infinity`` and numbers beyond a float's range parse as
  non-finite floats so that the reader refuses them naming the field (every numeric
  field checks finiteness; :func:`check_finite` does it for free-form objects);
* :func:`check_xml` — XML without any document type declaration (so no entity
  expansion, no external entity; independent of the Python build's expat), with at
  most ``max_items`` elements;
* :func:`check_count` — a collection of the format (devices, nodes, requests, lines,
  tokens) holds at most ``max_records`` entries;
* :func:`check_quantity` — a number is finite and within ``±max_number`` (``null``
  spells "unbounded" in the formats that allow it).

=============  ==========  ==========  =====  ===========  ===========
format         file        text        depth  items        records
=============  ==========  ==========  =====  ===========  ===========
offloading     1 GiB       2 GiB       8      250,000,000  50,000,000
solution       1 GiB       2 GiB       16     250,000,000  50,000,000
pipeline       256 MiB     1 GiB       32     20,000,000   100,000
vnfcp          64 MiB      64 MiB      -      -            100,000
gap            64 MiB      64 MiB      -      -            5,000,000
graphml        256 MiB     1 GiB       64     20,000,000   1,000,000
gml            8 MiB       8 MiB       64     20,000,000   1,000,000
bjointsp       64 MiB      64 MiB      64     20,000,000   1,000,000
default        1 GiB       2 GiB       32     50,000,000   10,000,000
=============  ==========  ==========  =====  ===========  ===========

Every format: decompression ratio 50, floor 64 MiB, integers of at most 40 digits,
quantities within ±1e15. A reader added later picks a row (or ``default``) by name.
Override for one block of code with :func:`override_limits`, or for a whole run with
the environment variable ``PLACEMENT_READ_LIMITS`` (comma-separated ``name=value``,
optionally ``format.name=value``; sizes take ``KiB``/``MiB``/``GiB``), e.g.
``PLACEMENT_READ_LIMITS="max_file_bytes=8GiB,pipeline.max_records=1e6"``.

Outputs
-------
:func:`check_output` refuses an output that is empty, names an input file (after
following symlinks), a directory, a device or another non-regular file, or lies in a
folder that does not exist; :func:`atomic_write_bytes` writes through a temporary
file in the final target's folder and renames it onto the target, so a symlink keeps
pointing at the new content and never gets replaced by a file, and a crash, a full
disk or Ctrl-C leaves either the old content or the new one.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import gzip
import io
import json
import math
import os
import re
import stat
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from placement.errors import InputError

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30


@dataclass(frozen=True)
class ReadLimits:
    """What a reader accepts (see the module docstring for the table per format).

    Attributes
    ----------
    max_file_bytes
        Size of the file on disk (compressed or not).
    max_text_bytes
        Size after decompression (absolute cap).
    decompression_ratio, decompression_floor
        A compressed file may expand to ``max(ratio × its size, floor)`` bytes (and
        never beyond ``max_text_bytes``).
    max_depth
        Nesting of JSON / XML / GML containers.
    max_items
        Values of a parsed tree (JSON array entries and object members; XML elements).
    max_int_digits
        Digits of a JSON integer.
    max_records
        Entries of one collection of the format (devices, nodes, links, requests,
        lines, tokens).
    max_number
        Largest magnitude of a quantity.
    """

    max_file_bytes: int = 1 * GiB
    max_text_bytes: int = 2 * GiB
    decompression_ratio: float = 50.0
    decompression_floor: int = 64 * MiB
    max_depth: int = 32
    max_items: int = 50_000_000
    max_int_digits: int = 40
    max_records: int = 10_000_000
    max_number: float = 1e15


#: The limits of each format (``default`` for a format not listed).
LIMITS: dict[str, ReadLimits] = {
    "default": ReadLimits(),
    "offloading": ReadLimits(max_depth=8, max_items=250_000_000, max_records=50_000_000),
    "solution": ReadLimits(max_depth=16, max_items=250_000_000, max_records=50_000_000),
    "pipeline": ReadLimits(
        max_file_bytes=256 * MiB, max_text_bytes=1 * GiB, max_items=20_000_000, max_records=100_000
    ),
    "vnfcp": ReadLimits(max_file_bytes=64 * MiB, max_text_bytes=64 * MiB, max_records=100_000),
    "gap": ReadLimits(max_file_bytes=64 * MiB, max_text_bytes=64 * MiB, max_records=5_000_000),
    "graphml": ReadLimits(
        max_file_bytes=256 * MiB,
        max_text_bytes=1 * GiB,
        max_depth=64,
        max_items=20_000_000,
        max_records=1_000_000,
    ),
    "gml": ReadLimits(
        max_file_bytes=8 * MiB,
        max_text_bytes=8 * MiB,
        max_depth=64,
        max_items=20_000_000,
        max_records=1_000_000,
    ),
    # B-JointSP: a GraphML network and two YAML files (YAML aliases are refused)
    "bjointsp": ReadLimits(
        max_file_bytes=64 * MiB,
        max_text_bytes=64 * MiB,
        max_depth=64,
        max_items=20_000_000,
        max_records=1_000_000,
    ),
}

_OVERRIDES: contextvars.ContextVar[tuple[tuple[str | None, dict[str, Any]], ...]] = (
    contextvars.ContextVar("placement_read_limits", default=())
)
_UNITS = {"kib": KiB, "mib": MiB, "gib": GiB, "kb": 1000, "mb": 10**6, "gb": 10**9}


def _parse_value(name: str, text: str) -> Any:
    t = text.strip().lower().replace("_", "")
    mult = 1
    for unit, m in _UNITS.items():
        if t.endswith(unit):
            t, mult = t[: -len(unit)], m
            break
    try:
        v = float(t) * mult
    except ValueError:
        raise InputError(
            f"PLACEMENT_READ_LIMITS: {name} must be a number, got {text!r}", field=name
        ) from None
    if not math.isfinite(v) or v <= 0:
        raise InputError(f"PLACEMENT_READ_LIMITS: {name} must be > 0, got {text!r}", field=name)
    kind = {f.name: f.type for f in dataclasses.fields(ReadLimits)}[name]
    return v if "float" in str(kind) else int(v)


_ENV_CACHE: dict[str, list[tuple[str | None, dict[str, Any]]]] = {}


def _env_overrides() -> list[tuple[str | None, dict[str, Any]]]:
    spec = os.environ.get("PLACEMENT_READ_LIMITS", "").strip()
    if not spec:
        return []
    if spec not in _ENV_CACHE:
        _ENV_CACHE.clear()
        _ENV_CACHE[spec] = _parse_env(spec)
    return _ENV_CACHE[spec]


def _parse_env(spec: str) -> list[tuple[str | None, dict[str, Any]]]:
    names = {f.name for f in dataclasses.fields(ReadLimits)}
    out: list[tuple[str | None, dict[str, Any]]] = []
    for part in spec.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        fmt, _, name = key.strip().rpartition(".")
        if not sep or name not in names:
            raise InputError(
                f"PLACEMENT_READ_LIMITS: expected name=value with a name in {sorted(names)}, "
                f"got {part.strip()!r}",
                field="PLACEMENT_READ_LIMITS",
            )
        out.append((fmt or None, {name: _parse_value(name, value)}))
    return out


def read_limits(fmt: str = "default") -> ReadLimits:
    """The limits of format ``fmt`` with the overrides in force applied
    (``PLACEMENT_READ_LIMITS`` first, then :func:`override_limits` blocks)."""
    lim = LIMITS.get(fmt, LIMITS["default"])
    env, ctx = _env_overrides(), _OVERRIDES.get()
    if not env and not ctx:
        return lim
    for f, changes in [*env, *ctx]:
        if f is None or f == fmt:
            lim = dataclasses.replace(lim, **changes)
    return lim


@contextlib.contextmanager
def override_limits(fmt: str | None = None, **changes: Any) -> Iterator[None]:
    """Change read limits inside a ``with`` block (every format, or only ``fmt``).

    >>> with override_limits("pipeline", max_records=10):
    ...     read_limits("pipeline").max_records
    10
    """
    names = {f.name for f in dataclasses.fields(ReadLimits)}
    for k in changes:
        if k not in names:
            raise InputError(f"unknown read limit (known: {sorted(names)})", field=k)
    token = _OVERRIDES.set((*_OVERRIDES.get(), (fmt, dict(changes))))
    try:
        yield
    finally:
        _OVERRIDES.reset(token)


def _limit_hint() -> str:
    return " (raise it with PLACEMENT_READ_LIMITS)"


# ------------------------------------------------------------------ bounded reads
def _size(n: float) -> str:
    for unit, m in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= m:
            return f"{n / m:.3g} {unit}"
    return f"{int(n)} bytes"


def regular_file(path: str | os.PathLike[str]) -> os.stat_result:
    """``stat`` of ``path`` if it is an existing regular file (symlinks followed).

    Raises
    ------
    InputError
        File not found, a directory, a device, FIFO or socket, or unreadable.
    """
    if os.fspath(path) == "":
        raise InputError("empty file name")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError("file not found", path=os.fspath(path)) from None
    except OSError as exc:
        raise InputError(
            f"cannot read file ({exc.strerror or exc})", path=os.fspath(path)
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("is a directory, expected a file", path=os.fspath(path))
    if not stat.S_ISREG(st.st_mode):
        raise InputError("not a regular file (a device, FIFO or socket)", path=os.fspath(path))
    return st


def read_bytes(path: str | os.PathLike[str], fmt: str = "default") -> bytes:
    """The content of the regular file ``path``, gunzipped when it starts with the gzip
    magic bytes, within the size and decompression limits of ``fmt``.

    Raises
    ------
    InputError
        Not a readable regular file, over a size limit, or a corrupt gzip stream.
    """
    lim = read_limits(fmt)
    name = os.fspath(path)
    st = regular_file(path)
    if st.st_size > lim.max_file_bytes:
        raise InputError(
            f"file of {_size(st.st_size)} exceeds the {fmt} limit of "
            f"{_size(lim.max_file_bytes)}{_limit_hint()}",
            path=name,
        )
    try:
        with open(path, "rb") as fh:
            raw = fh.read(lim.max_file_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", path=name) from None
    if len(raw) > lim.max_file_bytes:
        raise InputError(f"file exceeds the {fmt} limit of {_size(lim.max_file_bytes)}", path=name)
    if raw[:2] == b"\x1f\x8b":
        cap = int(
            min(
                lim.max_text_bytes, max(lim.decompression_ratio * len(raw), lim.decompression_floor)
            )
        )
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
                out = gz.read(cap + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"corrupt gzip data ({exc})", path=name) from None
        if len(out) > cap:
            raise InputError(
                f"gzip data expands beyond {_size(cap)} ({len(raw)} bytes compressed): refused as "
                f"a possible decompression bomb{_limit_hint()}",
                path=name,
            )
        return out
    if len(raw) > lim.max_text_bytes:
        raise InputError(f"file exceeds the {fmt} limit of {_size(lim.max_text_bytes)}", path=name)
    return raw


def read_text(path: str | os.PathLike[str], fmt: str = "default") -> str:
    """:func:`read_bytes` decoded as UTF-8 (a leading byte-order mark is dropped)."""
    raw = read_bytes(path, fmt)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start} is {raw[exc.start : exc.start + 1]!r})",
            path=os.fspath(path),
        ) from None


def check_count(
    n: int, what: str, fmt: str = "default", *, path: str | None = None, field: str | None = None
) -> None:
    """Refuse a collection of ``n`` ``what`` beyond the format's ``max_records``."""
    lim = read_limits(fmt).max_records
    if n > lim:
        raise InputError(
            f"{n} {what} exceed the {fmt} limit of {lim}{_limit_hint()}",
            path=path,
            field=field,
        )


def check_quantity(
    value: Any, field: str, fmt: str = "default", *, allow_inf: bool = False
) -> float:
    """``value`` as a float if it is a number (not a bool), not NaN, finite unless
    ``allow_inf``, and within ``±max_number`` of the format.

    Raises
    ------
    InputError
        Naming ``field`` and the rule.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"must be a number, got {value!r}", field=field)
    try:
        v = float(value)
    except OverflowError:
        raise InputError(
            "must be finite, got a number too large for a float", field=field
        ) from None
    if math.isnan(v):
        raise InputError("must be a number, got NaN", field=field)
    if math.isinf(v):
        if allow_inf:
            return v
        raise InputError(f"must be finite, got {value!r}", field=field)
    lim = read_limits(fmt).max_number
    if abs(v) > lim:
        raise InputError(f"must be within ±{lim:g}, got {value!r}", field=field)
    return v


# ------------------------------------------------------------------ JSON
class _Refused(ValueError):
    """A JSON value a reader refuses (raised from inside the parser's hooks)."""


def check_tree(obj: Any, fmt: str = "default", *, path: str | None = None) -> None:
    """Refuse a parsed tree (JSON, YAML) nested deeper than ``max_depth`` or holding
    more than ``max_items`` values (iterative: never recurses)."""
    lim = read_limits(fmt)
    stack = [(obj, 1)]
    items = 0
    while stack:
        node, depth = stack.pop()
        if depth > lim.max_depth:
            raise InputError(
                f"nested deeper than the {fmt} limit of {lim.max_depth} levels", path=path
            )
        values = node.values() if isinstance(node, dict) else node
        items += len(values)
        if items > lim.max_items:
            raise InputError(
                f"more than the {fmt} limit of {lim.max_items} values{_limit_hint()}", path=path
            )
        for v in values:
            if isinstance(v, dict | list):
                stack.append((v, depth + 1))


def check_finite(obj: Any, field: str) -> None:
    """Refuse a non-finite float anywhere in a free-form parsed object (iterative)."""
    stack = [(obj, field)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            raise InputError(f"must hold finite numbers only, got {node!r}", field=where)
        if isinstance(node, dict):
            stack.extend((v, f"{where}.{k}") for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(node))


def parse_json(text: str | bytes, fmt: str = "default", *, path: str | None = None) -> Any:
    """Parse JSON text under the limits of ``fmt`` (see the module docstring).

    Raises
    ------
    InputError
        Invalid JSON or a refused value, with the line and column where known.
    """
    lim = read_limits(fmt)
    digits = lim.max_int_digits

    def parse_int(s: str) -> int:
        if len(s.lstrip("-")) > digits:
            raise _Refused(f"integer of {len(s.lstrip('-'))} digits (the limit is {digits})")
        return int(s)

    def pairs(kv: list[tuple[str, Any]]) -> dict[str, Any]:
        d = dict(kv)
        if len(d) != len(kv):
            seen: set[str] = set()
            dup = next(k for k, _ in kv if k in seen or seen.add(k))  # type: ignore[func-returns-value]
            raise _Refused(f"duplicate key {dup!r}")
        return d

    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        obj = json.loads(
            text,
            parse_int=parse_int,
            object_pairs_hook=pairs,
        )
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (at byte {exc.start})", path=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", path=path
        ) from None
    except _Refused as exc:
        raise InputError(f"invalid JSON: {exc}", path=path) from None
    except RecursionError:
        raise InputError(
            f"nested deeper than the {fmt} limit of {lim.max_depth} levels", path=path
        ) from None
    except ValueError as exc:  # e.g. the interpreter's integer-string conversion limit
        raise InputError(f"invalid JSON: {exc}", path=path) from None
    if isinstance(obj, dict | list):
        check_tree(obj, fmt, path=path)
    return obj


def load_json(path: str | os.PathLike[str], fmt: str = "default") -> Any:
    """Read JSON from ``path`` (gzip transparently) under the limits of ``fmt``.

    Raises
    ------
    InputError
        If the file is missing, not a regular file, too large, not valid gzip,
        not UTF-8, not valid JSON or beyond a limit.
    """
    raw = read_bytes(path, fmt)
    return parse_json(raw, fmt, path=os.fspath(path))


# ------------------------------------------------------------------ XML
def check_xml(raw: bytes, fmt: str = "default", *, path: str | None = None) -> None:
    """Refuse XML with a document type declaration (hence any entity definition,
    internal or external) or with more elements than ``max_items``, before any other
    parser sees it; malformed XML is refused too. The check runs its own expat parser
    whose handlers stop at the declaration, so it holds whatever the Python build's
    expat does about entity expansion."""
    import xml.parsers.expat as expat

    lim = read_limits(fmt)
    count = [0]
    depth = [0]

    def doctype(*_: Any) -> None:
        raise _Refused("a document type declaration (DTD) is not allowed")

    def entity(*_: Any) -> None:
        raise _Refused("entity declarations are not allowed")

    def start(*_: Any) -> None:
        count[0] += 1
        depth[0] += 1
        if depth[0] > lim.max_depth:
            raise _Refused(f"elements nested deeper than the {fmt} limit of {lim.max_depth}")
        if count[0] > lim.max_items:
            raise _Refused(f"more than the {fmt} limit of {lim.max_items} elements")

    def end(*_: Any) -> None:
        depth[0] -= 1

    p = expat.ParserCreate()
    p.StartDoctypeDeclHandler = doctype
    p.EntityDeclHandler = entity
    p.UnparsedEntityDeclHandler = entity
    p.ExternalEntityRefHandler = entity
    p.StartElementHandler = start
    p.EndElementHandler = end
    try:
        p.Parse(raw, True)
    except _Refused as exc:
        raise InputError(f"refused XML: {exc}", path=path) from None
    except expat.ExpatError as exc:
        raise InputError(f"invalid XML: {exc}", path=path) from None


def bracket_depth(text: str, open_: str = "[", close: str = "]", quote: str = '"') -> int:
    """Deepest nesting of ``open_`` / ``close`` outside ``quote``-delimited strings."""
    stripped = re.sub(
        re.escape(quote) + r"[^" + re.escape(quote) + r"]*" + re.escape(quote), "", text
    )
    depth = best = 0
    for ch in re.findall("[" + re.escape(open_ + close) + "]", stripped):
        depth += 1 if ch == open_ else -1
        best = max(best, depth)
    return best


# ------------------------------------------------------------------ outputs
def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def output_target(path: str | os.PathLike[str]) -> Path:
    """The file a write to ``path`` lands in: ``path`` itself, or the final target of a
    symlink (which is then replaced, the link kept).

    Raises
    ------
    InputError
        An empty name, a dangling symlink, a missing folder, or a target that is a
        directory, a device or another non-regular file.
    """
    name = os.fspath(path)
    if name.strip() == "":
        raise InputError("empty output file name", field="output")
    p = Path(name)
    if p.is_symlink():
        target = _real(p)
        if not target.exists():
            raise InputError(f"is a symlink to a missing file ({target})", path=name)
    else:
        target = p
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"the folder {str(folder)!r} does not exist", path=name)
    if target.exists() or target.is_symlink():
        try:
            st = os.stat(target)
        except OSError as exc:
            raise InputError(f"cannot write ({exc.strerror or exc})", path=name) from None
        if stat.S_ISDIR(st.st_mode):
            raise InputError("is a directory; give a file name", path=name)
        if not stat.S_ISREG(st.st_mode):
            raise InputError("is not a regular file (a device, FIFO or socket)", path=name)
    return target


def _input_files(inputs: Iterable[str | os.PathLike[str] | None]) -> set[Path]:
    out: set[Path] = set()
    for item in inputs:
        if item is None or os.fspath(item) == "":
            continue
        p = Path(item)
        if p.is_dir():
            out.add(_real(p))
            with contextlib.suppress(OSError):
                out.update(_real(c) for c in p.iterdir())
        elif p.exists():
            out.add(_real(p))
    return out


def check_output(
    path: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    force: bool = True,
    suffixes: tuple[str, ...] | None = None,
    what: str = "output",
) -> Path:
    """Check an output path before any work is done; return the file that will be written.

    Parameters
    ----------
    path
        The output path as given.
    inputs
        Input files (and folders, whose files count too) the output must not replace.
    force
        Whether an existing file may be replaced.
    suffixes
        Allowed endings (lower case, with the dot), or ``None``.
    what
        How the output is named in messages (``--plot``, ``-o``, ...).

    Raises
    ------
    InputError
        Empty name, same file as an input, a directory, a device, a missing folder,
        an existing file without ``force``, or a suffix not in ``suffixes``.
    """
    target = output_target(path)
    name = os.fspath(path)
    if suffixes is not None and not name.lower().endswith(suffixes):
        ext = Path(name).suffix or "(none)"
        raise InputError(
            f"{what} format {ext} is not supported (use {', '.join(suffixes)})", path=name
        )
    real = _real(target)
    if real in _input_files(inputs):
        raise InputError(f"{what} would overwrite an input file; choose another name", path=name)
    if not force and os.path.lexists(target):
        raise InputError(f"{what} exists; pass --force to replace it", path=name)
    return target


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file in the final target's
    folder, flushed to disk, then renamed onto the target.

    A symlink is followed to its final target, which is replaced (the link stays);
    a directory, a device, a missing folder or an empty name is refused
    (:func:`output_target`). A crash, a full disk or Ctrl-C leaves either the old
    content or the new one, never a half-written file or a temporary.
    """
    target = output_target(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def is_timing(key: str) -> bool:
    """Whether a result or statistics key holds a measured time (``runtime_s``,
    ``solve_time_s``, ``time``, ``slice_times_s``, ...): keys ending in ``_s`` or
    ``time`` and ``runtime``; never a parameter such as ``time_limit``."""
    return (key.endswith("_s") and key != "lifetime_s") or key.endswith("time") or key == "runtime"


def without_timings(obj: Any) -> Any:
    """``obj`` (dicts and lists, recursively) without the entries :func:`is_timing`
    names: what stays is the same for two runs of a deterministic method with the
    same seed, so such solution files compare byte for byte."""
    if isinstance(obj, dict):
        return {k: without_timings(v) for k, v in obj.items() if not is_timing(str(k))}
    if isinstance(obj, list):
        return [without_timings(v) for v in obj]
    return obj


def dump_json(path: str | os.PathLike[str], obj: Any, *, indent: int | None = None) -> None:
    """Write ``obj`` as JSON atomically; ``.gz`` paths are gzip-compressed."""
    text = json.dumps(obj, indent=indent, allow_nan=False)
    data = text.encode("utf-8")
    if str(path).endswith(".gz"):
        data = gzip.compress(data, compresslevel=6, mtime=0)
    atomic_write_bytes(path, data)


def check_instance_hash(d: Any, expected: str, name: str, path: str) -> None:
    """Refuse a solution file (parsed ``d``) whose ``instance_hash`` is not ``expected``.

    Raises
    ------
    InputError
        Naming both instances; a file without a hash passes.
    """
    h = d.get("instance_hash") if isinstance(d, dict) else None
    if isinstance(h, str) and h != expected:
        raise InputError(
            f"this solution was computed for instance {d.get('instance')!r}, not for "
            f"{name!r} (content hashes differ); pass --force to use it anyway",
            path=path,
            field="instance_hash",
        )
