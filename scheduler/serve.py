"""``scheduler serve``: the app under a production WSGI server (waitress in one process,
gunicorn with several), and loading the demo council into it."""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .council_file import load_council
from .demo import write_demo
from .errors import InputError
from .services import Services

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["link_warning", "load_demo", "serve"]

log = logging.getLogger("council_scheduler.serve")


def _loopback(host: str) -> bool:
    """Whether ``host`` (an address or name to listen on) is this machine alone."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def link_warning(host: str, public_url: str | None,
                 trusted_hosts: Sequence[str] | None) -> str | None:
    """What ``serve`` warns at start when it listens beyond loopback with neither a public
    URL nor trusted hosts set (links in mail and pages would then follow the Host header
    of whoever asks); None when there is nothing to warn of."""
    if public_url or trusted_hosts or _loopback(host):
        return None
    return (f"links follow the Host header of each request on {host}: set "
            "SCHEDULER_PUBLIC_URL (or SCHEDULER_TRUSTED_HOSTS) before serving beyond this "
            "machine")


def load_demo(services: Services, year: int) -> tuple[str, dict[str, str]]:
    """Store the demo council with its calendars; return its id and fresh tokens by role."""
    folder = Path(tempfile.mkdtemp(prefix="council-demo-"))
    council = load_council(write_demo(folder, year))
    calendars = {(p.id, i): m.calendar for p in council.parties for i, m in enumerate(p.members)}
    # the calendars are uploaded, not linked: the stored members have none of their own
    unlinked = dataclasses.replace(council, parties=tuple(
        dataclasses.replace(p, members=tuple(dataclasses.replace(m, calendar=None)
                                             for m in p.members)) for p in council.parties),
        bodies=tuple(dataclasses.replace(b, calendar=None) for b in council.bodies))
    document = services.add_council(unlinked)
    for party in document["parties"]:
        for index, member in enumerate(party["members"]):
            path = calendars[(party["id"], index)]
            if path:
                services.upload_calendar(member["id"], Path(path).read_bytes())
    for body in council.bodies:  # the bodies' meeting plans are uploaded too
        if body.calendar:
            services.upload_plan(document["id"], body.id, Path(body.calendar).read_bytes())
    tokens = {role: services.create_token(role, None if role == "admin" else document["id"],
                                          "demo")[1]
              for role in ("admin", "secretary", "chair")}
    return document["id"], tokens


def serve(host: str, port: int, demo_year: int | None, threads: int = 8,
          processes: int = 1) -> None:
    """Run the app until interrupted: under waitress in this process (``processes`` 1), or
    under gunicorn with that many worker processes, each with ``threads`` threads. The app
    (and the demo) is loaded once, before the workers fork."""
    if processes < 1 or threads < 1:
        raise InputError("--processes and --threads must be at least 1")
    if processes > 1 and os.name != "posix":
        raise InputError("--processes above 1 needs a POSIX system (gunicorn); use 1 here")
    from api import create_app
    from api.observability import configure_logging
    from api.openapi import prepare_document

    try:
        configure_logging()
    except ValueError as error:
        raise InputError(str(error)) from None
    app = create_app()
    warning = link_warning(host, app.config.get("PUBLIC_URL"), app.config.get("TRUSTED_HOSTS"))
    if warning:
        log.warning(warning)
    if demo_year is not None:
        council_id, tokens = load_demo(app.extensions["council_services"], demo_year)
        print(f"demo council {council_id} loaded; tokens (shown once):")
        for role, secret in tokens.items():
            print(f"  {role:<9} {secret}")
    prepare_document(app)
    mail = app.extensions["council_services"].mail
    print(f"mail: {mail.redacted()}" if mail is not None
          else "mail is off: set SCHEDULER_SMTP_URL to send it")
    if processes == 1:
        _waitress(app, host, port, threads)
    else:
        from .serve_gunicorn import run_gunicorn

        run_gunicorn(app, host, port, processes=processes, threads=threads,
                     ready=lambda: _serving(host, port, f"gunicorn, {processes} processes "
                                                        f"of {threads} threads"))


def _serving(host: str, port: int, how: str) -> None:
    print(f"serving on http://{host}:{port}/ ({how}; API documentation at /api/docs)", flush=True)
    sys.stdout.flush()


def _waitress(app: Flask, host: str, port: int, threads: int) -> None:
    import waitress

    server: Any = waitress.create_server(app, host=host, port=port, threads=threads,
                                         ident="council-scheduler")  # bound from here on
    _serving(host, port, f"waitress, {threads} threads")
    server.run()
