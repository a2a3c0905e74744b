"""Argument plumbing of the command line: one-line usage errors, value types, and the
method flags built from the registry's parameter dataclasses."""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Callable
from typing import Any

from placement.errors import InputError
from placement.registry import METHODS, MethodSpec


class UsageError(InputError):
    """A command-line usage mistake (exit code 2, one line, no usage block)."""


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors raise :class:`UsageError` instead of printing a
    usage block and exiting (``--help`` still prints the full help)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _int(s: str) -> int:
    try:
        return int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {s!r}") from None


def nonneg_int(s: str) -> int:
    """An integer >= 0."""
    v = _int(s)
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {s!r}")
    return v


def pos_int(s: str) -> int:
    """An integer >= 1."""
    v = _int(s)
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {s!r}")
    return v


def number(s: str) -> float:
    """A finite number."""
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {s!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {s!r}")
    return v


def pos_number(s: str) -> float:
    """A finite number > 0."""
    v = number(s)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {s!r}")
    return v


class types:  # noqa: N801 - a namespace handed to the problems' argument builders
    """The value types, for the problems' ``add_generate`` hooks."""

    nonneg_int = staticmethod(nonneg_int)
    pos_int = staticmethod(pos_int)
    number = staticmethod(number)
    pos_number = staticmethod(pos_number)


@dataclasses.dataclass
class MethodFlag:
    """One flag built from the parameter fields of one or more methods."""

    name: str
    flag: str
    help: str
    convert: Callable[[str], Any] | None
    append: bool
    choices: set[str]
    metavar: str | None
    problems: set[str]
    methods: set[tuple[str, str]]
    dest: str = ""
    """The argparse destination: the field name, or the first field's name when fields
    of the two problems share one flag (``--bound``: pipeline ε-constraints,
    offloading bound method); each problem's method then reads its own field."""


def _converter(annotation: str) -> Callable[[str], Any] | None:
    a = str(annotation).replace(" ", "")
    if a.startswith("int"):
        return _int
    if a.startswith("float"):
        return number
    return None


def method_flags(methods: tuple[MethodSpec, ...] = METHODS) -> dict[str, MethodFlag]:
    """Field name -> :class:`MethodFlag` over the parameters of ``methods``.

    A field that several methods share becomes one flag (same meaning everywhere).
    Two differently named fields whose methods belong to different problems may
    share a flag string: they share its ``dest`` (see :attr:`MethodFlag.dest`).
    """
    out: dict[str, MethodFlag] = {}
    by_flag: dict[str, str] = {}
    for spec in methods:
        for f in dataclasses.fields(spec.params_type()):
            meta = f.metadata
            if not meta or not meta.get("cli"):
                continue
            flag = meta.get("flag") or "--" + f.name.replace("_", "-")
            mf = out.get(f.name)
            if mf is None:
                mf = out[f.name] = MethodFlag(
                    f.name,
                    flag,
                    meta["help"],
                    _converter(f.type),
                    meta["cli"] == "append",
                    set(),
                    meta.get("metavar"),
                    set(),
                    set(),
                    by_flag.setdefault(flag, f.name),
                )
                other = out[mf.dest]
                if mf.dest != f.name and other.problems == {spec.problem}:
                    raise ValueError(f"{flag} names two fields of {spec.problem} methods")
            mf.choices.update(meta.get("choices") or ())
            mf.problems.add(spec.problem)
            mf.methods.add((spec.problem, spec.name))
    return out


def add_method_flags(p: argparse.ArgumentParser, flags: dict[str, MethodFlag]) -> None:
    """Add the method flags to ``p`` in three groups: both problems, offloading, pipeline."""
    groups = {
        "both": p.add_argument_group("method options (both problems)"),
        "offloading": p.add_argument_group("offloading method options"),
        "pipeline": p.add_argument_group("pipeline method options"),
    }
    shared: dict[str, list[MethodFlag]] = {}
    for mf in flags.values():
        shared.setdefault(mf.dest or mf.name, []).append(mf)
    for dest, mfs in shared.items():
        problems = set().union(*(m.problems for m in mfs))
        key = "both" if len(problems) > 1 else next(iter(problems))
        helps = []
        for mf in mfs:
            help_ = mf.help
            if mf.choices and "{" not in help_:
                help_ += " {" + ",".join(sorted(mf.choices)) + "}"
            if len(mfs) > 1:
                help_ = f"{'/'.join(sorted(mf.problems))}: {help_}"
            helps.append(help_)
        kw: dict[str, Any] = {"dest": dest, "help": "; ".join(helps), "default": None}
        metavars = [mf.metavar for mf in mfs if mf.metavar]
        if metavars:
            kw["metavar"] = metavars[0] if len(mfs) == 1 else "VALUE"
        if any(mf.append for mf in mfs):
            kw["action"] = "append"
        elif mfs[0].convert is not None:
            kw["type"] = mfs[0].convert
        groups[key].add_argument(mfs[0].flag, **kw)


def validate_flag(mf: MethodFlag, value: Any) -> None:
    """Check ``value`` with the parameter class of a method that takes the flag.

    Raises
    ------
    InputError
        The message of that class's validation.
    """
    problem, name = sorted(mf.methods)[0]
    spec = next(m for m in METHODS if (m.problem, m.name) == (problem, name))
    spec.params_type().build({mf.name: value}, method=name)


def given_params(args: argparse.Namespace, flags: dict[str, MethodFlag]) -> dict[str, Any]:
    """The method flags given on the command line (name -> value). A single-valued
    field reading a shared repeatable flag gets its value (the list when the flag
    was repeated, which its parameter class then rejects)."""
    out = {}
    for k, mf in flags.items():
        v = getattr(args, mf.dest or k, None)
        if v is None:
            continue
        if not mf.append and isinstance(v, list):
            v = v[0] if len(v) == 1 else v
        out[k] = v
    return out


def shared_with(flags: dict[str, MethodFlag], name: str, accepted: Any, problem: str) -> bool:
    """Whether field ``name`` reads a flag it shares with a field of the other problem
    and is not the one this method's flag means: another field of the flag is
    ``accepted``, or ``name`` is no field of ``problem`` (drop it, no note)."""
    d = flags[name].dest or name
    others = [a for a, mf in flags.items() if a != name and (mf.dest or a) == d]
    if not others:
        return False
    return any(a in accepted for a in others) or problem not in flags[name].problems
