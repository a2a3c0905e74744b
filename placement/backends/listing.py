"""Which solver backends this machine has (for ``placement check``)."""

from __future__ import annotations

from typing import Any

from placement.backends import cpsat, highs
from placement.backends import pyomo as pyomo_backend


def available_backends() -> list[dict[str, Any]]:
    """One dict per backend with ``name``, ``available``, ``version`` and ``kind``.

    Never raises: a backend whose package is missing or broken is listed as not
    available.
    """
    out: list[dict[str, Any]] = []
    try:
        out.append(
            {
                "name": "highs",
                "available": True,
                "version": highs.version(),
                "kind": "MILP/LP (highspy, direct matrix; default)",
            }
        )
    except Exception:  # noqa: BLE001
        out.append(
            {"name": "highs", "available": False, "version": None, "kind": "MILP/LP (highspy)"}
        )
    try:
        import pyomo

        ver = pyomo_backend.version("highs-pyomo")
        out.append(
            {
                "name": "highs-pyomo",
                "available": ver is not None,
                "version": ver,
                "kind": f"MILP (Pyomo {pyomo.__version__} in-process HiGHS)",
            }
        )
    except Exception:  # noqa: BLE001
        out.append(
            {
                "name": "highs-pyomo",
                "available": False,
                "version": None,
                "kind": "MILP (Pyomo HiGHS)",
            }
        )
    try:
        out.append(
            {
                "name": "cpsat",
                "available": True,
                "version": cpsat.version(),
                "kind": "CP-SAT (OR-Tools; integer-scaled costs)",
            }
        )
    except Exception:  # noqa: BLE001
        out.append(
            {"name": "cpsat", "available": False, "version": None, "kind": "CP-SAT (OR-Tools)"}
        )
    for name in pyomo_backend.PROBE:
        ver = None
        try:
            ver = pyomo_backend.version(name)
        except Exception:  # noqa: BLE001
            ver = None
        out.append(
            {
                "name": name,
                "available": ver is not None,
                "version": ver,
                "kind": "MILP (Pyomo)",
            }
        )
    return out
