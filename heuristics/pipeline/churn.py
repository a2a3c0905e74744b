"""Churn of the pipeline state: nodes and links that fail and come back, and
placements laid on the state as they are."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from placement.errors import InputError
from placement.pipeline.solution import Placement, Route


class Churn:
    """Mixin of :class:`~placement.heuristics.pipeline.state.PipelineState`: take a node
    or a link down (the requests using it are removed and returned, for the caller to
    place again) and bring it back; place requests on given hosts."""

    # ------------------------------------------------------------------ fixed placement
    def place_fixed(
        self,
        name: str,
        hosts: Mapping[str, tuple[str, ...]],
        routes: list[Route] | None = None,
    ) -> bool:
        """Place request ``name`` on the given hosts (every step must be given), routed
        on shortest feasible paths (``routes`` is accepted for symmetry with
        :class:`~placement.pipeline.instance.Placement` and not needed). Returns
        ``False`` (nothing changed) when the hosts are not feasible."""
        A = self.A
        p = A.plan(A.req_index[name])
        if any(s.sid not in hosts or len(hosts[s.sid]) != s.replicas for s in p.steps):
            return False
        return self.place(name, fixed={s.sid: tuple(hosts[s.sid]) for s in p.steps}).placed

    def load_placement(self, placement: Placement) -> list[str]:
        """Replace the state by ``placement`` (its hosts; routes re-made on shortest
        feasible paths). Returns the names of the requests that could not be placed."""
        for q in list(self.recs):
            self.remove(self.inst.requests[q].name)
        failed = []
        order = sorted(self.inst.requests, key=lambda r: (r.execution != "automatic", -r.priority))
        for r in order:
            h = placement.steps.get(r.name)
            if h is None:
                continue
            if not self.place_fixed(r.name, h, placement.routes.get(r.name)):
                failed.append(r.name)
        return failed

    # ------------------------------------------------------------------ churn
    def _touched(self, rec) -> tuple[frozenset[int], frozenset[int]]:
        """The nodes (hosts and every node on its routes) and the links a placed
        request uses; computed once per record (records do not change once placed)."""
        t = rec.touched
        if t is None:
            A = self.A
            links = {int(x) for *_, lk, _bw in rec.segs for x in lk}
            nodes = {v for h in rec.hosts for v in h}
            nodes |= {int(A.link_u[x]) for x in links} | {int(A.link_v[x]) for x in links}
            t = rec.touched = (frozenset(nodes), frozenset(links))
        return t

    def _users(self, pred) -> list[str]:
        out = []
        for q, rec in self.recs.items():
            if pred(rec):
                out.append(self.inst.requests[q].name)
        return out

    def fail(self, node: str) -> list[str]:
        """Take ``node`` (and its links) down; the requests hosted on it or routed through
        it are removed and returned (re-place them with :meth:`place`)."""
        A = self.A
        v = A.nidx[node]
        if not self.node_up[v]:
            raise InputError(f"node {node!r} is down already", field="node")
        links = {int(A.adj_link[j]) for j in range(A.adj_ptr[v], A.adj_ptr[v + 1])}
        hit = self._users(lambda rec: v in self._touched(rec)[0])
        for name in hit:
            self.remove(name)
        self.node_up[v] = False
        for lk in links:
            self.link_up[lk] = False
        self._refresh_links()
        return hit

    def recover(self, node: str) -> None:
        """Bring ``node`` (and its links whose other end is up) back."""
        A = self.A
        v = A.nidx[node]
        if self.node_up[v]:
            raise InputError(f"node {node!r} is not down", field="node")
        self.node_up[v] = True
        for j in range(A.adj_ptr[v], A.adj_ptr[v + 1]):
            lk = int(A.adj_link[j])
            other = int(A.adj_nbr[j])
            if self.node_up[other] and (lk not in self._down_links):
                self.link_up[lk] = True
        self._refresh_links()

    def fail_link(self, u: str, v: str) -> list[str]:
        """Take link ``u``-``v`` down; returns the requests routed over it (removed). A
        link that is down because an end node failed is marked failed itself (it stays
        down when the node recovers); nothing uses it, so nothing is returned."""
        A = self.A
        lk = A.link_of.get((A.nidx[u], A.nidx[v]))
        if lk is None:
            raise InputError(f"unknown link {u!r}-{v!r}", field="link")
        if lk in self._down_links:
            raise InputError(f"link {u!r}-{v!r} is down already", field="link")
        if not self.link_up[lk]:
            self._down_links = set(self._down_links) | {lk}
            return []
        hit = self._users(lambda rec: lk in self._touched(rec)[1])
        for name in hit:
            self.remove(name)
        self._down_links = set(self._down_links) | {lk}
        self.link_up[lk] = False
        self._refresh_links()
        return hit

    def recover_link(self, u: str, v: str) -> None:
        """Bring link ``u``-``v`` back (if both ends are up; else when they are)."""
        A = self.A
        lk = A.link_of.get((A.nidx[u], A.nidx[v]))
        if lk is None or lk not in self._down_links:
            raise InputError(f"link {u!r}-{v!r} is not down", field="link")
        self._down_links = set(self._down_links) - {lk}
        if self.node_up[A.link_u[lk]] and self.node_up[A.link_v[lk]]:
            self.link_up[lk] = True
        self._refresh_links()

    def _refresh_links(self) -> None:
        self._static_res = np.where(self.link_up, np.inf, -1.0)
        # the residual of a down link is -1 and nothing is routed over it (its requests
        # were taken out first); of an up link, capacity minus use. A link coming back
        # up therefore starts empty (not at -1: that would close it for good).
        res = self.link_res
        idle = (res < -0.5) | ~np.isfinite(res)
        used = np.where(idle, 0.0, self.A.link_bw - np.where(idle, 0.0, res))
        self.link_res = np.where(self.link_up, self.A.link_bw - used, -1.0)
        self._rows.clear()
        for m in self._mat.values():
            m[3][:] = False
