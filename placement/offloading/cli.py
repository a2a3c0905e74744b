"""What the command line does for offloading instances: ``generate offloading``, the
summary tables of ``info``, ``solve`` and ``evaluate``, the per-device CSV and the
front sweep. The shared commands live in :mod:`placement.cli`."""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path
from typing import Any

from placement._io import atomic_write_text
from placement.console import table
from placement.errors import InputError
from placement.offloading.day import events_to_jsonl, generate_day
from placement.offloading.evaluate import Evaluation, evaluate
from placement.offloading.generate import (
    BACKGROUND_MODES,
    BACKGROUND_PEAK,
    CONFIGS,
    RTT_MODES,
    generate,
    kept_summary,
)
from placement.offloading.instance import OffloadingInstance
from placement.offloading.io import (
    check_solution_instance,
    instance_summary,
    read_solution,
    write_instance,
)
from placement.offloading.params import EXECUTORS


def add_generate(sub: Any, types: Any) -> None:
    """Add ``generate offloading`` to the ``generate`` subparsers."""
    go = sub.add_parser(
        "offloading", help="offloading instance of a Table-4 configuration or of EUA Melbourne"
    )
    go.add_argument("--config", required=True, choices=list(CONFIGS))
    go.add_argument(
        "--devices", type=types.pos_int, help="number of devices (default: the configuration's)"
    )
    go.add_argument("--seed", type=types.nonneg_int, default=0)
    go.add_argument(
        "--rtt",
        choices=RTT_MODES,
        help="RTT model (default gmm-seattle; EUA: distance = propagation + per-hop constant)",
    )
    go.add_argument("--clouds", type=types.nonneg_int, default=1)
    go.add_argument(
        "--slot",
        type=types.nonneg_int,
        help="15-min slot of the density / occupancy profile (config B, background; "
        "with --day: the slot the day starts at, default 0 = Monday 00:00)",
    )
    go.add_argument("--t1", type=types.nonneg_int, help="override the number of T1 nodes")
    go.add_argument("--t2", type=types.nonneg_int, help="override the number of T2 nodes")
    go.add_argument("--t3", type=types.nonneg_int, help="override the number of T3 nodes")
    go.add_argument("--aps", type=types.pos_int, help="override the AP pool size")
    go.add_argument(
        "--background",
        choices=BACKGROUND_MODES,
        default="none",
        help="background Wi-Fi users per AP: none, or the synthetic occupancy profile",
    )
    go.add_argument(
        "--background-peak",
        type=types.number,
        default=BACKGROUND_PEAK,
        help=f"mean background users of an average AP at full occupancy (default {BACKGROUND_PEAK:g})",
    )
    go.add_argument(
        "--keep-all-aps",
        action="store_true",
        help="keep every AP of the pool (default: only APs hosting a device or an edge node)",
    )
    go.add_argument(
        "--day",
        action="store_true",
        help="config B over a day: -o is a folder that receives instance.json and events.jsonl",
    )
    go.add_argument(
        "--session-slots",
        type=types.pos_number,
        default=4.0,
        help="--day: mean session length in 15-min slots (default 4)",
    )
    go.add_argument("--name")
    go.add_argument(
        "-o",
        "--output",
        required=True,
        help="instance file (.json or .json.gz); with --day a folder",
    )


def run_generate(args: argparse.Namespace) -> int:
    """``generate offloading``."""
    if args.day:
        return _run_generate_day(args)
    if args.session_slots != 4.0:
        raise InputError("only --day takes --session-slots", field="session-slots")
    inst = generate(
        args.config,
        devices=args.devices,
        seed=args.seed,
        rtt=args.rtt,
        clouds=args.clouds,
        slot=args.slot,
        t1=args.t1,
        t2=args.t2,
        t3=args.t3,
        aps=args.aps,
        name=args.name,
        background=args.background,
        background_peak=args.background_peak,
        keep_all_aps=args.keep_all_aps,
    )
    write_instance(inst, args.output)
    print(
        f"wrote {args.output}: {inst.name} ({inst.n_aps} APs, {inst.n_nodes} edge nodes, "
        f"{inst.n_clouds} clouds, {inst.n_devices} devices)"
    )
    print(f"  {kept_summary(inst.generator or {})}")
    return 0


