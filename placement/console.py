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
