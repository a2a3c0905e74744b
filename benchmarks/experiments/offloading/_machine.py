"""Machine record written next to the offloading benchmark results."""

from __future__ import annotations

import importlib.metadata as md
import os
import platform
import subprocess


def machine(packages: tuple[str, ...] = ("highspy", "numba", "ortools", "numpy")) -> dict[str, str]:
    """CPU model and count, Python, platform, the versions of ``packages`` and the load
    average (``uptime``) at the time of the call."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        **{p: md.version(p) for p in packages},
        "uptime": load,
    }
