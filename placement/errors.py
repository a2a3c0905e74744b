"""Errors and warnings of the package.

User mistakes raise :class:`InputError` (a ``ValueError``) whose message names the
file, the field and the violated rule; the CLI turns them into exit code 2.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: the message names the file, the field and the rule."""

    def __init__(self, rule: str, *, path: str | None = None, field: str | None = None):
        self.path = path
        self.field = field
        self.rule = rule
        parts = []
        if path:
            parts.append(str(path))
        if field:
            parts.append(f"field '{field}'")
        prefix = ": ".join(parts)
        super().__init__(f"{prefix}: {rule}" if prefix else rule)

    def with_path(self, path: str) -> InputError:
        """Return a copy of this error that names ``path`` as the file."""
        if self.path:
            return self
        return InputError(self.rule, path=str(path), field=self.field)


class SolverUnavailableError(RuntimeError):
    """A requested solver backend is not installed."""


class NumericalWarning(UserWarning):
    """A numerical concern (tolerance, scaling) that does not stop the solve."""
