"""``scheduler serve`` beyond loopback with neither ``SCHEDULER_PUBLIC_URL`` nor
``SCHEDULER_TRUSTED_HOSTS`` set builds links from whatever Host header a request sends:
it says so at start, in one log line, and says nothing when either is set or it listens
on loopback only."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from scheduler.serve import link_warning

from .test_serve import free_port

pytestmark = pytest.mark.network


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "[2001:db8::1]",
                                  "council.example"])
def test_listening_beyond_loopback_without_a_public_url_or_trusted_hosts_is_warned_of(host):
    warning = link_warning(host, None, None)
    assert warning is not None and "SCHEDULER_PUBLIC_URL" in warning
    assert "SCHEDULER_TRUSTED_HOSTS" in warning and "\n" not in warning


@pytest.mark.parametrize(("host", "public_url", "trusted"), [
    ("127.0.0.1", None, None), ("localhost", None, None), ("::1", None, None),
    ("127.0.1.1", None, None), ("0.0.0.0", "https://council.example", None),
    ("0.0.0.0", None, ["council.example"])])
def test_loopback_or_a_public_url_or_trusted_hosts_need_no_warning(host, public_url, trusted):
    assert link_warning(host, public_url, trusted) is None


def _start_lines(folder: Path, **env: str) -> list[str]:
    """What ``scheduler serve --host 0.0.0.0`` logs on stderr until it serves."""
    port = free_port()
    environ = {key: value for key, value in os.environ.items()
               if key not in ("SCHEDULER_PUBLIC_URL", "SCHEDULER_TRUSTED_HOSTS",
                              "SCHEDULER_QUEUE_URL")}
    environ.update({"SCHEDULER_DATABASE_URL": f"sqlite:///{folder / 'db.sqlite'}",
                    "SCHEDULER_CACHE_DIR": "off", "XDG_DATA_HOME": str(folder),
                    "SCHEDULER_LOG_FORMAT": "json", **env})
    log = folder / "server.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("scheduler")), "serve", "--host", "0.0.0.0",
             "--port", str(port)], env=environ, text=True, stdout=subprocess.PIPE,
            stderr=errors)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()],
                     daemon=True).start()
    try:
        while True:
            try:
                if lines.get(timeout=120).startswith("serving on"):
                    break
            except queue.Empty:
                pytest.fail("the server did not start: " + log.read_text()[-3000:])
    finally:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
    return log.read_text().splitlines()


def test_serve_on_every_address_without_either_setting_warns_once_at_start(tmp_path):
    found = [json.loads(line) for line in _start_lines(tmp_path)
             if "SCHEDULER_PUBLIC_URL" in line]
    assert len(found) == 1 and found[0]["level"] == "warning", found
    assert "Host header" in found[0]["message"]


def test_serve_with_a_public_url_does_not_warn(tmp_path):
    assert not [line for line in _start_lines(tmp_path,
                                              SCHEDULER_PUBLIC_URL="https://council.example")
                if "Host header" in line]
