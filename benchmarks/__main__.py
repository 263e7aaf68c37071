"""Run the named benchmarks (all when none is named); each writes benchmarks/results/NAME.json.

Options (``--quick``) are read by the benchmarks themselves, not taken for names."""

from __future__ import annotations

import importlib
import sys

ALL = ["ingest", "solver", "propose", "service", "horizon", "members", "round_solver",
       "http_load", "jobs"]

names = [argument for argument in sys.argv[1:] if not argument.startswith("-")]
for name in names or ALL:
    print(f"== {name}")
    importlib.import_module(f"benchmarks.{name}").main()
