"""Timing helpers shared by the benchmarks: medians of repeated runs, result files."""

from __future__ import annotations

import json
import os
import platform
import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def median_seconds(action: Callable[[], object], repeat: int = 7, setup: Callable[[], object] | None = None
                   ) -> float:
    """The median wall time of ``repeat`` runs of ``action`` (``setup`` untimed before each)."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name: str, figures: dict[str, Any]) -> None:
    """Write the figures and print them, one per line."""
    path = write_result(name, figures)
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(f"written to {path}")


def write_result(name: str, figures: dict[str, Any]) -> Path:
    """Write one benchmark's figures as JSON, with the machine they were measured on."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    figures = {"machine": {"python": platform.python_version(), "cpu": platform.processor()
                           or platform.machine()}, **figures}
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    return path


POSTGRES = os.environ.get("SCHEDULER_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def scratch_postgres(prefix: str) -> Iterator[str | None]:
    """The URL of an empty database of the benchmark's own on the local PostgreSQL, dropped
    afterwards; None where no PostgreSQL answers."""
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as db:
            db.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        admin.dispose()
        yield None
        return
    try:
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as db:
            db.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
