"""Small I/O helpers shared by readers and writers: atomic writes, gzip-aware JSON."""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from placement.errors import InputError


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename).

    A crash or a full disk never leaves a half-written file behind: either the old
    content or the new one is there.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def dump_json(path: str | os.PathLike[str], obj: Any, *, indent: int | None = None) -> None:
    """Write ``obj`` as JSON atomically; ``.gz`` paths are gzip-compressed."""
    text = json.dumps(obj, indent=indent, allow_nan=False)
    data = text.encode("utf-8")
    if str(path).endswith(".gz"):
        data = gzip.compress(data, compresslevel=6, mtime=0)
    atomic_write_bytes(path, data)


def load_json(path: str | os.PathLike[str]) -> Any:
    """Read JSON from ``path`` (``.gz`` transparently).

    Raises
    ------
    InputError
        If the file is missing, not valid gzip or not valid JSON.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", path=str(path))
    if p.is_dir():
        raise InputError("is a directory, expected a file", path=str(path))
    try:
        raw = p.read_bytes()
        if str(path).endswith(".gz") or raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        return json.loads(raw.decode("utf-8"))
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot read file ({exc})", path=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", path=str(path)
        ) from None


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
