"""Reader of OR-Library generalised-assignment (GAP) files as pipeline instances.

File (whitespace-separated integers): ``m n``, the ``m x n`` cost matrix, the
``m x n`` resource matrix, the ``m`` agent capacities. The original multi-instance
files prepend the number of problems ``P`` (the first one is read).

Mapping: agent ``i`` is node ``agent{i}`` with resource ``cap`` =
``b[i]``; job ``j`` is function ``job{j}`` whose demand of ``cap`` and per-instance
placement ``cost`` are node overrides ``w[i][j]`` and ``c[i][j]``, with unbounded
instance capacity; each job is a one-step request. Minimising the objective
``cost`` is exactly the min-cost GAP.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

from placement._io import check_count, read_limits, read_text
from placement.errors import InputError
from placement.pipeline.instance import Function, Node, Override, PipelineInstance, Request, Step

logger = logging.getLogger(__name__)


def _tokens(path: Path) -> list[int]:
    words = read_text(path, "gap").split()
    check_count(len(words), "numbers", "gap", path=str(path))
    lim = read_limits("gap").max_number
    out = []
    for k, t in enumerate(words):
        try:
            f = float(t)
        except ValueError:
            raise InputError(
                f"token {k} is not a number: {t!r}", path=str(path), field="data"
            ) from None
        if not (math.isfinite(f) and f.is_integer()):
            raise InputError(f"token {k} is not an integer: {t!r}", path=str(path), field="data")
        if abs(f) > lim:
            raise InputError(
                f"token {k} is beyond the limit of ±{lim:g}: {t!r}", path=str(path), field="data"
            )
        out.append(int(t) if t.lstrip("+-").isdigit() else int(f))
    return out


def _layout(tok: list[int]) -> int | None:
    """Offset of the ``m n`` header (0, or 1 for a file of ``P`` problems), or ``None``."""
    if len(tok) >= 2 and tok[0] > 0 and tok[1] > 0 and len(tok) == 2 + 2 * tok[0] * tok[1] + tok[0]:
        return 0
    if len(tok) >= 3 and tok[0] >= 1:
        k = 1
        for _ in range(tok[0]):
            if k + 1 >= len(tok) or tok[k] <= 0 or tok[k + 1] <= 0:
                return None
            k += 2 + 2 * tok[k] * tok[k + 1] + tok[k]
        if k == len(tok):
            return 1
    return None


def is_gap_file(path: str | Path) -> bool:
    """Whether ``path`` is a text file laid out as an OR-Library GAP instance."""
    p = Path(path)
    try:
        if not p.is_file() or p.stat().st_size > min(5_000_000, read_limits("gap").max_file_bytes):
            return False
        with open(p, "rb") as fh:
            head = fh.read(64)
        if not head.strip() or not all(
            chr(b).isdigit() or chr(b).isspace() or chr(b) in "-." for b in head
        ):
            return False
        return _layout(_tokens(p)) is not None
    except (OSError, InputError):
        return False


def read_gap(path: str | Path, *, name: str | None = None) -> PipelineInstance:
    """Read an OR-Library GAP file into a :class:`PipelineInstance` (objective ``cost``).

    Raises
    ------
    InputError
        When the counts do not match the header or a value is negative.
    """
    p = Path(path)
    tok = _tokens(p)
    off = _layout(tok)
    if off is None:
        raise InputError(
            f"expected 'm n', m*n costs, m*n resources and m capacities ({len(tok)} numbers found)",
            path=str(p),
            field="header",
        )
    m, n = tok[off], tok[off + 1]
    k = off + 2
    cost = [tok[k + i * n : k + (i + 1) * n] for i in range(m)]
    k += m * n
    res = [tok[k + i * n : k + (i + 1) * n] for i in range(m)]
    k += m * n
    cap = tok[k : k + m]
    for i in range(m):
        if cap[i] < 0:
            raise InputError(f"agent {i} capacity must be >= 0", path=str(p), field="capacity")
        if any(w < 0 for w in res[i]):
            raise InputError(f"agent {i} resources must be >= 0", path=str(p), field="resources")
    nodes = tuple(Node(name=f"agent{i}", resources={"cap": float(cap[i])}) for i in range(m))
    funcs = tuple(
        Function(
            name=f"job{j}",
            demands={"cap": 0.0},
            overrides={
                f"agent{i}": Override(demands={"cap": float(res[i][j])}, cost=float(cost[i][j]))
                for i in range(m)
            },
        )
        for j in range(n)
    )
    reqs = tuple(
        Request(name=f"job{j}", steps=(Step("job", function=f"job{j}"),)) for j in range(n)
    )
    meta = {"source": "gap", "path": p.name, "default_objective": "cost", "agents": m, "jobs": n}
    return PipelineInstance(
        name=name or p.name, nodes=nodes, links=(), functions=funcs, requests=reqs, meta=meta
    )
