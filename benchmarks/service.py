"""The service under its production server: proposal latency, and feed requests per
second with and without ETag, from a load generator on loopback (bounded in time)."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from .common import report

SECONDS = 5.0
CLIENTS = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wrk(port: int, path: str, headers: dict[str, str]) -> dict[str, Any] | None:
    """The same load from wrk (a C load generator), when it is installed."""
    if shutil.which("wrk") is None:
        return None
    args = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{SECONDS:g}s", "--latency"]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    out = subprocess.run([*args, f"http://127.0.0.1:{port}{path}"], capture_output=True,
                         text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    median = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {"requests_per_second": float(rate.group(1)) if rate else None,
            "median_latency_ms": round(float(median.group(1)) * scale[median.group(2)], 2)
            if median else None,
            "unexpected_status": int(errors.group(1)) if errors else 0, "generator": "wrk"}


def _load(port: int, path: str, headers: dict[str, str], expect: int) -> dict[str, Any]:
    """Keep-alive GETs from CLIENTS connections for SECONDS: wrk, else Python threads."""
    measured = _wrk(port, path, headers)
    if measured is not None:
        return measured
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != expect:
                failures[0] += 1
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"requests_per_second": round(len(latencies) / SECONDS, 1),
            "median_latency_ms": round(statistics.median(latencies) * 1000, 2),
            "unexpected_status": failures[0], "generator": "python threads"}


def run() -> dict[str, Any]:
    """Start the server with the demo council, then measure."""
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        env = {**os.environ, "SCHEDULER_DATABASE_URL": f"sqlite:///{Path(tmp) / 'db.sqlite'}",
               "SCHEDULER_CACHE_DIR": "off"}
        server = subprocess.Popen([str(Path(sys.executable).with_name("scheduler")), "serve",
                                   "--port", str(port), "--demo"], env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            assert server.stdout is not None
            lines = []
            while not (line := server.stdout.readline()).startswith("serving on"):
                lines.append(line)
            tokens = dict(line.split() for line in lines if line.startswith("  "))
            council = next(line.split()[2] for line in lines if line.startswith("demo council"))
            secretary = {"Authorization": f"Bearer {tokens['secretary']}"}
            base = f"http://127.0.0.1:{port}"
            options = {"from": "2027-01-01", "to": "2028-01-01", "meetings": 4, "min_gap_days": 42}
            with httpx.Client(base_url=base, timeout=120) as client:
                times, proposal = [], {}
                for _ in range(5):
                    started = time.perf_counter()
                    proposal = client.post(f"/api/councils/{council}/proposals", json=options,
                                           headers=secretary).json()
                    times.append(time.perf_counter() - started)
                client.post(f"/api/proposals/{proposal['id']}/confirm", headers=secretary)
                member = client.get(f"/api/councils/{council}", headers=secretary
                                    ).json()["parties"][0]["members"][1]["id"]
                url = client.get(f"/api/members/{member}/feed", headers=secretary).json()["url"]
                etag = client.get(url).headers["ETag"]
            path = urlsplit(url).path
            return {
                "proposal_over_http_median_s": round(statistics.median(times), 3),
                "proposal_status": proposal.get("status"),
                "feed_without_etag": _load(port, path, {}, 200),
                "feed_with_etag_304": _load(port, path, {"If-None-Match": etag}, 304),
                "load": f"{CLIENTS} keep-alive connections on loopback for {SECONDS:g} s each; "
                        "waitress with 8 threads; 2 cores shared by server and generator",
            }
        finally:
            server.terminate()
            server.wait(timeout=10)
            if server.stdout:
                server.stdout.close()


def main() -> None:
    """Run, print and write the figures."""
    report("service", run())


if __name__ == "__main__":
    main()
