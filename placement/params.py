"""Parameter objects: one frozen dataclass per method, validated when built.

Every registered method takes a :class:`Params` subclass. Its fields are declared with
:func:`param`, which records the help text and, where the value comes from a fixed
set, the choices; the command line builds its flags from these fields (one flag per
field name, shared by every method that has the field), so a new parameter is one
field here and nothing in the CLI. ``__post_init__`` rejects nonsense in one message
idiom ("Expected kappa >= 0, got -1.") through :class:`~placement.errors.InputError`,
whose ``field`` names the parameter.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, ClassVar

from placement.errors import InputError


def param(
    default: Any,
    help: str,
    *,
    choices: tuple[str, ...] | None = None,
    cli: bool | str = True,
    metavar: str | None = None,
    flag: str | None = None,
) -> Any:
    """A dataclass field of a :class:`Params` class.

    Parameters
    ----------
    default
        Default value (``None`` = "the method decides").
    help
        One line for ``--help`` and ``placement methods``.
    choices
        The allowed values when they form a fixed set (shown in the help; checked
        by the class's ``__post_init__``).
    cli
        ``True``: a flag ``--name`` taking one value; ``"append"``: repeatable flag
        collected into a list; ``False``: Python API only.
    metavar
        Placeholder of the flag's value in the help.
    flag
        The flag's name when it is not ``--`` plus the field name with dashes.
    """
    meta = {"help": help, "choices": choices, "cli": cli, "metavar": metavar, "flag": flag}
    return dataclasses.field(default=default, metadata=meta)


def check_int(name: str, value: Any, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an ``int`` within ``[lo, hi]``; booleans and floats are refused."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InputError(f"Expected {name} to be an integer, got {value!r}.", field=name)
    if lo is not None and value < lo:
        raise InputError(f"Expected {name} >= {lo}, got {value!r}.", field=name)
    if hi is not None and value > hi:
        raise InputError(f"Expected {name} <= {hi}, got {value!r}.", field=name)
    return int(value)


def check_number(
    name: str,
    value: Any,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    """``value`` as a finite ``float`` within the given (half-)open or closed range."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise InputError(f"Expected {name} to be a finite number, got {value!r}.", field=name)
    v = float(value)
    if lo is not None and (v < lo or (lo_open and v == lo)):
        raise InputError(
            f"Expected {name} {'>' if lo_open else '>='} {lo:g}, got {value!r}.", field=name
        )
    if hi is not None and (v > hi or (hi_open and v == hi)):
        raise InputError(
            f"Expected {name} {'<' if hi_open else '<='} {hi:g}, got {value!r}.", field=name
        )
    return v


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise InputError(f"Expected {name} in {{{', '.join(choices)}}}, got {value!r}.", field=name)
    return value


@dataclass(frozen=True)
class Params:
    """Base of every method's parameter dataclass.

    Subclasses are frozen dataclasses whose fields are made with :func:`param` and
    whose ``__post_init__`` validates (and normalises through :meth:`_set`) them.
    """

    #: Name of the objective a method optimises when it has no ``objective`` field.
    fixed_objective: ClassVar[str | None] = None

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Names of the parameters (in declaration order)."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def build(cls, values: dict[str, Any], *, method: str) -> Params:
        """Build from keyword values; ``None`` means "default"; unknown names are errors."""
        names = cls.field_names()
        for k in values:
            if k not in names:
                allowed = ", ".join(names) or "none"
                raise InputError(
                    f"method {method!r} does not take this parameter (allowed: {allowed})",
                    field=k,
                )
        return cls(**{k: v for k, v in values.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        """Field name -> value (every field)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def changed(self) -> dict[str, Any]:
        """The fields whose value differs from the default."""
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.default is dataclasses.MISSING or v != f.default:
                out[f.name] = v
        return out

    @property
    def objective_name(self) -> str | None:
        """The objective this run optimises (``objective`` field, else the class's)."""
        return getattr(self, "objective", None) or self.fixed_objective


@dataclass(frozen=True)
class NoParams(Params):
    """Parameters of a method that takes none."""
