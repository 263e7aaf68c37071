"""A proposal as a terminal table (Swedish dates and numbers), JSON, CSV or iCalendar holds."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence

from calendars.write import OutgoingEvent, write_calendar

from .proposal import CalendarView, PartyView, Proposal
from .wording import calendar_sentence, explain, reason_text, short_date

__all__ = ["csv_text", "render", "signed", "spreadsheet_safe", "swedish_date"]

_DAYS = ("mån", "tis", "ons", "tors", "fre", "lör", "sön")
_MARK = {"representative": "ledamot", "substitute": "ersättare", "uncovered": "EJ TÄCKT"}
_STATUS = {"free": "ledig", "tentative": "preliminär", "busy": "upptagen", "oof": "borta",
           "unknown": "okänd"}
_ROLE = {"representative": "ledamot", "substitute": "ersättare"}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a formula


def swedish_date(moment: dt.date) -> str:
    """``ons 10 feb 2027`` for a date or datetime."""
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    return f"{_DAYS[day.weekday()]} {short_date(day, 'sv')}"


def _decimal(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals and a decimal comma."""
    return f"{value:.{digits}f}".replace(".", ",")


def signed(value: float) -> str:
    """A change with its sign and a decimal comma: two decimals, or as many more as it takes
    to show that it is not zero (``−0,003``); ``±0`` only for exactly 0."""
    if value == 0:
        return "±0"
    digits = 2
    while round(abs(value), digits) == 0:
        digits += 1
    return ("+" if value > 0 else "−") + _decimal(abs(value), digits)


def _why(party: PartyView) -> str:
    """Why the representative, or everyone, cannot come: in Swedish, by role."""
    if not party.reasons:
        return ""
    return " – " + ", ".join(reason_text(r.as_json(), "sv", named=False) for r in party.reasons)


def _table(proposal: Proposal) -> str:
    lines = [proposal.council, ""]
    if proposal.status == "infeasible":
        lines.append("Inga möten kan föreslås: "
                     + explain(proposal.reason_key, proposal.reason_values, proposal.reason))
        return "\n".join(lines) + "\n"
    status = "bevisat optimalt" if proposal.status == "optimal" else "bästa funna (tidsgräns)"
    mode = "rättvist (sämst ställda part först)" if proposal.objective == "fair" \
        else "högsta förväntade närvaro"
    lines.append(f"Förslag, {mode}, {status}:")
    for n, meeting in enumerate(proposal.meetings, 1):
        lines.append("")
        lines.append(f"{n}. {swedish_date(meeting.start)} {meeting.start:%H:%M}–{meeting.end:%H:%M}"
                     f"   förväntat {_decimal(meeting.expected_parties, 1)} av {len(meeting.parties)} parter,"
                     f" beslutsför {meeting.quorum_probability:.0%}")
        for party in meeting.parties:
            members = ", ".join(f"{m.name.split()[0]} {_STATUS[m.status]}" for m in party.members)
            lines.append(f"   {party.name:<28} {party.presence:5.0%}  {_MARK[party.covered_by]:<9}"
                         f"  ({members}){_why(party)}")
        for alt in meeting.alternatives[:2]:
            lines.append(f"   alternativ: {swedish_date(alt.start)} {alt.start:%H:%M}"
                         f" (sämsta part {signed(alt.worst_change)}, totalt {signed(alt.total_change)})")
    lines.append("")
    held = ""
    if proposal.worst_optimum is not None and proposal.fairness_tolerance is not None:
        held = (f" (bästa möjliga {_decimal(proposal.worst_optimum, 2)}, tolerans "
                f"{_decimal(proposal.fairness_tolerance, 2)})")
    lines.append(f"Förväntad närvaro totalt {_decimal(proposal.total_expected, 2)} partmöten; "
                 f"sämst ställda part {_decimal(proposal.worst_party_expected, 2)} av "
                 f"{len(proposal.meetings)} möten{held}.")
    if proposal.price_of_fairness is not None:
        gainers = ", ".join(proposal.gainer_names) or "ingen"
        lines.append(f"Rättvisans pris: {_decimal(proposal.price_of_fairness, 2)} partmöten totalt; "
                     f"vinner på det: {gainers}.")
    lines += _calendar_lines(proposal.calendars)
    for warning in proposal.warnings:
        lines.append(f"Varning: {warning}")
    return "\n".join(lines) + "\n"


def _calendar_lines(views: Sequence[CalendarView]) -> list[str]:
    if not views:
        return []
    lines = ["", "Vad kalendrarna visar:"]
    for view in views:
        lines.append(f"   {view.member} ({_ROLE[view.role]}, {view.party_name}): "
                     f"{calendar_sentence(view, 'sv')}")
    return lines


def spreadsheet_safe(value: object) -> object:
    """A text that a spreadsheet would read as a formula, behind a leading ``'`` (OWASP);
    any other value as it is."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def csv_text(rows: Iterable[Mapping[str, object]], columns: Sequence[str]) -> str:
    """CSV with a header of ``columns``: numbers as numbers, text never a formula, a
    missing or None value empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180; quotes a CR or LF
    writer.writerow([spreadsheet_safe(c) for c in columns])
    for row in rows:
        writer.writerow([spreadsheet_safe(row.get(c)) for c in columns])
    return buffer.getvalue()


def _csv(proposal: Proposal) -> str:
    rows = [{"meeting": n, "start": m.start.isoformat(), "end": m.end.isoformat(),
             "expected_parties": round(m.expected_parties, 4),
             "quorum_probability": round(m.quorum_probability, 4),
             "party": p.party, "party_name": p.name, "party_presence": round(p.presence, 4),
             "covered_by": p.covered_by, "why": p.why or "",
             "member": x.name, "role": x.role, "status": x.status,
             "probability": round(x.probability, 4)}
            for n, m in enumerate(proposal.meetings, 1) for p in m.parties for x in p.members]
    return csv_text(rows, ["meeting", "start", "end", "expected_parties", "quorum_probability",
                           "party", "party_name", "party_presence", "covered_by", "why",
                           "member", "role", "status", "probability"])


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
