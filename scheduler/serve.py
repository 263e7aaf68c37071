"""``scheduler serve`` (a production WSGI server) and loading the demo council into it."""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

from .council_file import load_council
from .demo import write_demo
from .services import Services

__all__ = ["load_demo", "serve"]


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


def serve(host: str, port: int, demo_year: int | None, threads: int = 8) -> None:
    """Run the app under waitress until interrupted."""
    import waitress

    from api import create_app

    app = create_app()
    if demo_year is not None:
        council_id, tokens = load_demo(app.extensions["council_services"], demo_year)
        print(f"demo council {council_id} loaded; tokens (shown once):")
        for role, secret in tokens.items():
            print(f"  {role:<9} {secret}")
    server = waitress.create_server(app, host=host, port=port, threads=threads,
                                    ident="council-scheduler")  # bound from here on
    mail = app.extensions["council_services"].mail
    print(f"mail: {mail.redacted()}" if mail is not None
          else "mail is off: set SCHEDULER_SMTP_URL to send it")
    print(f"serving on http://{host}:{port}/ (API documentation at /api/docs)", flush=True)
    sys.stdout.flush()
    server.run()
