"""Progress on the command line: drawn on standard error when it is a terminal (a
pseudo-terminal here), nothing extra when output is piped, and the same standard output
either way."""

from __future__ import annotations

import os
import pty
import re
import select
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.council_file import load_council
from scheduler.formats import render
from scheduler.planning import propose
from scheduler.progress_display import describe
from scheduler.proposal_request import parse_proposal_request
from solver.progress import Progress

from .council_helpers import council, ics
from .refresh_server import Route, calendar_host
from .test_round_request import ROUND, _files, _write

SCHEDULER = str(Path(sys.executable).with_name("scheduler"))
ESCAPE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def run(args: list[str], *, terminal: bool, env: dict[str, str] | None = None
        ) -> tuple[int, bytes, bytes]:
    """Run the command line: standard output piped; standard error piped, or a
    pseudo-terminal of 120 columns. Exit status, standard output, standard error."""
    environment = {**os.environ, "TERM": "xterm", **(env or {})}
    if not terminal:
        done = subprocess.run([SCHEDULER, *args], capture_output=True, env=environment,
                              timeout=300, check=False)
        return done.returncode, done.stdout, done.stderr
    import fcntl
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen([SCHEDULER, *args], stdout=subprocess.PIPE, stderr=slave,
                               env=environment)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    os.close(master)
    assert process.stdout is not None
    out = process.stdout.read()
    process.stdout.close()
    return process.wait(timeout=60), out, seen


def words(terminal_output: bytes) -> str:
    """What a terminal showed, without its control sequences."""
    return ESCAPE.sub(b"", terminal_output).decode("utf-8", errors="replace")


def test_a_proposal_shows_its_stages_on_a_terminal_and_nothing_when_piped(tmp_path) -> None:
    path = council(tmp_path, [
        {"id": "a", "members": [("Rep A", "representative",
                                 ics(("m", "20270111T080000", "20270111T170000")))]},
        {"id": "b", "members": [("Rep B", "representative", ics())]}])
    args = ["propose", str(path), "--from", "2027-01-11", "--to", "2027-02-20", "--meetings",
            "3", "--min-gap", "7d"]
    status, piped_out, piped_err = run(args, terminal=False)
    assert status == 0 and piped_err == b""
    request = parse_proposal_request({"from": "2027-01-11", "to": "2027-02-20", "meetings": 3,
                                      "min_gap_days": 7})
    assert piped_out.decode() == render(propose(load_council(path), request), "table")
    status, out, err = run(args, terminal=True)
    assert status == 0 and out == piped_out
    shown = words(err)
    for stage in ("reading calendars", "stage 1: worst-off party", "stage 2: total", "done"):
        assert stage in shown
    assert "100%" in shown and "gap 0 %" in shown


def test_refresh_shows_the_calendars_as_it_goes_and_prints_the_same_summary(tmp_path) -> None:
    from scheduler.council_file import council_from_mapping
    from scheduler.services import open_services

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    env = {"SCHEDULER_DATABASE_URL": url, "SCHEDULER_FETCH_ALLOW": "127.0.0.1"}
    with calendar_host() as host:
        host.routes["/a.ics"] = Route(etag='"a"')
        services, engine = open_services(url, link_key="tests")
        services.add_council(council_from_mapping({"name": "R", "parties": [{"id": "p", "members": [
            {"name": "A", "role": "representative", "calendar": host.url("/a.ics")}]}]}, None))
        engine.dispose()
        piped = run(["refresh"], terminal=False, env=env)
        shown = run(["refresh", "--all"], terminal=True, env=env)
    assert piped == (0, b"1 calendars refreshed, 0 failed\n", b"")
    assert shown[:2] == (0, b"0 calendars refreshed, 0 failed, 1 unchanged\n")
    assert "refreshing calendars" in words(shown[2]) and "100%" in words(shown[2])


def test_a_round_shows_its_stages_on_a_terminal_and_nothing_when_piped(tmp_path) -> None:
    path = _write(tmp_path, _files(), ROUND.replace("meetings = 5", "meetings = 4"))
    args = ["round", str(path), "--time-limit", "20"]
    status, piped_out, piped_err = run(args, terminal=False)
    assert status == 0 and piped_err == b"" and b"Gemensam plan" in piped_out
    status, out, err = run(args, terminal=True)
    seconds = re.compile(rb"\(\d+,\d s\)")  # the table ends with the time it took
    assert status == 0 and seconds.sub(b"", out) == seconds.sub(b"", piped_out)
    shown = words(err)
    for stage in ("reading calendars", "baselines", "done"):
        assert stage in shown


@pytest.mark.parametrize(("report", "text"), [
    (Progress("stage 1: worst-off party", 0.3, 3.293, 3.2101, 0.02517),
     "best 3.21 · bound 3.293 · gap 2.5 %"),
    (Progress("reading calendars", 0.05), ""),
    (Progress("done", 1.0, 2.0, 2.0, 0.0), "best 2 · bound 2 · gap 0 %"),
])
def test_a_stage_s_figures_in_words(report: Progress, text: str) -> None:
    assert describe(report) == text


def test_the_demo_shows_progress_on_a_terminal_and_writes_the_same_table(tmp_path) -> None:
    status, piped_out, piped_err = run(["demo", str(tmp_path / "piped"), "--year", "2027"],
                                       terminal=False)
    assert status == 0 and piped_err == b"" and piped_out
    status, out, err = run(["demo", str(tmp_path / "shown"), "--year", "2027"], terminal=True)
    assert status == 0 and out == piped_out
    shown = words(err)
    assert "demo: reading calendars" in shown and "demo: stage 1: worst-off party" in shown
