"""Shortest paths of the pipeline state: static rows (all-pairs matrices filled on
demand up to :data:`MATRIX_NODES` nodes), bandwidth-aware detours, route links."""

from __future__ import annotations

import math

import numpy as np
from placement.heuristics.pipeline import _kernels as K

#: Up to this many nodes, shortest-path rows are kept in all-pairs matrices.
MATRIX_NODES = 3000


class PathCache:
    """Mixin of :class:`~placement.heuristics.pipeline.state.PipelineState`: the static
    shortest-path rows (delay first, or hops first with ``mode="h"``) over the links up,
    and routes that respect the residual bandwidth."""

    def _mats(self, mode: str) -> list[np.ndarray] | None:
        """The all-pairs matrices ``[delay, hops, pred, have]`` of ``mode`` (rows filled
        on demand), or ``None`` above :data:`MATRIX_NODES` nodes."""
        m = self._mat.get(mode)
        if m is None and self.A.N <= MATRIX_NODES:
            N = self.A.N
            m = [
                np.empty((N, N)),
                np.empty((N, N)),
                np.empty((N, N), dtype=np.int64),
                np.zeros(N, dtype=bool),
            ]
            self._mat[mode] = m
        return m

    def ensure_rows(self, srcs: np.ndarray, mode: str) -> None:
        """Compute the static rows of every node of ``srcs`` not computed yet."""
        m = self._mats(mode)
        if m is None:
            return
        for v in srcs[~m[3][srcs]].tolist():
            m[0][v], m[1][v], m[2][v] = self._dijkstra(v, mode, self._static_res, 0.0)
            m[3][v] = True

    def block(self, srcs: np.ndarray, mode: str) -> tuple[np.ndarray, np.ndarray]:
        """``(delay, hops)`` static rows of ``srcs`` stacked ``(len(srcs), N)``."""
        m = self._mats(mode)
        if m is None:
            rows = [self.rows(int(v), mode) for v in srcs]
            if not rows:
                return np.zeros((0, self.A.N)), np.zeros((0, self.A.N))
            return np.vstack([r[0] for r in rows]), np.vstack([r[1] for r in rows])
        self.ensure_rows(srcs, mode)
        return m[0][srcs], m[1][srcs]

    def rows(self, src: int, mode: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Static shortest paths from ``src`` over the links up: ``(delay, hops, pred)``
        (delay first, or hops first with ``mode="h"``)."""
        mode = mode or self.mode
        m = self._mats(mode)
        if m is not None:
            if not m[3][src]:
                m[0][src], m[1][src], m[2][src] = self._dijkstra(src, mode, self._static_res, 0.0)
                m[3][src] = True
            return m[0][src], m[1][src], m[2][src]
        key = (mode, src)
        got = self._rows.get(key)
        if got is None:
            got = self._dijkstra(src, mode, self._static_res, 0.0)
            if len(self._rows) > 4096:
                self._rows.clear()
            self._rows[key] = got
        return got

    def _dijkstra(self, src: int, mode: str, res: np.ndarray, need: float):
        A = self.A
        N = A.N
        d1 = np.empty(N)
        d2 = np.empty(N)
        pred = np.empty(N, dtype=np.int64)
        w1, w2 = (A.link_delay, A.ones) if mode == "d" else (A.ones, A.link_delay)
        K.dijkstra(src, A.adj_ptr, A.adj_nbr, A.adj_link, w1, w2, res, need, d1, d2, pred)
        if mode == "d":
            return d1, d2, pred
        return d2, d1, pred

    def _path_links(self, pred: np.ndarray, src: int, dst: int) -> np.ndarray:
        A = self.A
        out = []
        v = dst
        while v != src:
            lk = int(pred[v])
            out.append(lk)
            v = int(A.link_u[lk] if A.link_v[lk] == v else A.link_v[lk])
        out.reverse()
        return np.array(out, dtype=np.int64)

    def _route(self, a: int, b: int, bw: float) -> tuple[np.ndarray, float] | None:
        """Links and delay of the route ``a -> b`` carrying ``bw`` (``None``: none)."""
        if a == b:
            return np.zeros(0, dtype=np.int64), 0.0
        A = self.A
        d, _h, pred = self.rows(a)
        if not math.isfinite(d[b]):
            return None
        if (
            bw <= 0
            or not A.bandwidth_may_bind
            or K.path_fits(pred, A.link_u, A.link_v, a, b, self.link_res, bw)
        ):
            return self._path_links(pred, a, b), float(d[b])
        d2, _h2, pred2 = self._dijkstra(a, self.mode, self.link_res, bw)
        if not math.isfinite(d2[b]):
            return None
        return self._path_links(pred2, a, b), float(d2[b])
