"""Small helpers for what the command line prints (tables, numbers)."""

from __future__ import annotations

from typing import Any


def fmt(v: Any) -> str:
    """A number in 6 significant digits, anything else as ``str``."""
    if isinstance(v, float):
        return f"{v:.6g}"
    return "-" if v is None else str(v)


def table(rows: list[tuple[str, Any]], indent: str = "  ") -> str:
    """Two aligned columns."""
    if not rows:
        return ""
    w = max(len(k) for k, _ in rows)
    return "\n".join(f"{indent}{k.ljust(w)}  {v}" for k, v in rows)


#: Environment variable that turns every progress bar off (set by ``--no-progress``).
NO_PROGRESS_ENV = "PLACEMENT_NO_PROGRESS"


def progress(
    iterable: Any = None,
    *,
    total: int | None = None,
    desc: str = "",
    enabled: bool | None = None,
    **kw: Any,
) -> Any:
    """A tqdm progress bar on stderr, shown only on a terminal (``enabled=None``) and never
    when ``$PLACEMENT_NO_PROGRESS`` is set (``placement --no-progress``)."""
    import os

    from tqdm.auto import tqdm

    if os.environ.get(NO_PROGRESS_ENV):
        enabled = False
    disable = None if enabled is None else not enabled
    return tqdm(iterable, total=total, desc=desc, disable=disable, **kw)
