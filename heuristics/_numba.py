"""Numba compilation for every kernel module: :func:`njit` whose on-disk cache never
breaks a run.

Kernel modules decorate with ``from placement.heuristics._numba import njit`` instead
of ``numba.njit`` (same arguments). With ``cache=True`` Numba needs a writable cache
location when the decorator runs — ``$NUMBA_CACHE_DIR``, the ``__pycache__`` folder
beside the source, or the user's cache folder (``~/.cache/numba``) — and raises
"cannot cache function … no locator available" when none is writable (a read-only
install with a read-only HOME, as in a hardened container). Then, once per process:

1. the cache moves to a private folder in the system's temporary directory
   (``$TMPDIR/placement-numba-<uid>``, created with mode 0700, used only if it is a
   real folder owned by this user and writable by nobody else), with a one-line
   warning naming it;
2. if that folder cannot be used either, kernels compile without caching (each
   process compiles them again), with a one-line warning.

Kernels keep their exact semantics either way; only the compile time differs.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from typing import Any

import numba

logger = logging.getLogger(__name__)

#: How the cache works in this process: ``None`` (not needed a fallback yet),
#: ``"temp"`` (moved to :func:`temp_cache_dir`) or ``"off"`` (no caching).
_MODE: dict[str, str | None] = {"mode": None}


def temp_cache_dir() -> str | None:
    """A private, writable cache folder in the temporary directory, or ``None``."""
    getuid = getattr(os, "getuid", lambda: 0)
    base = os.path.join(tempfile.gettempdir(), f"placement-numba-{getuid()}")
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        st = os.lstat(base)
        if (
            not stat.S_ISDIR(st.st_mode)
            or st.st_uid != getuid()
            or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        ):
            return None
        tempfile.TemporaryFile(dir=base).close()
    except OSError:
        return None
    return base


def _warn(message: str) -> None:
    """One line: through logging when the application configured it, else on stderr
    (the package's ``NullHandler`` would swallow it)."""
    configured = any(
        not isinstance(h, logging.NullHandler)
        for lg in (logger, logging.getLogger("placement"), logging.getLogger())
        for h in lg.handlers
    )
    if configured:
        logger.warning(message)
    else:
        sys.stderr.write(f"warning: {message}\n")


def _no_locator(exc: Exception) -> bool:
    return "cannot cache function" in str(exc)


def _compile(func: Callable[..., Any], options: dict[str, Any]) -> Any:
    if not options.get("cache") or _MODE["mode"] == "off":
        return numba.njit(**{**options, "cache": False})(func)
    try:
        return numba.njit(**options)(func)
    except RuntimeError as exc:
        if not _no_locator(exc):
            raise
    if _MODE["mode"] is None:
        folder = temp_cache_dir()
        if folder is not None:
            numba.config.CACHE_DIR = folder
            try:
                out = numba.njit(**options)(func)
            except RuntimeError as exc:
                if not _no_locator(exc):
                    raise
            else:
                _MODE["mode"] = "temp"
                _warn(
                    "numba: no writable cache folder beside the package or in HOME; "
                    f"caching compiled kernels in {folder}"
                )
                return out
        _MODE["mode"] = "off"
        _warn(
            "numba: no writable cache folder (package, NUMBA_CACHE_DIR, HOME, TMPDIR); "
            "kernels compile without caching"
        )
    return numba.njit(**{**options, "cache": False})(func)


def njit(*args: Any, **options: Any) -> Any:
    """``numba.njit`` (same arguments) whose ``cache=True`` falls back to a private
    temporary folder, then to no caching, when no cache location is writable."""
    if len(args) == 1 and callable(args[0]) and not options:
        return _compile(args[0], {})
    if args:
        raise TypeError("njit takes keyword options only (signatures are not used here)")

    def decorate(func: Callable[..., Any]) -> Any:
        return _compile(func, options)

    return decorate
