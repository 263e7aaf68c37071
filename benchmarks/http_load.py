"""Requests per second under the production server (``scheduler serve --processes 2``,
gunicorn) over a demo database, SQLite and PostgreSQL: /healthz (the server's own floor),
a feed, a feed's 304, /api/openapi.json and a JSON read, each as a share of /healthz in
the same run. The load comes from another process on loopback (wrk when installed, else
Python threads); medians of several short runs, bounded in time.

``--quick``: fewer and shorter runs. Goals: a feed at least 50 % and a 304 at least 70 %
of /healthz."""

from __future__ import annotations

import http.client
import multiprocessing
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .common import POSTGRES, report, scratch_postgres

CONNECTIONS = 8
PROCESSES, THREADS = 2, 8
GOALS = {"feed": 0.5, "feed_304": 0.7}
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET",
         body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


# load generators ---------------------------------------------------------------------------
def _wrk() -> str | None:
    if shutil.which("wrk") is None and (ROOT / "scripts" / "wrk").exists():
        subprocess.run(["bash", str(ROOT / "scripts" / "wrk")], check=False, timeout=300)
    return shutil.which("wrk")


def _wrk_load(wrk: str, port: int, path: str, headers: dict[str, str], seconds: float) -> tuple[float, int]:
    """Requests per second and answers outside 2xx/3xx, from wrk (one thread)."""
    args = [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    out = subprocess.run([*args, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         check=True, timeout=seconds + 30).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    wrong = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = int(wrong.group(1)) if wrong else 0
    failed += sum(int(n) for n in errors.groups()) if errors else 0
    return (float(rate.group(1)) if rate else 0.0), failed


def _python_client(port: int, path: str, headers: dict[str, str], expect: int, seconds: float,
                   answers: Any) -> None:
    """In a process of its own: keep-alive GETs from CONNECTIONS threads for ``seconds``."""
    counts: list[tuple[int, int]] = []
    stop = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        done = wrong = 0
        while time.monotonic() < stop:
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            answer.read()
            done += 1
            wrong += answer.status != expect
        connection.close()
        counts.append((done, wrong))

    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answers.put((sum(c for c, _ in counts) / seconds, sum(w for _, w in counts)))


def _python_load(port: int, path: str, headers: dict[str, str], expect: int,
                 seconds: float) -> tuple[float, int]:
    answers: Any = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=_python_client, args=(port, path, headers, expect, seconds, answers))
    process.start()
    found: tuple[float, int] = answers.get(timeout=seconds + 60)
    process.join(timeout=30)
    return found


# the server --------------------------------------------------------------------------------
@contextmanager
def _server(database: str, folder: Path) -> Iterator[tuple[int, list[str], int]]:
    """``scheduler serve --processes 2 --demo`` over ``database``; yields its port, the
    lines it printed before serving and its process id."""
    port = _free_port()
    env = {**os.environ, "SCHEDULER_DATABASE_URL": database, "SCHEDULER_CACHE_DIR": "off",
           "XDG_DATA_HOME": str(folder), "SCHEDULER_LOG_FORMAT": "json"}
    env.pop("SCHEDULER_QUEUE_URL", None)
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("scheduler")), "serve", "--port", str(port), "--demo",
         "--processes", str(PROCESSES), "--threads", str(THREADS)],
        env=env, text=True, stdout=subprocess.PIPE, stderr=log)
    lines: queue.Queue[str] = queue.Queue()
    assert server.stdout is not None
    def read() -> None:
        for line in server.stdout or ():
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    printed: list[str] = []
    try:
        deadline = time.monotonic() + 180
        while not printed or not printed[-1].startswith("serving on"):
            try:
                printed.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                raise RuntimeError("the server did not start: "
                                   + (folder / "server.log").read_text()[-2000:]) from None
        yield port, printed, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _targets(port: int, printed: list[str]) -> dict[str, tuple[str, dict[str, str], int]]:
    """What to load: name -> (path, headers, expected status)."""
    tokens = dict(line.split() for line in printed if line.startswith("  "))
    council = next(line.split()[2] for line in printed if line.startswith("demo council"))
    secretary = {"Authorization": f"Bearer {tokens['secretary']}"}
    import datetime as dt
    import json

    year = dt.date.today().year + 1  # the demo's year
    options = {"from": f"{year}-01-01", "to": f"{year + 1}-01-01", "meetings": 4, "min_gap_days": 42}
    status, _, body = _get(port, f"/api/councils/{council}/proposals", {
        **secretary, "Content-Type": "application/json"}, "POST", json.dumps(options).encode())
    assert status == 201, (status, body[:300])
    status, _, body = _get(port, f"/api/proposals/{json.loads(body)['id']}/confirm", secretary, "POST")
    assert status in (200, 201), (status, body[:300])  # the feed shows four meetings
    status, _, body = _get(port, f"/api/councils/{council}", secretary)
    assert status == 200, status
    member = json.loads(body)["parties"][0]["members"][1]["id"]
    status, _, body = _get(port, f"/api/members/{member}/feed", secretary)
    feed = urlsplit(json.loads(body)["url"]).path
    status, headers, _ = _get(port, feed)
    assert status == 200, status
    etag = {"If-None-Match": headers["ETag"]}
    assert _get(port, feed, etag)[0] == 304
    return {"healthz": ("/healthz", {}, 200), "feed": (feed, {}, 200),
            "feed_304": (feed, etag, 304), "openapi": ("/api/openapi.json", {}, 200),
            "json_read": (f"/api/councils/{council}", secretary, 200)}


