"""A real ``scheduler serve`` process on loopback with its own SQLite file, an admin token
from ``scheduler token create``, and real resources made through the API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from .council_helpers import ics

SCHEDULER = str(Path(sys.executable).with_name("scheduler"))

COUNCIL = {
    "name": "Kulturrådet", "timezone": "Europe/Stockholm",
    "bodies": [{"id": "kf", "name": "Nora kommunfullmäktige"}],
    "parties": [
        {"id": "nora", "name": "Nora kommun", "travel": "30m",
         "members": [{"name": "Anna Ek", "role": "representative", "email": "anna@x.example",
                      "bodies": ["kf"]},
                     {"name": "Erik Ek", "role": "substitute"}]},
        {"id": "kumla", "members": [{"name": "Karin Berg", "role": "representative"}]},
    ],
}
OPTIONS = {"from": "2027-01-11", "to": "2027-01-23", "meetings": 2, "min_gap_days": 1,
           "time_limit_s": 5}


@dataclass(frozen=True)
class Seeded:
    """The server's base URL, an admin token and the ids of resources that exist."""

    base: str
    token: str
    council_id: str
    party_id: str
    member_id: str
    substitute_id: str
    proposal_id: str
    meeting_id: str
    feed_secret: str
    page_token: str
    poll_id: str
    job_id: str
    spare_council_id: str
    spare_party_id: str


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(folder: Path) -> Iterator[tuple[str, str]]:
    """``scheduler serve`` on 127.0.0.1 over ``folder/db.sqlite``: yield its base URL and
    an admin token made by ``scheduler token create``; the process ends afterwards."""
    env = {**os.environ, "SCHEDULER_DATABASE_URL": f"sqlite:///{folder / 'db.sqlite'}",
           "SCHEDULER_CACHE_DIR": "off"}
    made = subprocess.run([SCHEDULER, "token", "create", "--role", "admin"], env=env,
                          capture_output=True, text=True, check=True, timeout=60)
    token = made.stdout.strip().splitlines()[-1]
    port = free_port()
    log = (folder / "server.log").open("w")
    process = subprocess.Popen([SCHEDULER, "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{(folder / 'server.log').read_text()}")
            time.sleep(0.1)
        yield base, token
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def seed(base: str, token: str) -> Seeded:
    """A council with parties and members, an uploaded calendar, a proposal and its
    confirmed meetings, and a spare council to remove, made through the API."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        council = client.post("/api/councils", json=COUNCIL).raise_for_status().json()
        party = council["parties"][0]
        member_id, substitute_id = (m["id"] for m in party["members"])
        busy = ics(("m", "20270111T080000", "20270111T170000"))
        client.put(f"/api/members/{member_id}/calendar", content=busy,
                   headers={"Content-Type": "text/calendar"}).raise_for_status()
        proposal = client.post(f"/api/councils/{council['id']}/proposals",
                               json=OPTIONS).raise_for_status().json()
        confirmed = client.post(f"/api/proposals/{proposal['id']}/confirm").raise_for_status().json()
        feed = client.get(f"/api/members/{member_id}/feed").raise_for_status().json()
        page = client.get(f"/api/members/{member_id}/link").raise_for_status().json()
        poll = client.post(f"/api/proposals/{proposal['id']}/poll",
                           json={"deadline": "2027-01-10"}).raise_for_status().json()
        spare = client.post("/api/councils", json=COUNCIL).raise_for_status().json()
        job = client.post(f"/api/councils/{council['id']}/proposals", json=OPTIONS,
                          headers={"Prefer": "respond-async"}).raise_for_status().json()
    return Seeded(base=base, token=token, council_id=council["id"], party_id=party["id"],
                  member_id=member_id, substitute_id=substitute_id, proposal_id=proposal["id"],
                  meeting_id=confirmed["meetings"][0]["id"],
                  feed_secret=feed["url"].rsplit("/", 1)[1].removesuffix(".ics"),
                  page_token=page["url"].rsplit("/", 1)[1], poll_id=poll["id"], job_id=job["id"],
                  spare_council_id=spare["id"], spare_party_id=council["parties"][1]["id"])
