"""How a long computation tells its job how far it got: the solver's progress reports
(stage, fraction done, best bound, best plan, gap), heard through a callback."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["ProgressCallback", "ProgressReport", "progress_detail"]


class ProgressReport(Protocol):
    """What a progress report carries (``solver.progress.Progress`` is one; the jobs
    read it without loading the solver)."""

    @property
    def stage(self) -> str: ...
    @property
    def fraction(self) -> float | None: ...
    @property
    def bound(self) -> float | None: ...
    @property
    def best(self) -> float | None: ...
    @property
    def gap(self) -> float | None: ...


ProgressCallback = Callable[[ProgressReport], None]


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def progress_detail(report: ProgressReport) -> dict[str, float | None]:
    """The report's figures as a job's detail (``bound``, ``best``, ``gap``; JSON numbers
    or null)."""
    return {name: _number(getattr(report, name, None)) for name in ("bound", "best", "gap")}
