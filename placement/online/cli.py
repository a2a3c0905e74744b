"""What the command line does for online placement: ``placement generate events`` and
``placement replay`` (the shared parser lives in :mod:`placement.cli.main`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from placement.errors import InputError

REOPTIMIZE_ON = ("fail",)


def add_generate(sub: Any, types: Any, formats: tuple[str, ...] | None = None) -> None:
    """Add ``generate events`` to the ``generate`` subparsers."""
    g = sub.add_parser(
        "events", help="a seeded day of churn (arrivals, departures, node failures) as JSON Lines"
    )
    g.add_argument("instance", help="the instance whose devices / requests come and go")
    g.add_argument("--hours", type=types.pos_number, default=24.0, help="horizon (default 24)")
    g.add_argument("--seed", type=types.nonneg_int, default=0)
    g.add_argument(
        "--load", type=types.pos_number, default=0.5, help="mean fraction active (default 0.5)"
    )
    g.add_argument(
        "--session-min", type=types.pos_number, default=20.0, help="mean session, minutes"
    )
    g.add_argument(
        "--diurnal", type=types.number, default=0.5, help="day-profile amplitude in [0, 1)"
    )
    g.add_argument("--peak-h", type=types.number, default=14.0, help="peak hour of the day")
    g.add_argument(
        "--node-class",
        action="append",
        metavar="TIER=CLASS",
        help="offloading: V-Edge class of a tier (e.g. T1=parked_car); repeatable",
    )
    g.add_argument(
        "--repair-min", type=types.pos_number, default=30.0, help="mean downtime, minutes"
    )
    g.add_argument(
        "--reoptimize-every-s",
        type=types.pos_number,
        help="add a reoptimize event every so many seconds",
    )
    g.add_argument("--max-moves", type=types.nonneg_int, help="max_moves of those events")
    g.add_argument("--format", choices=formats, help="instance format (default: from the path)")
    g.add_argument("-o", "--output", required=True, help="event file (JSON Lines)")


def _node_classes(items: list[str] | None) -> dict[str, str] | None:
    if not items:
        return None
    out = {}
    for it in items:
        tier, sep, cls = it.partition("=")
        if not sep or not tier or not cls:
            raise InputError(f"expected TIER=CLASS, got {it!r}", field="node-class")
        out[tier] = cls
    return out


def run_generate(args: argparse.Namespace) -> int:
    """``generate events``."""
    from placement.online.controller import rules_for
    from placement.online.events import write_events
    from placement.online.generate import generate_events
    from placement.registry import read

    inst = read(args.instance, format=args.format)
    events = generate_events(
        inst,
        hours=args.hours,
        seed=args.seed,
        load=args.load,
        session_min=args.session_min,
        diurnal=args.diurnal,
        peak_h=args.peak_h,
        node_classes=_node_classes(args.node_class),
        repair_min=args.repair_min,
        reoptimize_every_s=args.reoptimize_every_s,
        max_moves=args.max_moves,
    )
    write_events(args.output, events, id_key=rules_for(inst).id_key)
    counts: dict[str, int] = {}
    for ev in events:
        counts[ev.type] = counts.get(ev.type, 0) + 1
    shown = ", ".join(f"{k} {v}" for k, v in counts.items())
    print(f"wrote {args.output}: {len(events)} events over {args.hours:g} h ({shown})")
    return 0


def add_replay(
    sub: Any, types: Any, formats: tuple[str, ...] | None = None
) -> argparse.ArgumentParser:
    """Add ``replay`` to the command subparsers (the caller adds the method flags)."""
    r = sub.add_parser("replay", help="replay an event file through the online controller")
    r.add_argument("path", help="instance")
    r.add_argument("events", help="event file (JSON Lines)")
    r.add_argument("--method", help="online placement rule (offloading: nimbus; pipelines: greedy)")
    r.add_argument("--seed", type=types.nonneg_int, default=0)
    g = r.add_mutually_exclusive_group()
    g.add_argument(
        "--reoptimize-every", type=types.pos_int, metavar="N", help="re-optimise every N events"
    )
    g.add_argument("--reoptimize-on", choices=REOPTIMIZE_ON, help="re-optimise after every failure")
    r.add_argument(
        "--max-moves",
        type=types.nonneg_int,
        help="moves allowed per re-optimisation (default: any)",
    )
    r.add_argument(
        "--migration",
        choices=("stateless", "stateful"),
        default="stateless",
        help="cost of moving a function instance (pipelines)",
    )
    r.add_argument("--lenient", action="store_true", help="skip broken event lines with a warning")
    r.add_argument("--log", help="CSV with one row per event")
    r.add_argument("--plot", help="PNG of the log's series over time")
    r.add_argument("-o", "--output", help="final solution file (inactive devices, failed nodes)")
    r.add_argument("--format", choices=formats, help="instance format (default: from the path)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    return r


#: Online parameters each problem's controller takes.
ONLINE_PARAMS = {
    "offloading": ("kappa", "alpha", "beta"),
    "pipeline": ("objective", "alpha", "beta"),
}


def run_replay(inst: Any, problem: str, args: argparse.Namespace, given: dict[str, Any]) -> Any:
    """``replay``: read and check the events, replay them, write the outputs; returns
    the :class:`~placement.online.replay.ReplayLog`."""
    from placement.io import write_solution
    from placement.online.controller import rules_for
    from placement.online.events import read_events
    from placement.online.replay import replay

    accepted = ONLINE_PARAMS[problem]
    ignored = sorted(k for k in given if k not in accepted)
    if ignored:
        shown = ", ".join("--" + k.replace("_", "-") for k in ignored)
        print(f"note: online {problem} placement ignores {shown}", file=sys.stderr)
    params = {k: v for k, v in given.items() if k in accepted}
    elog = read_events(args.events, rules_for(inst), lenient=args.lenient)
    log = replay(
        inst,
        elog.events,
        method=args.method,
        seed=args.seed,
        params=params,
        reoptimize_every=args.reoptimize_every,
        reoptimize_on=args.reoptimize_on,
        max_moves=args.max_moves,
        migration=args.migration,
        progress=not args.no_progress and len(elog.events) >= 1000,
    )
    s = log.summary()
    skipped = f", {len(elog.skipped)} lines skipped" if elog.skipped else ""
    print(
        f"replayed {s['events']} events{skipped}: {s['active']} active at the end, "
        f"{s['moved']} moves, {s['rejected']} rejections, max violations {s['max_violations']}; "
        f"controller time per event median {s['runtime_us_median']:.1f} us, "
        f"p95 {s['runtime_us_p95']:.1f} us"
    )
    if args.log:
        log.to_csv(args.log)
    if args.plot:
        log.plot(args.plot)
    if args.output:
        ctl = log.controller
        write_solution(ctl.instance, ctl.result(), args.output)
    for f in (args.log, args.plot, args.output):
        if f:
            print(f"wrote {f}")
    return log
