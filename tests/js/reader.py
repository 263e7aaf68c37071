"""Read a feed with ical.js in strict mode (Node), for checks independent of Python."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent


def ical_js(text: bytes) -> dict[str, Any]:
    """The feed as ical.js (strict) reads it: calendar name, method and events."""
    if shutil.which("node") is None or not (HERE / "node_modules" / "ical.js").exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("ical.js is required in CI: scripts/test installs it")
        pytest.skip("node or ical.js not installed (run scripts/test)")
    done = subprocess.run(["node", str(HERE / "check_feed.mjs")], input=text,
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"ical.js refused the feed: {done.stderr.decode(errors='replace')}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result
