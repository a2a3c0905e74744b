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
    """
    out: dict[str, MethodFlag] = {}
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
                )
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
    for mf in flags.values():
        key = "both" if len(mf.problems) > 1 else next(iter(mf.problems))
        help_ = mf.help
        if mf.choices and "{" not in help_:
            help_ += " {" + ",".join(sorted(mf.choices)) + "}"
        kw: dict[str, Any] = {"dest": mf.name, "help": help_, "default": None}
        if mf.metavar:
            kw["metavar"] = mf.metavar
        if mf.append:
            kw["action"] = "append"
        elif mf.convert is not None:
            kw["type"] = mf.convert
        groups[key].add_argument(mf.flag, **kw)


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
    """The method flags given on the command line (name -> value)."""
    return {k: getattr(args, k) for k in flags if getattr(args, k, None) is not None}
