"""The ``placement`` command line (:func:`main`)."""

from placement.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
