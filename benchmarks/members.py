"""Members in the loop on the demo council (SQLite, in-process, mail on into the outbox):
the cost of a member's page, of answers and absences that settle call-ins over the
year's meetings, and what statements add to a proposal."""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Any

from scheduler.mail import MailSettings
from scheduler.serve import load_demo
from scheduler.services import open_services

from .common import median_seconds, report

YEAR = 2027
OPTIONS = {"from": f"{YEAR}-01-01", "to": f"{YEAR + 1}-01-01", "meetings": 4,
           "min_gap_days": 42, "time_limit_s": 30}


def run(repeat: int = 7) -> dict[str, Any]:
    """Measure and return the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        mail = MailSettings("127.0.0.1", 25, sender="kalender@example.org")
        services, engine = open_services(f"sqlite:///{Path(tmp) / 'db.sqlite'}", link_key="bench",
                                         mail=mail, public_url="https://example.org")
        council_id, _tokens = load_demo(services, YEAR)
        without = median_seconds(lambda: services.create_proposal(council_id, OPTIONS),
                                 repeat=repeat)
        proposal = services.create_proposal(council_id, OPTIONS)
        deadline = dt.date.today() + dt.timedelta(days=30)
        poll = services.open_poll(proposal.id, {"deadline": deadline.isoformat()})
        _created, meetings = services.confirm(proposal.id)
        document = services.council_document(council_id)
        members = [m["id"] for p in document["parties"] for m in p["members"]]
        pages = [services.page_secret(m) for m in members]
        answers = {"answers": [{"start": s.isoformat(), "answer": "yes" if n % 2 else "no"}
                               for n, (s, _e) in enumerate(poll.slots)]}
        for page in pages:  # every member answers every date of the poll
            services.answer_poll_as(page, poll.id, answers)
        representative = pages[0]
        away = [{"from": meetings[0].start.date().isoformat(),
                 "to": meetings[0].start.date().isoformat()}]
        toggles = iter(range(10_000))

        def absence() -> None:  # declare, then take back: each settles the year's meetings
            services.set_absences_as(representative, away if next(toggles) % 2 == 0 else [])

        figures: dict[str, Any] = {
            "parties": len(document["parties"]), "members": len(members),
            "meetings": len(meetings), "poll_slots": len(poll.slots),
            "member_page_s": round(median_seconds(
                lambda: services.my_overview(pages[1]), repeat=repeat), 4),
            "poll_answer_s": round(median_seconds(
                lambda: services.answer_poll_as(pages[2], poll.id, answers), repeat=repeat), 4),
            "absence_with_call_in_s": round(median_seconds(absence, repeat=repeat * 2), 4),
            "meeting_answer_s": round(median_seconds(
                lambda: services.answer_meeting_as(pages[3], meetings[-1].id,
                                                   {"answer": "absent"}), repeat=repeat), 4),
            "poll_grid_s": round(median_seconds(
                lambda: services.poll_grid(poll.id), repeat=repeat), 4),
            "propose_without_statements_s": round(without, 3),
            "propose_with_statements_s": round(median_seconds(
                lambda: services.create_proposal(council_id, OPTIONS), repeat=repeat), 3),
        }
        figures["statements_cost_ratio"] = round(
            figures["propose_with_statements_s"] / figures["propose_without_statements_s"], 2)
        with services.reader() as uow:
            figures["outbox"] = uow.outbox.counts()
        engine.dispose()
    return figures


def main() -> None:
    """Run, print and write the figures."""
    report("members", run(repeat=3 if "--quick" in sys.argv else 7))


if __name__ == "__main__":
    main()
