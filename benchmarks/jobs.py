"""The job queue under a burst: 200 proposals for the demo council submitted at once on
Redis (on loopback, a server of the benchmark's own), drained by one ``scheduler worker``
process and then by two; every job must end done, none lost or run twice (200 proposals
kept, 200 distinct job ids, one try each). Figures: the time to drain each way and the
ratio. ``--quick``: 40 proposals. The database is PostgreSQL when it answers on
127.0.0.1:5432 (``SCHEDULER_TEST_POSTGRES``), else an SQLite file."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .common import report, scratch_postgres

PROPOSALS = 200
QUICK = 40
# a quarter of the demo council's year, two meetings, a short time limit: bounded work
OPTIONS = {"from": "2027-03-01", "to": "2027-06-01", "meetings": 2, "min_gap_days": 14,
           "time_limit_s": 10, "alternatives": 1}
SCHEDULER = str(Path(sys.executable).with_name("scheduler"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _redis(folder: Path) -> Iterator[str]:
    """A redis-server of the benchmark's own on loopback, in memory only."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed")
    port = _free_port()
    with (folder / "redis.log").open("ab") as log:
        process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                    "--save", "", "--appendonly", "no", "--dir", str(folder)],
                                   stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def _database(folder: Path) -> Iterator[tuple[str, str]]:
    """A fresh database: (URL, kind); PostgreSQL where it answers, else an SQLite file."""
    with scratch_postgres("cs_bench") as url:
        yield (url, "postgresql") if url else (f"sqlite:///{folder / 'jobs.sqlite'}", "sqlite")


def _workers(count: int, env: dict[str, str], folder: Path) -> list[subprocess.Popen[bytes]]:
    """``count`` worker processes of one worker thread each, ready to take work."""
    started = []
    for n in range(count):
        log_path = folder / f"worker-{count}-{n}.log"
        with log_path.open("wb") as log:
            started.append((subprocess.Popen([SCHEDULER, "worker", "--workers", "1"], env=env,
                                             stdout=log, stderr=subprocess.STDOUT), log_path))
    deadline = time.monotonic() + 60
    for process, log_path in started:
        while "consumer started" not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"a worker did not start:\n{log_path.read_text()}")
            time.sleep(0.05)
    return [process for process, _ in started]


def _drain(services: Any, council_id: str, count: int, workers: int, env: dict[str, str],
           folder: Path) -> dict[str, Any]:
    """Submit ``count`` proposals at once to ``workers`` worker processes; the figures."""
    processes = _workers(workers, env, folder)
    try:
        started = time.perf_counter()
        ids = [services.submit_proposal(council_id, OPTIONS)[0].id for _ in range(count)]
        submitted = time.perf_counter() - started
        while True:
            counts = services.job_counts()
            if counts["queued"] == 0 and counts["running"] == 0:
                break
            if time.perf_counter() - started > 60 + count * 5:
                raise RuntimeError(f"not drained: {counts}")
            time.sleep(0.05)
        drained = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    jobs = [services.job(job_id) for job_id in ids]
    kept = services.proposals(council_id)
    return {"workers": workers, "proposals": count, "submitted_s": round(submitted, 2),
            "drained_s": round(drained, 2), "per_second": round(count / drained, 1),
            "done": sum(job.state == "done" for job in jobs),
            "failed": sorted({str((job.error or {}).get("detail")) for job in jobs
                              if job.state == "failed"}),
            "distinct_job_ids": len(set(ids)), "proposals_kept": len(kept),
            "tries_above_one": sum(job.attempts > 1 for job in jobs),
            "lost_or_duplicated": len(kept) != count or len(set(ids)) != count
            or len({job.result["proposal"] for job in jobs if job.result}) != count}


def run(count: int = PROPOSALS) -> dict[str, Any]:
    """Drain a burst of ``count`` proposals with one worker, then two."""
    from scheduler.jobs.queue import JobQueue
    from scheduler.jobs.queue_url import queue_target
    from scheduler.serve import load_demo
    from scheduler.services import open_services

    folder = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    with _redis(folder) as redis_url, _database(folder) as (url, kind):
        services, engine = open_services(url, link_key="bench")
        services.job_queue = JobQueue(queue_target(redis_url), lambda: services)
        env = {**os.environ, "SCHEDULER_DATABASE_URL": url, "SCHEDULER_QUEUE_URL": redis_url,
               "SCHEDULER_SECRET_KEY": "bench"}
        try:
            runs = []
            for workers in (1, 2):
                council_id, _tokens = load_demo(services, 2027)  # a council of each run's own
                runs.append(_drain(services, council_id, count, workers, env, folder))
        finally:
            engine.dispose()
    one, two = runs
    return {"database": kind, "queue": "redis on loopback", "options": OPTIONS,
            "one_worker": one, "two_workers": two,
            "drain_ratio_one_to_two": round(one["drained_s"] / two["drained_s"], 2),
            "all_complete_once": not one["lost_or_duplicated"] and not two["lost_or_duplicated"]
            and one["done"] == two["done"] == count}


def main() -> None:
    """Run and write ``benchmarks/results/jobs.json`` (``--quick``: 40 proposals)."""
    quick = "--quick" in sys.argv
    figures = run(QUICK if quick else PROPOSALS)
    report("jobs_quick" if quick else "jobs", figures)
    if not figures["all_complete_once"]:
        raise SystemExit("jobs were lost, failed or ran twice")
