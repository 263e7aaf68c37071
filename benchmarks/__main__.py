"""Run the named benchmarks (all when none is named); each writes benchmarks/results/NAME.json."""

from __future__ import annotations

import importlib
import sys

ALL = ["ingest", "solver", "propose", "service", "horizon"]

for name in sys.argv[1:] or ALL:
    print(f"== {name}")
    importlib.import_module(f"benchmarks.{name}").main()
