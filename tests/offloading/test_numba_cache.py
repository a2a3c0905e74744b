"""A read-only install (package folder, NUMBA_CACHE_DIR and HOME not writable) still
runs: the Numba kernels cache in a private temporary folder, or compile without a
cache, with a one-line warning — never "cannot cache function ... no locator"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "data" / "tiny.json"


def _read_only_cmd() -> list[str] | None:
    """The prefix that makes permission bits bind (root: drop capabilities), or None."""
    if not hasattr(os, "geteuid"):
        return None
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return None if setpriv is None else [setpriv, "--bounding-set=-all", "--inh-caps=-all"]


@pytest.fixture
def read_only(tmp_path):
    """A copy of the installed layout (placement, placement.models, placement.heuristics)
    with the package folder, NUMBA_CACHE_DIR and HOME all read-only."""
    prefix = _read_only_cmd()
    if prefix is None:
        pytest.skip("cannot drop root's write access here")
    site = tmp_path / "site"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "placement", site / "placement", ignore=ignore)
    shutil.copytree(ROOT / "models", site / "placement" / "models", ignore=ignore)
    shutil.copytree(ROOT / "heuristics", site / "placement" / "heuristics", ignore=ignore)
    cache, home = tmp_path / "cache", tmp_path / "home"
    cache.mkdir()
    home.mkdir()
    for d in [cache, home, *site.rglob("*")] + [site]:
        if d.is_dir():
            d.chmod(0o555)
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "NUMBA_CACHE_DIR": str(cache),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    yield prefix, env, site
    for d in [site, *site.rglob("*"), cache, home]:
        if d.is_dir():
            d.chmod(0o755)


def _run(prefix, env, code):
    cwd = Path(env["HOME"]).parent  # not the checkout: its package would shadow the copy
    return subprocess.run(
        [*prefix, sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


PROBE = """
import sys
import placement.heuristics._numba as nb
{patch}
import placement
assert placement.__file__.startswith({site!r}), placement.__file__
from placement.heuristics.offloading import _kernels
import numba
k = _kernels.nimbus_kernel
print(nb._MODE["mode"], type(k._cache).__name__, numba.config.CACHE_DIR)
"""


def test_unwritable_cache_moves_to_private_temp_folder(read_only):
    """Kernels import with their cache in $TMPDIR/placement-numba-<uid>, one warning line."""
    prefix, env, site = read_only
    p = _run(prefix, env, PROBE.format(patch="", site=str(site)))
    assert p.returncode == 0, p.stderr
    mode, cache, folder = p.stdout.split()
    assert mode == "temp" and cache == "FunctionCache" and "placement-numba-" in folder
    err = [x for x in p.stderr.splitlines() if x.strip()]
    assert len(err) == 1 and "caching compiled kernels in" in err[0]


def test_no_writable_folder_compiles_without_cache(read_only):
    """Without any writable folder the kernels import uncached, one warning line."""
    prefix, env, site = read_only
    patch = "nb.temp_cache_dir = lambda: None"
    p = _run(prefix, env, PROBE.format(patch=patch, site=str(site)))
    assert p.returncode == 0, p.stderr
    assert p.stdout.split()[:2] == ["off", "NullCache"]
    err = [x for x in p.stderr.splitlines() if x.strip()]
    assert len(err) == 1 and "compile without caching" in err[0]


@pytest.mark.slow
def test_read_only_solve_end_to_end(read_only):
    """`placement solve --method nimbus` runs on a read-only install without any cache."""
    prefix, env, site = read_only
    code = (
        "import sys, placement.heuristics._numba as nb; nb.temp_cache_dir = lambda: None\n"
        "from placement.cli import main\n"
        f"sys.exit(main(['solve', {str(TINY)!r}, '--method', 'nimbus', '--quiet']))"
    )
    p = _run(prefix, env, code)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("offloading nimbus: status=heuristic latency=155.2 ms")
    assert len([x for x in p.stderr.splitlines() if x.strip()]) == 1
