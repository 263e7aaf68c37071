"""How a long computation tells its job how far it got: the solver's progress reports
(stage, fraction done, best bound, best plan, gap), heard through a callback."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["ProgressCallback", "ProgressReport", "progress_argument", "progress_detail"]


class ProgressReport(Protocol):
    """What a progress report carries (``solver.progress.Progress`` is one)."""

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


def progress_argument(function: Callable[..., Any],
                      progress: ProgressCallback | None) -> dict[str, Any]:
    """``{"progress": callback}`` when ``function`` takes a ``progress`` argument and there
    is a callback, else nothing (a computation that does not report runs as before)."""
    if progress is None:
        return {}
    try:
        takes = "progress" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        takes = False
    return {"progress": progress} if takes else {}


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def progress_detail(report: ProgressReport) -> dict[str, float | None]:
    """The report's figures as a job's detail (``bound``, ``best``, ``gap``; JSON numbers
    or null)."""
    return {name: _number(getattr(report, name, None)) for name in ("bound", "best", "gap")}
