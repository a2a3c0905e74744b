"""The ``placement`` command line: a thin shell over the Python API, built from the
registry.

Every command reads its instance with the reader of the problem the file belongs to
(format detected from the path, or ``--format``) and dispatches on that problem: the
method flags come from the parameter dataclasses of every registered method, the
problem-specific tables from the problem's ``cli`` module.

Exit codes: 0 ok, 2 bad input or usage (one line naming the file, field and rule;
never a traceback), 1 internal error (``--debug`` prints the traceback), 130
interrupted (Ctrl-C or SIGTERM, one line).

Outputs are checked before any work: an output may not be empty, name an input file,
a directory, a device or a file in a missing folder; ``--plot`` takes ``.png``,
``.svg`` or ``.pdf``. Results (``solve -o``, ``pareto --csv/--plot``, ``evaluate
--devices-csv``) replace an existing file, as re-running is meant to; instances
(``generate -o``, ``read -o``) replace one only with ``--force``. Every file is
written atomically.

Ctrl-C / SIGTERM (the process or its group): the running solver stops within about a
second; ``solve`` writes the incumbent it holds to ``-o`` (status ``feasible``,
termination ``interrupted``), other commands write nothing; exit code 130.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
import traceback
from typing import Any

from placement._io import check_output
from placement._version import __version__
from placement.backends import available_backends
from placement.cli.args import (
    Parser,
    add_method_flags,
    given_params,
    method_flags,
    nonneg_int,
    pos_int,
    pos_number,
    shared_with,
    types,
    validate_flag,
)
from placement.console import NO_PROGRESS_ENV
from placement.errors import InputError
from placement.executors import BACKEND_NAMES
from placement.front import PLOT_FORMATS
from placement.io import read_solution, solution_dict, write_solution
from placement.online import cli as online_cli
from placement.pareto import pareto
from placement.registry import METHODS, PROBLEMS, load, methods_of, problem_of
from placement.registry import method as lookup_method
from placement.registry import read as read_any
from placement.solve import solve
from placement.stop import (
    abandoned_solves,
    handle_interrupts,
    interrupted,
    stop_reason,
    terminate_children,
)

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
FORMATS = tuple(f for spec in PROBLEMS.values() for f in spec.formats)


def _pareto(argv: list[str]) -> bool:
    return "pareto" in argv


def _hooks(problem: str) -> Any:
    import importlib

    return importlib.import_module(PROBLEMS[problem].cli)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    flags = method_flags()
    p = Parser(prog="placement", description="Where computation runs in the edge-cloud.")
    p.add_argument("--version", action="version", version=f"placement {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="log progress (-vv: debug)")
    p.add_argument("--debug", action="store_true", help="print tracebacks of internal errors")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")

    g = sub.add_parser("generate", help="generate an instance")
    gsub = g.add_subparsers(dest="problem", required=True, parser_class=Parser, metavar="PROBLEM")
    for name in PROBLEMS:
        _hooks(name).add_generate(gsub, types)
        gsub.choices[name].add_argument(
            "--force", action="store_true", help="replace an existing output file"
        )
    online_cli.add_generate(gsub, types, FORMATS)
    gsub.choices["events"].add_argument(
        "--force", action="store_true", help="replace an existing output file"
    )

    i = sub.add_parser("info", help="summarise an instance")
    i.add_argument("path")
    i.add_argument("--json", action="store_true", help="print the summary as JSON")
    i.add_argument("--format", choices=FORMATS, help="input format (default: from the path)")

    s = sub.add_parser("solve", help="solve an instance")
    s.add_argument("path")
    s.add_argument(
        "--method",
        help="method (default: nimbus for offloading, milp for pipelines; see `placement methods`)",
    )
    s.add_argument("--seed", type=nonneg_int, default=0)
    s.add_argument("-o", "--output", help="solution file (written atomically)")
    s.add_argument("--format", choices=FORMATS, help="input format (default: from the path)")
    s.add_argument("--quiet", action="store_true", help="print only the status line")
    s.add_argument("--json", action="store_true", help="print the result (solution file) as JSON")
    s.add_argument(
        "--no-timings",
        action="store_true",
        help="leave measured times out of the solution file (same seed, same bytes)",
    )
    add_method_flags(s, flags)

    e = sub.add_parser("evaluate", help="evaluate a solution file on an instance")
    e.add_argument("path")
    e.add_argument("solution")
    e.add_argument("--json", action="store_true", help="print the metrics as JSON")
    e.add_argument(
        "--devices-csv",
        help="offloading: write the per-device table (latency, energy, feasibility)",
    )
    e.add_argument("--format", choices=FORMATS, help="input format (default: from the path)")
    e.add_argument(
        "--force", action="store_true", help="evaluate a solution written for another instance"
    )

    pa = sub.add_parser("pareto", help="ε-constraint sweep of a two-objective front")
    pa.add_argument("path")
    pa.add_argument("--x", help="objective on the x axis (default: energy / cores)")
    pa.add_argument("--y", help="objective on the y axis (default: latency / hops)")
    pa.add_argument("--points", type=pos_int, help="points (offloading default 7; pipeline: all)")
    pa.add_argument(
        "--method", help="milp (default); offloading: cpsat or a heuristic; pipeline: ls"
    )
    pa.add_argument("--time-limit", type=pos_number, help="seconds per point")
    pa.add_argument("--workers", type=pos_int, help="offloading: points solved at once")
    pa.add_argument("--threads", type=pos_int, help="pipeline: HiGHS threads")
    pa.add_argument("--formulation", choices=("layered", "arc"), help="pipeline: routing model")
    pa.add_argument(
        "--executor",
        choices=BACKEND_NAMES,
        help="offloading: where points run (default thread; dask without --address starts "
        "and stops a local cluster)",
    )
    pa.add_argument("--address", help="Dask scheduler address HOST:PORT (--executor dask)")
    pa.add_argument("--seed", type=nonneg_int, default=0)
    pa.add_argument("--csv", help="CSV output (one row per nondominated point)")
    pa.add_argument("--plot", help="plot output (.png, .svg or .pdf)")
    pa.add_argument("--format", choices=FORMATS, help="input format (default: from the path)")
    pa.add_argument("--no-progress", action="store_true", help="no progress bar")

    pl = sub.add_parser("plot", help="draw the allocation map of a solution")
    pl.add_argument("path")
    pl.add_argument("solution")
    pl.add_argument("-o", "--output", required=True, help="image file (.png, .svg or .pdf)")
    pl.add_argument("--format", choices=FORMATS, help="input format (default: from the path)")
    pl.add_argument(
        "--force", action="store_true", help="plot a solution written for another instance"
    )

    rp = online_cli.add_replay(sub, types, FORMATS)
    add_method_flags(rp, _online_flags(flags))

    r = sub.add_parser(
        "read", help="convert a VNFCP / GAP / GraphML / B-JointSP input to pipeline JSON"
    )
    r.add_argument("path")
    r.add_argument(
        "more", nargs="*", help="B-JointSP: TEMPLATE.yaml SOURCES.yaml after NET.graphml"
    )
    r.add_argument("-o", "--output", help="output file (default: JSON on stdout)")
    r.add_argument("--force", action="store_true", help="replace an existing output file")
    r.add_argument("--format", choices=FORMATS, help="input format (default: from the path)")

    sub.add_parser("check", help="list the solver backends and methods found")
    m = sub.add_parser("methods", help="list the methods of each problem with their parameters")
    m.add_argument("--problem", choices=tuple(PROBLEMS))
    return p


# ------------------------------------------------------------------ commands
def _outputs(args: argparse.Namespace, inputs: tuple[str | None, ...], **given: Any) -> None:
    """Check every output named in ``given`` (flag -> (path, force, suffixes)) before any
    work: not an input, not each other, a regular file in an existing folder."""
    seen: dict[str, str] = {}
    for flag, (path, force, suffixes) in given.items():
        if path is None:
            continue
        target = str(check_output(path, inputs=inputs, force=force, suffixes=suffixes, what=flag))
        real = os.path.realpath(target)
        if real in seen:
            raise InputError(f"{flag} and {seen[real]} name the same file", path=path)
        seen[real] = flag


def _cmd_generate(args: argparse.Namespace) -> int:
    if not getattr(args, "day", False):  # --day writes a folder
        _outputs(args, (), **{"-o": (args.output, args.force, None)})
    if args.problem == "events":
        return int(online_cli.run_generate(args))
    return int(_hooks(args.problem).run_generate(args))


def _read(args: argparse.Namespace) -> tuple[Any, str]:
    inst = read_any(args.path, format=args.format)
    return inst, problem_of(inst)


def _cmd_info(args: argparse.Namespace) -> int:
    inst, problem = _read(args)
    _hooks(problem).print_info(inst, args.path, args.json)
    return EXIT_OK


def _cmd_solve(args: argparse.Namespace) -> int:
    _outputs(args, (args.path,), **{"-o": (args.output, True, None)})
    inst, problem = _read(args)
    name = args.method or PROBLEMS[problem].default_method
    spec = lookup_method(problem, name)
    flags = method_flags()
    params = given_params(args, flags)
    accepted = spec.params_type().field_names()
    # a flag two problems share (--bound) belongs to this method when it takes it
    params = {k: v for k, v in params.items() if not shared_with(flags, k, accepted, problem)}
    ignored = sorted(k for k in params if k not in accepted)
    for k in ignored:  # a nonsense value is an error even where the method ignores it
        validate_flag(flags[k], params[k])
    if ignored:  # the CLI's flags are shared by all methods; the API stays strict
        shown = ", ".join(flags[k].flag for k in ignored)
        print(f"note: method {name!r} ignores {shown}", file=sys.stderr)
        params = {k: v for k, v in params.items() if k in accepted}
    if args.verbosity and "verbose" in accepted:
        params["verbose"] = True  # -v: the solver's log (incumbent, bound, gap over time)
    res = solve(inst, method=name, seed=args.seed, **params)
    if interrupted():
        return _interrupted_solve(inst, res, args)
    if args.output:
        write_solution(inst, res, args.output, timings=not args.no_timings)
    if args.json:
        print(json.dumps(solution_dict(inst, res), indent=1))
        return EXIT_OK
    print(res.summary())
    if not args.quiet:
        _hooks(problem).print_result(inst, res)
        if args.output:
            print(f"wrote {args.output}")
    return EXIT_OK


def _interrupted_solve(inst: Any, res: Any, args: argparse.Namespace) -> int:
    """A solve stopped by Ctrl-C / SIGTERM: write the incumbent it holds, one line."""
    why = stop_reason() or "interrupted"
    print(res.summary())
    if res.solution is not None and args.output:
        write_solution(inst, res, args.output, timings=not args.no_timings)
        print(
            f"error: interrupted ({why}); wrote the incumbent ({res.status}) to {args.output}",
            file=sys.stderr,
        )
    else:
        held = "no solution in hand" if res.solution is None else "no -o given"
        print(f"error: interrupted ({why}); {held}", file=sys.stderr)
    return EXIT_INTERRUPTED


def _cmd_evaluate(args: argparse.Namespace) -> int:
    _outputs(args, (args.path, args.solution), **{"--devices-csv": (args.devices_csv, True, None)})
    inst, problem = _read(args)
    if args.devices_csv and problem != "offloading":
        raise InputError("--devices-csv is for offloading instances", field="devices-csv")
    return int(_hooks(problem).run_evaluate(inst, args))


def _cmd_pareto(args: argparse.Namespace) -> int:
    plots = tuple("." + f for f in PLOT_FORMATS)
    _outputs(
        args,
        (args.path,),
        **{"--csv": (args.csv, True, None), "--plot": (args.plot, True, plots)},
    )
    inst, problem = _read(args)
    hooks = _hooks(problem)
    given = {
        k: getattr(args, k)
        for k in (
            "points",
            "method",
            "time_limit",
            "workers",
            "threads",
            "formulation",
            "executor",
            "address",
        )
        if getattr(args, k) is not None
    }
    ignored = sorted(k for k in given if k not in hooks.PARETO_OPTIONS and k != "method")
    if ignored:
        shown = ", ".join("--" + k.replace("_", "-") for k in ignored)
        print(f"note: the {problem} front ignores {shown}", file=sys.stderr)
    kw = {**hooks.PARETO_DEFAULTS}
    kw.update({k: v for k, v in given.items() if k in hooks.PARETO_OPTIONS})
    kw["seed"] = args.seed
    if "progress" in hooks.PARETO_OPTIONS:
        kw["progress"] = False if args.no_progress else None
    front = pareto(inst, x=args.x, y=args.y, **kw)
    if interrupted():
        raise KeyboardInterrupt  # a front cut short is not written
    if args.csv:
        front.to_csv(args.csv)
    if args.plot:
        hooks.plot_front(inst, front, args.plot)
    hooks.print_front(inst, front)
    for f in (args.csv, args.plot):
        if f:
            print(f"wrote {f}")
    return EXIT_OK


def _cmd_plot(args: argparse.Namespace) -> int:
    import importlib

    _outputs(args, (args.path, args.solution), **{"-o": (args.output, True, None)})
    inst, problem = _read(args)
    fmt = os.path.splitext(args.output)[1].lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        raise InputError(
            f"unknown image format {fmt!r}: use .png, .svg or .pdf",
            path=args.output,
            field="output",
        )
    solution, d = read_solution(args.solution, inst)
    if not args.force:
        load(f"{PROBLEMS[problem].cli}:check_solution_instance")(d, inst, args.solution)
    mod = importlib.import_module(PROBLEMS[problem].cli.rsplit(".", 1)[0] + ".plot")
    mod.plot_solution(inst, solution, args.output, fmt)
    print(f"wrote {args.output}")
    return EXIT_OK


def _online_flags(flags: dict[str, Any]) -> dict[str, Any]:
    """The method flags the online controllers take."""
    names = {n for ns in online_cli.ONLINE_PARAMS.values() for n in ns}
    return {k: v for k, v in flags.items() if k in names}


def _cmd_replay(args: argparse.Namespace) -> int:
    inst, problem = _read(args)
    given = given_params(args, _online_flags(method_flags()))
    log = online_cli.run_replay(inst, problem, args, given)
    _hooks(problem).print_result(inst, log.controller.result())
    return EXIT_OK


def _cmd_read(args: argparse.Namespace) -> int:
    if args.more:
        args.path = [args.path, *args.more]
    inputs = tuple(args.path) if isinstance(args.path, list) else (args.path,)
    _outputs(args, inputs, **{"-o": (args.output, args.force, None)})
    inst, problem = _read(args)
    return int(_hooks(problem).run_read(inst, args))


def _cmd_check(args: argparse.Namespace) -> int:
    import importlib.metadata as md

    print("MILP backends:")
    for b in available_backends():
        mark = "yes" if b.get("available") else "no"
        print(f"  {b['name']:<12} {mark:<4} {b.get('version') or '-':<14} {b.get('kind', '')}")
    print("methods:")
    for spec in METHODS:
        mark = "yes" if spec.is_available() else "no"
        print(f"  {spec.problem:<11} {spec.name:<10} {mark:<4} {spec.kind:<10} {spec.description}")
    vers = []
    for pkg in ("numpy", "numba", "pyomo", "highspy", "ortools", "networkx"):
        try:
            vers.append(f"{pkg} {md.version(pkg)}")
        except md.PackageNotFoundError:
            vers.append(f"{pkg} -")
    print("packages: " + ", ".join(vers))
    return EXIT_OK


def _cmd_methods(args: argparse.Namespace) -> int:
    for problem in PROBLEMS:
        if args.problem and problem != args.problem:
            continue
        print(f"{problem} methods:")
        for spec in methods_of(problem).values():
            names = ", ".join(spec.params_type().field_names()) or "-"
            print(f"  {spec.name:<10} {spec.kind:<10} {spec.description}")
            print(f"  {'':<10} {'':<10} typical: {spec.speed or '-'}; parameters: {names}")
    return EXIT_OK


_COMMANDS = {
    "generate": _cmd_generate,
    "info": _cmd_info,
    "solve": _cmd_solve,
    "evaluate": _cmd_evaluate,
    "pareto": _cmd_pareto,
    "replay": _cmd_replay,
    "read": _cmd_read,
    "plot": _cmd_plot,
    "check": _cmd_check,
    "methods": _cmd_methods,
}


def main(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` (without the program name); return the exit code."""
    argv_given = argv
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or bool(os.environ.get("PLACEMENT_DEBUG"))
    # global flags may come anywhere
    glob = ("-v", "-vv", "--verbose", "--debug", "--no-progress")
    lead = [a for a in argv if a in glob[:4]]
    rest = [a for a in argv if a not in glob or (a == "--no-progress" and _pareto(argv))]
    if "--no-progress" in argv:
        os.environ[NO_PROGRESS_ENV] = "1"
    verbosity = sum(2 if a == "-vv" else 1 for a in lead if a != "--debug")
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if verbosity == 0:  # Dask sets its own loggers to INFO when imported: keep them quiet
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    _VERBOSITY[0] = verbosity
    code = _run(rest, debug, hold=argv_given is None)
    if code == EXIT_INTERRUPTED:
        terminate_children()  # no orphaned workers or solver processes
    if argv_given is None and (code == EXIT_INTERRUPTED or abandoned_solves()):
        # the program ends now: solver threads that ignored a stop request (the C++
        # runtime aborts a process that exits under them), pool threads and freeing a
        # large model would otherwise delay or break the exit
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    return code


#: The -v count of the current run (set by main, read by the commands).
_VERBOSITY = [0]

#: What an interrupted run leaves behind (its traceback and models), kept so that
#: freeing it does not delay the program's exit.
_HELD: list[Any] = []


def _run(rest: list[str], debug: bool, hold: bool = False) -> int:
    try:
        with handle_interrupts((signal.SIGINT, signal.SIGTERM)):
            try:
                parser = build_parser()
                try:
                    args = parser.parse_args(rest)
                except SystemExit as exc:  # --help / --version
                    return int(exc.code or 0)
                args.verbosity = _VERBOSITY[0]
                code = _COMMANDS[args.command](args)
                if interrupted() and code == EXIT_OK:
                    raise KeyboardInterrupt
                return code
            except KeyboardInterrupt as exc:
                if hold:
                    _HELD.append(exc)
                why = stop_reason()
                print(f"error: interrupted{f' ({why})' if why else ''}", file=sys.stderr)
                return EXIT_INTERRUPTED
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:  # a second signal while the first was being reported
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and the like
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        return EXIT_OK
    except OSError as exc:  # cannot write an output file, etc.
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # internal error
        if debug:
            traceback.print_exc()
        print(
            f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
