"""Servers for the queue's tests (no tests here): a redis-server of the test's own on a
free port (so it can be stopped without disturbing anyone), and ``scheduler worker``
processes over it. Where redis-server is missing the tests are skipped, in CI failed."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
SCHEDULER = str(Path(sys.executable).with_name("scheduler"))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require(binary: str) -> str:
    """The path of a program the test needs: skipped where it is missing, failed in CI."""
    found = shutil.which(binary)
    if found is None:
        if IN_CI:
            pytest.fail(f"{binary} is required in CI and not installed")
        pytest.skip(f"{binary} is not installed")
    return found


class RedisServer:
    """A redis-server on 127.0.0.1 at a port of its own, in memory only."""

    def __init__(self, folder: Path):
        self.binary = require("redis-server")
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start it (again, on the same port) and wait until it answers."""
        with (self.folder / f"redis-{self.port}.log").open("ab") as log:  # the child keeps it
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.folder)], stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Stop it and wait until it is gone."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    """A running redis-server of the test's own, stopped afterwards."""
    server = RedisServer(folder).start()
    try:
        yield server
    finally:
        server.stop()


class Worker:
    """A ``scheduler worker`` process, its output in a log file."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 1,
                 processes: bool = False):
        self.log_path = log
        command = [SCHEDULER, "worker", "--workers", str(workers)]
        with log.open("ab") as out:  # the child keeps it
            self.process = subprocess.Popen([*command, *(["--processes"] if processes else [])],
                                            env=env, stdout=out, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: the process dies at once, in the middle of whatever it does."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, and wait for it to end; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")


def worker_env(database_url: str, queue_url: str | None, **more: str) -> dict[str, str]:
    """The environment of a worker over a database and a queue (None: the embedded one)."""
    env = {**os.environ, "SCHEDULER_DATABASE_URL": database_url, "SCHEDULER_SECRET_KEY": "tests",
           **more}
    env.pop("SCHEDULER_QUEUE_URL", None)
    if queue_url is not None:
        env["SCHEDULER_QUEUE_URL"] = queue_url
    return env


def wait_for(condition, timeout: float, what: str, pause: float = 0.1):  # type: ignore[no-untyped-def]
    """Poll ``condition`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(pause)
