"""Solver backends: HiGHS direct, Pyomo and CP-SAT, each with one status table and the
one :class:`~placement.result.RawSolution` shape.

Nothing here is imported by ``import placement``; each backend imports its solver
package only when it runs.
"""

from placement.backends.base import BackendParams, MatrixModel
from placement.backends.listing import available_backends

__all__ = ["BackendParams", "MatrixModel", "available_backends"]
