"""Reproduce the Nimbus paper's experiments: ``python benchmarks/reproduce.py [--quick] [--out DIR]``.

A thin entry point; the driver, its protocol and its options are in
``benchmarks/experiments/offloading/reproduce.py`` (``--help`` lists them).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "experiments" / "offloading"))

from reproduce import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