def _run_generate_day(args: argparse.Namespace) -> int:
    """``generate offloading --config B --day -o DIR``: the day's instance and events."""
    if args.config != "B":
        raise InputError("--day needs --config B (the LRZ time series)", field="config")
    for flag, given in (
        ("--devices", args.devices is not None),
        ("--background", args.background != "none"),
    ):
        if given:
            raise InputError(
                f"{flag} does not apply to --day (the profile sets the devices; an "
                "instance has one static background)",
                field=flag.lstrip("-"),
            )
    inst, events = generate_day(
        seed=args.seed,
        start_slot=args.slot or 0,
        session_slots=args.session_slots,
        rtt=args.rtt,
        clouds=args.clouds,
        t1=args.t1,
        t2=args.t2,
        t3=args.t3,
        aps=args.aps,
        name=args.name,
        keep_all_aps=args.keep_all_aps,
    )
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise InputError("--day writes a folder, but this is a file", path=str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    write_instance(inst, folder / "instance.json")
    atomic_write_text(folder / "events.jsonl", events_to_jsonl(events))
    day = (inst.generator or {})["day"]
    print(
        f"wrote {folder / 'instance.json'}: {inst.name} ({inst.n_aps} APs, {inst.n_nodes} "
        f"edge nodes, {inst.n_devices} devices appear during the day, at most "
        f"{day['peak_active']} at once)"
    )
    print(f"wrote {folder / 'events.jsonl'}: {len(events)} events over {day['slots']} slots")
    print(
        f"  replay: placement replay {folder / 'instance.json'} {folder / 'events.jsonl'} "
        "--log day.csv --plot day.png"
    )
    return 0


def print_info(inst: OffloadingInstance, path: str, as_json: bool) -> None:
    """``info``: the instance summary as a table or JSON."""
    s = instance_summary(inst)
    if as_json:
        print(json.dumps(s, indent=2))
        return
    rows: list[tuple[str, Any]] = []
    for k, v in s.items():
        if k == "generator":
            continue
        if isinstance(v, dict):
            v = ", ".join(f"{a} {b}" for a, b in v.items()) or "-"
        rows.append((k.replace("_", " "), v))
    print(f"offloading instance {path}")
    print(table(rows))
    if s["generator"]:
        print("  generator  " + json.dumps(s["generator"], sort_keys=True))


def metrics_rows(m: dict[str, Any]) -> list[tuple[str, Any]]:
    """Rows of the metrics table of a solution."""
    lat = m["latency_ms"]
    tiers = ", ".join(f"{k} {v}" for k, v in m["edge_by_tier"].items())
    online = []
    if m.get("inactive"):
        online.append(("inactive devices", m["inactive"]))
    if m.get("failed_nodes"):
        online.append(("failed edge nodes", m["failed_nodes"]))
    return [
        ("devices", m["devices"]),
        *online,
        ("edge / cloud / local", f"{m['edge']} / {m['cloud']} / {m['local']}"),
        ("edge by tier", tiers),
        ("violations", m["violations"]),
        (
            "latency mean / median / p95",
            f"{lat['mean']:.2f} / {lat['median']:.2f} / {lat['p95']:.2f} ms",
        ),
        ("total latency", f"{m['objective']:.6g} ms"),
        ("total energy", f"{m['total_energy_mj']:.6g} mJ"),
        ("energy saving", f"{m['energy_saving_pct']:.2f} %"),
    ]


def print_result(inst: OffloadingInstance, res: Any) -> None:
    """``solve``: the table under the summary line."""
    if res.metrics:
        print(table(metrics_rows(res.metrics)))


def run_evaluate(inst: OffloadingInstance, args: argparse.Namespace) -> int:
    """``evaluate``: judge a solution file with the evaluator."""
    a, d = read_solution(args.solution, inst)
    if not args.force:
        check_solution_instance(d, inst, args.solution)
    ev = evaluate(inst, a)
    if args.devices_csv:
        write_devices_csv(ev, args.devices_csv)
    if args.json:
        print(json.dumps(ev.metrics, indent=2))
    else:
        print(f"solution {args.solution} ({d.get('method', '?')}) on {inst.name}")
        print(table(metrics_rows(ev.metrics)))
    return 0


def write_devices_csv(ev: Evaluation, path: str) -> None:
    """One row per device (:meth:`Evaluation.rows`): where it runs, its cost terms and
    whether it is feasible (1/0)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    rows = ev.rows()
    w.writerow(list(rows[0]))
    for r in rows:
        w.writerow(
            [
                int(v) if isinstance(v, bool) else repr(v) if isinstance(v, float) else v
                for v in r.values()
            ]
        )
    atomic_write_text(path, buf.getvalue())


#: ``pareto`` flags the offloading sweep takes (others are ignored with a note).
PARETO_OPTIONS = ("points", "method", "time_limit", "workers", "seed", "executor", "address")
PARETO_DEFAULTS = {"points": 7, "method": "milp"}
EXECUTOR_CHOICES = EXECUTORS


def print_front(inst: OffloadingInstance, front: Any) -> None:
    """``pareto``: the points of the front."""
    print(
        f"{len(front.points)} nondominated points ({front.x}, {front.y}); hypervolume "
        f"{front.hypervolume:.6g} w.r.t. reference ({front.reference[0]:.6g}, "
        f"{front.reference[1]:.6g})"
    )
    for p in front.points:
        print(f"  {front.x}={p.values[front.x]:.6g}  {front.y}={p.values[front.y]:.6g}")


def plot_front(inst: OffloadingInstance, front: Any, path: str) -> None:
    """``pareto --plot``."""
    front.plot(path)


def run_read(inst: OffloadingInstance, args: argparse.Namespace) -> int:
    """``read``: offloading files need no conversion."""
    raise InputError(
        "offloading instances need no conversion; use `placement info`", path=args.path
    )
