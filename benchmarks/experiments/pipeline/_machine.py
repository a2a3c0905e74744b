"""Machine record written next to every benchmark result."""

from __future__ import annotations

import os
import platform
import sys


def machine() -> dict[str, str]:
    """Platform, CPU count and model, Python and solver versions."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import highspy
    import networkx
    import pyomo

    try:
        h = highspy.Highs()
        hv = f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"
    except Exception:  # noqa: BLE001
        hv = "?"
    return {
        "platform": platform.platform(),
        "cpu_count": str(os.cpu_count()),
        "cpu_model": cpu,
        "python": sys.version.split()[0],
        "pyomo": pyomo.__version__,
        "highs": hv,
        "networkx": networkx.__version__,
    }


def machine_markdown() -> str:
    """The machine record as a markdown table."""
    rows = "\n".join(f"| {k} | {v} |" for k, v in machine().items())
    return "| field | value |\n| --- | --- |\n" + rows + "\n"
