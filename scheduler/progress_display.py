"""Progress of long command-line work on the terminal (rich): the stage (reading
calendars, each solver stage, ...), a bar of the fraction done, and for a solver stage its
best value, bound and gap. Shown on standard error only when it is a terminal, and cleared
when the work ends; piped or redirected, nothing extra is written anywhere."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the solver (and OR-Tools) is not loaded for commands that do not solve
    from solver.progress import Progress, ProgressCallback

__all__ = ["describe", "terminal_progress"]


def describe(report: Progress) -> str:
    """A solver stage's figures in words: ``best 3.21 · bound 3.29 · gap 2.5 %``; empty
    when none is known."""
    parts = []
    if report.best is not None:
        parts.append(f"best {report.best:.4g}")
    if report.bound is not None:
        parts.append(f"bound {report.bound:.4g}")
    if report.gap is not None:
        parts.append(f"gap {100 * report.gap:.2g} %")
    return " · ".join(parts)


def _shows_progress(stream: TextIO) -> bool:
    """True when ``stream`` is a terminal that can redraw a line (not TERM=dumb)."""
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return terminal and os.environ.get("TERM", "") not in ("dumb", "unknown")


@contextmanager
def terminal_progress(title: str = "") -> Iterator[ProgressCallback | None]:
    """A progress callback drawing on standard error while the block runs, or None (and
    no cost) when standard error is not a terminal."""
    if not _shows_progress(sys.stderr):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    console = Console(file=sys.stderr)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TaskProgressColumn(), TimeElapsedColumn(), TextColumn("{task.fields[figures]}"))
    with Bar(*columns, console=console, transient=True) as bar:
        task = bar.add_task(title, total=1.0, figures="")

        shown = [""]

        def show(report: Progress) -> None:
            stage = f"{title}: {report.stage}" if title else report.stage
            bar.update(task, completed=report.fraction, description=stage,
                       figures=describe(report), refresh=stage != shown[0])  # each stage seen
            shown[0] = stage

        yield show