def _cpu_seconds(server: int, database: str) -> float:
    """CPU time used so far by the server's processes and, on PostgreSQL, by the backends
    of its database (from /proc; 0 where there is none)."""
    name = database.rsplit("/", 1)[-1] if database.startswith("postgresql") else None
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
            fields = raw[raw.rindex(")") + 2:].split()  # state, ppid, ..., utime, stime
            ours = int(stat.parent.name) == server or int(fields[1]) == server
            if not ours and name:
                ours = f" {name} " in (stat.parent / "cmdline").read_text()
        except (OSError, ValueError):
            continue
        ticks += (int(fields[11]) + int(fields[12])) if ours else 0
    return ticks / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.0


def measure(database: str, folder: Path, rounds: int, seconds: int) -> dict[str, Any]:
    """Start the server over ``database`` and measure each target ``rounds`` times."""
    wrk = _wrk()
    with _server(database, folder) as (port, printed, pid):
        targets = _targets(port, printed)
        runs: dict[str, list[float]] = {name: [] for name in targets}
        cpu: dict[str, list[float]] = {name: [] for name in targets}
        failures = dict.fromkeys(targets, 0)

        def load(name: str, length: float) -> float:
            path, headers, expect = targets[name]
            before = _cpu_seconds(pid, database)
            rate, failed = (_wrk_load(wrk, port, path, headers, length) if wrk
                            else _python_load(port, path, headers, expect, length))
            used = _cpu_seconds(pid, database) - before
            cpu[name].append(used * 1000 / max(1.0, rate * length))
            failures[name] += failed
            return rate

        for name in targets:  # warm: the feed built, connections opened in both processes
            load(name, 1.0)
        cpu = {name: [] for name in targets}
        shares: dict[str, list[float]] = {name: [] for name in targets if name != "healthz"}
        for _ in range(rounds):  # each target right after a /healthz run: a busy moment of
            for name, found in shares.items():  # the machine hits both alike
                runs["healthz"].append(load("healthz", seconds))
                runs[name].append(load(name, seconds))
                found.append(runs[name][-1] / runs["healthz"][-1])
    cpu_ms = {name: statistics.median(used) for name, used in cpu.items()}
    return {
        "requests_per_second": {name: round(statistics.median(rates), 1) for name, rates in runs.items()},
        "share_of_healthz": {name: round(statistics.median(found), 3) for name, found in shares.items()},
        "goals_met": {name: statistics.median(shares[name]) >= goal for name, goal in GOALS.items()},
        # steadier on a busy machine: the server's CPU per request, and /healthz's over each
        "server_cpu_ms_per_request": {name: round(used, 3) for name, used in cpu_ms.items()},
        "cpu_share_of_healthz": {name: round(cpu_ms["healthz"] / used, 3) if used else None
                                 for name, used in cpu_ms.items() if name != "healthz"},
        "unexpected_answers": failures,
        "runs": {name: [round(rate, 1) for rate in rates] for name, rates in runs.items()},
        "generator": f"wrk -t1 -c{CONNECTIONS}" if wrk else f"Python, {CONNECTIONS} threads",
    }


def run(quick: bool) -> dict[str, Any]:
    """Measure over SQLite, then over PostgreSQL when it is reachable."""
    rounds, seconds = (3, 2) if quick else (7, 2)
    figures: dict[str, Any] = {
        "server": f"scheduler serve --processes {PROCESSES} --threads {THREADS} (gunicorn, "
                  "gthread), demo council with four confirmed meetings (a substitute's feed); "
                  "a JSON log line per request",
        "load": f"{CONNECTIONS} keep-alive connections on loopback; {rounds} runs of {seconds} s "
                "per target, each right after a run of /healthz; medians; a share is the median "
                "of each run's rate over the /healthz run before it; 2 cores shared by server "
                "and generator",
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        figures["sqlite"] = measure(f"sqlite:///{folder / 'db.sqlite'}", folder, rounds, seconds)
        with scratch_postgres("http_load") as url:
            figures["postgresql"] = (measure(url, folder, rounds, seconds) if url
                                     else {"skipped": f"PostgreSQL not reachable at {POSTGRES}"})
    return figures


def main() -> None:
    """Run, print and write the figures."""
    report("http_load", run("--quick" in sys.argv))


if __name__ == "__main__":
    main()
