"""A proposal as a terminal table (Swedish dates), JSON, CSV (pandas) or iCalendar holds."""

from __future__ import annotations

import hashlib
import io
import json

import pandas as pd

from calendars.write import OutgoingEvent, write_calendar

from .proposal import Proposal

__all__ = ["render", "swedish_date"]

_DAYS = ("mån", "tis", "ons", "tors", "fre", "lör", "sön")
_MONTHS = ("jan", "feb", "mars", "april", "maj", "juni", "juli", "aug", "sep", "okt", "nov", "dec")
_MARK = {"representative": "ledamot", "substitute": "ersättare", "uncovered": "EJ TÄCKT"}
_STATUS = {"free": "ledig", "tentative": "preliminär", "busy": "upptagen", "oof": "borta",
           "unknown": "okänd"}
_ROLE = {"representative": "ledamot", "substitute": "ersättare"}


def swedish_date(moment: object) -> str:
    """``ons 10 feb 2027`` for a date or datetime."""
    day = getattr(moment, "date", lambda: moment)()
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _signed(value: float) -> str:
    return f"{round(value, 2) + 0.0:+.2f}"


def _table(proposal: Proposal) -> str:
    lines = [proposal.council, ""]
    if proposal.status == "infeasible":
        lines.append(f"Inga möten kan föreslås: {proposal.reason}")
        return "\n".join(lines) + "\n"
    status = "bevisat optimalt" if proposal.status == "optimal" else "bästa funna (tidsgräns)"
    mode = "rättvist (sämst ställda part först)" if proposal.objective == "fair" \
        else "högsta förväntade närvaro"
    lines.append(f"Förslag, {mode}, {status}:")
    for n, meeting in enumerate(proposal.meetings, 1):
        lines.append("")
        lines.append(f"{n}. {swedish_date(meeting.start)} {meeting.start:%H:%M}–{meeting.end:%H:%M}"
                     f"   förväntat {meeting.expected_parties:.1f} av {len(meeting.parties)} parter,"
                     f" beslutsför {meeting.quorum_probability:.0%}")
        for party in meeting.parties:
            members = ", ".join(f"{m.name.split()[0]} {_STATUS[m.status]}" for m in party.members)
            why = ""
            if party.covered_by == "uncovered":
                why = " – " + ", ".join(f"{_ROLE[m.role]} {_STATUS[m.status]}" for m in party.members)
            lines.append(f"   {party.name:<28} {party.presence:5.0%}  {_MARK[party.covered_by]:<9}"
                         f"  ({members}){why}")
        for alt in meeting.alternatives[:2]:
            lines.append(f"   alternativ: {swedish_date(alt.start)} {alt.start:%H:%M}"
                         f" (sämsta part {_signed(alt.worst_change)}, totalt {_signed(alt.total_change)})")
    lines.append("")
    lines.append(f"Förväntad närvaro totalt {proposal.total_expected:.2f} partmöten; sämst ställda "
                 f"part {proposal.worst_party_expected:.2f} av {len(proposal.meetings)} möten.")
    if proposal.price_of_fairness is not None:
        gainers = ", ".join(proposal.gainers) or "ingen"
        lines.append(f"Rättvisans pris: {proposal.price_of_fairness:.2f} partmöten totalt; "
                     f"vinner på det: {gainers}.")
    for warning in proposal.warnings:
        lines.append(f"Varning: {warning}")
    return "\n".join(lines) + "\n"


def _csv(proposal: Proposal) -> str:
    rows = [{"meeting": n, "start": m.start.isoformat(), "end": m.end.isoformat(),
             "expected_parties": round(m.expected_parties, 4),
             "quorum_probability": round(m.quorum_probability, 4),
             "party": p.party, "party_presence": round(p.presence, 4),
             "covered_by": p.covered_by, "why": p.why or "",
             "member": x.name, "role": x.role, "status": x.status,
             "probability": round(x.probability, 4)}
            for n, m in enumerate(proposal.meetings, 1) for p in m.parties for x in p.members]
    buffer = io.StringIO()
    pd.DataFrame(rows, columns=["meeting", "start", "end", "expected_parties", "quorum_probability",
                                "party", "party_presence", "covered_by", "why", "member", "role",
                                "status", "probability"]).to_csv(buffer, index=False)
    return buffer.getvalue()


def _ics(proposal: Proposal) -> str:
    events = [OutgoingEvent(
        uid=hashlib.sha256(f"{proposal.council}|{m.start.isoformat()}".encode()).hexdigest()[:32]
        + "@council-scheduler", start=m.start, end=m.end,
        summary=f"{proposal.council} (preliminärt)", status="TENTATIVE")
        for m in proposal.meetings]
    return write_calendar(events, name=proposal.council).decode()


def render(proposal: Proposal, form: str) -> str:
    """The proposal in ``table``, ``json``, ``csv`` or ``ics`` form."""
    if form == "json":
        return json.dumps(proposal.as_json(), indent=2, ensure_ascii=False) + "\n"
    if form == "csv":
        return _csv(proposal)
    if form == "ics":
        return _ics(proposal)
    return _table(proposal)
