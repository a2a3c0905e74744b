"""A pipeline placement: instances per (node, function), step hosts and routes.

The solution side of :mod:`placement.pipeline.instance`; plain data with a JSON form
(:meth:`Placement.to_dict` / :meth:`Placement.from_dict`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from placement.errors import InputError


@dataclass(frozen=True)
class Route:
    """The walk one request edge takes between two hosting nodes."""

    edge: int
    src: str
    dst: str
    path: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", tuple(self.path))


@dataclass
class Placement:
    """A solution: instances per (node, function), step hosts and routes.

    Attributes
    ----------
    instances
        ``(node, function) -> count`` of instances.
    steps
        Request name -> step id -> hosting nodes (one per replica). A request
        absent from this mapping is not admitted.
    routes
        Request name -> list of :class:`Route` (one per edge and replica pair).
    flavours
        ``(node, function) -> {flavour: count}`` where the flavour is a decision
        (:attr:`Function.choices`); the counts add up to ``instances[(node, function)]``.
    inactive
        Online states: requests that are not active now (not there: never placed,
        never a missing automatic request).
    rejected
        Online states: active requests left unplaced, with the reason the controller
        reported (an automatic request listed here is not a violation; it is counted).
    failed_nodes, failed_links
        Online states: nodes and links (``(u, v)``) that are down — nothing may stand
        on or be routed through them.
    """

    instances: dict[tuple[str, str], int] = field(default_factory=dict)
    steps: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    routes: dict[str, list[Route]] = field(default_factory=dict)
    flavours: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    inactive: frozenset[str] = frozenset()
    rejected: dict[str, str] = field(default_factory=dict)
    failed_nodes: tuple[str, ...] = ()
    failed_links: tuple[tuple[str, str], ...] = ()

    @property
    def online(self) -> bool:
        """Whether this is an online state (inactive, rejected or failed entries)."""
        return bool(self.inactive or self.rejected or self.failed_nodes or self.failed_links)

    def _instance_rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for (v, f), c in sorted(self.instances.items()):
            if not c:
                continue
            fl = self.flavours.get((v, f))
            for k, n in sorted((fl or {}).items()):
                rows += [{"node": v, "function": f, "flavour": k, "count": int(n)}] if n else []
            rest = int(c) - sum(int(n) for n in (fl or {}).values())
            rows += [{"node": v, "function": f, "count": rest}] if rest else []
        return rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (an instance row per flavour where flavours are recorded; the
        online fields only when set)."""
        d = {
            "instances": self._instance_rows(),
            "requests": {
                r: {
                    "steps": {s: list(nodes) for s, nodes in dd.items()},
                    "routes": [
                        {"edge": rt.edge, "from": rt.src, "to": rt.dst, "path": list(rt.path)}
                        for rt in self.routes.get(r, [])
                    ],
                }
                for r, dd in self.steps.items()
            },
        }
        if self.inactive:
            d["inactive"] = sorted(self.inactive)
        if self.rejected:
            d["rejected"] = dict(sorted(self.rejected.items()))
        if self.failed_nodes:
            d["failed_nodes"] = sorted(self.failed_nodes)
        if self.failed_links:
            d["failed_links"] = sorted(sorted(lk) for lk in self.failed_links)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], path: str | None = None) -> Placement:
        """Inverse of :meth:`to_dict` (raises InputError on malformed input)."""

        def names(v: Any, fld: str) -> tuple[str, ...]:
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise InputError(f"must be a list of node names, got {v!r}", field=fld)
            return tuple(v)

        def count(v: Any, fld: str) -> int:
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 2**31:
                raise InputError(f"must be an integer in [0, 2^31], got {v!r}", field=fld)
            return v

        def text(v: Any, fld: str) -> str:
            if not isinstance(v, str):
                raise InputError(f"must be a string, got {v!r}", field=fld)
            return v

        f = "placement"
        try:
            if not isinstance(d, Mapping):
                raise InputError("must be an object", field=f)
            inst: dict[tuple[str, str], int] = {}
            fls: dict[tuple[str, str], dict[str, int]] = {}
            for k, e in enumerate(d.get("instances", [])):
                ef = f"{f}.instances[{k}]"
                key = (text(e["node"], f"{ef}.node"), text(e["function"], f"{ef}.function"))
                c = count(e["count"], f"{ef}.count")
                inst[key] = inst.get(key, 0) + c
                if (fl := e.get("flavour")) is not None:
                    fl = text(fl, f"{ef}.flavour")
                    fls.setdefault(key, {})[fl] = fls.get(key, {}).get(fl, 0) + c
            steps: dict[str, dict[str, tuple[str, ...]]] = {}
            routes: dict[str, list[Route]] = {}
            for r, rd in d.get("requests", {}).items():
                rf = f"{f}.requests.{r}"
                steps[r] = {s: names(n, f"{rf}.steps.{s}") for s, n in rd.get("steps", {}).items()}
                routes[r] = [
                    Route(
                        count(x["edge"], f"{rf}.routes[{k}].edge"),
                        text(x["from"], f"{rf}.routes[{k}].from"),
                        text(x["to"], f"{rf}.routes[{k}].to"),
                        names(x["path"], f"{rf}.routes[{k}].path"),
                    )
                    for k, x in enumerate(rd.get("routes", []))
                ]
            inactive = frozenset(names(d.get("inactive", []), f"{f}.inactive"))
            rej = d.get("rejected", {})
            if not isinstance(rej, Mapping):
                raise InputError("must be an object request -> reason", field=f"{f}.rejected")
            rejected = {
                text(r, f"{f}.rejected"): text(w, f"{f}.rejected.{r}") for r, w in rej.items()
            }
            failed_nodes = names(d.get("failed_nodes", []), f"{f}.failed_nodes")
            failed_links = []
            for k, lk in enumerate(d.get("failed_links", [])):
                pair = names(lk, f"{f}.failed_links[{k}]")
                if len(pair) != 2:
                    raise InputError(
                        f"must be a pair [u, v], got {lk!r}", field=f"{f}.failed_links[{k}]"
                    )
                failed_links.append((pair[0], pair[1]))
        except InputError as exc:
            raise exc.with_path(path) if path else exc from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(
                f"malformed placement ({exc!r})", path=path, field="placement"
            ) from None
        return cls(inst, steps, routes, fls, inactive, rejected, failed_nodes, tuple(failed_links))
