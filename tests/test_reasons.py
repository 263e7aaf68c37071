"""A reason names what is true (MODEL.md, coverage: one verdict everywhere): *no calendar*
only for a member without one; a calendar that ends before the meeting as *the calendar
ends DATE*, followed by what the habits say; in the same words on every surface."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from types import SimpleNamespace
from typing import Any

import pytest

from calendars import BusyInterval, BusyStatus
from scheduler.council import Council, Member, Party, PlanningRequest
from scheduler.formats import render
from scheduler.planning import propose
from scheduler.proposal import MemberView, Reason, explain
from scheduler.reports import ReportMeeting, conflict_report
from scheduler.services.base import ServiceBase
from scheduler.wording import reasons_text

from .council_helpers import ics
from .fakes import fake_services
from .test_formats import page_text

ZONE = zoneinfo.ZoneInfo("Europe/Stockholm")
TODAY = dt.datetime(2026, 12, 7, tzinfo=ZONE)
ANNA = ("ledamot Anna Bergqvist: kalendern slutar 26 feb 2027; vanorna tyder på att hen är "
        "upptagen (9\u00a0% sannolikhet att komma)")
ANNA_EN = "calendar ends 26 Feb 2027; habits suggest busy (9% likely to come)"
ON_PAGE = ANNA.replace("\u00a0", " ")  # page_text reads every space as one


def weekdays(first: dt.date, last: dt.date, start: int = 8, end: int = 17
             ) -> list[BusyInterval]:
    """Busy ``start``-``end`` every weekday from ``first`` to ``last`` (one-off events)."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return [BusyInterval(dt.datetime.combine(day, dt.time(start), tzinfo=ZONE),
                         dt.datetime.combine(day, dt.time(end), tzinfo=ZONE),
                         BusyStatus.BUSY, "x")
            for day in days if day.weekday() < 5]


def as_ics(intervals: list[BusyInterval]) -> bytes:
    return ics(*[(f"d{i.start:%Y%m%d}", f"{i.start:%Y%m%dT%H%M%S}", f"{i.end:%Y%m%dT%H%M%S}")
                 for i in intervals]).encode()


# the member: busy every weekday 08-17 for 38 weeks, 8 June 2026 to 26 February 2027
ENDED = weekdays(dt.date(2026, 6, 8), dt.date(2027, 2, 26))
SEPTEMBER = PlanningRequest(dt.date(2027, 9, 6), dt.date(2027, 9, 10), 1, min_gap_days=1)
UNRELIABLE = {"invited": 40, "attended": 0}  # r = 19/60: not even a free day makes them likely


@pytest.fixture
def services(monkeypatch):
    """The services on 7 December 2026, over in-memory storage."""
    monkeypatch.setattr(ServiceBase, "today_start", staticmethod(lambda zone: TODAY))
    return fake_services()


def ids(document: dict[str, Any]) -> dict[str, str]:
    return {m["name"]: m["id"] for p in document["parties"] for m in p["members"]}


def test_a_calendar_that_ended_is_named_with_its_date_and_habits_on_every_surface(services):
    council = services.create_council({
        "name": "Regionrådet", "timezone": "Europe/Stockholm",
        "parties": [{"id": "region", "name": "Region Örebro län", "members": [
            {"name": "Anna Bergqvist", "role": "representative"},
            {"name": "Bo Berg", "role": "substitute"}]}]})
    services.upload_calendar(ids(council)["Anna Bergqvist"], as_ics(ENDED))
    proposal = services.create_proposal(council["id"], {
        "from": "2027-09-06", "to": "2027-09-10", "meetings": 1, "min_gap_days": 1})
    party = proposal.document["meetings"][0]["parties"][0]
    assert party["covered_by"] == "substitute"  # Bo has no calendar: unknown, 0.665
    [reason] = party["reasons"]
    assert reason == {"role": "representative", "name": "Anna Bergqvist",
                      "reason": "calendar_ends", "calendar_ends": "2027-02-26",
                      "habits": "busy", "probability": pytest.approx(0.0926, abs=1e-4)}
    assert party["why"] == f"representative: {ANNA_EN}"
    assert reasons_text(party, "sv") == ANNA
    swedish = page_text("proposal.html", "sv", doc=proposal.document, heatmap=[],
                        proposal=SimpleNamespace(id="x", confirmed_at=None))
    assert ON_PAGE in swedish and "har ingen kalender" not in swedish
    english = page_text("proposal.html", "en", doc=proposal.document, heatmap=[],
                        proposal=SimpleNamespace(id="x", confirmed_at=None))
    assert f"representative Anna Bergqvist: {ANNA_EN}" in english
    assert "no calendar" not in english
    # the chair's report of the confirmed meeting gives the same reason in the same words
    services.confirm(proposal.id)
    report = services.conflict_report(council["id"])
    [reported] = [m for m in report["meetings"] if m["state"] == "confirmed"]
    assert reported["parties"][0]["reasons"] == party["reasons"]
    assert reported["parties"][0]["why"] == party["why"]
    page = page_text("report.html", "sv", report=report, council_id="c", most=1.0,
                     status_words={})
    assert ON_PAGE in page and "har ingen kalender" not in page


def council_of(*members: Member) -> Council:
    return Council("Rådet", "Europe/Stockholm", (Party("p", "Partiet", members),))


def proposed_party(members: tuple[Member, ...], busy: dict[tuple[str, int], Any]):
    proposal = propose(council_of(*members), SEPTEMBER, busy=busy)
    return proposal, proposal.meetings[0].parties[0]


def test_the_terminal_table_and_the_csv_say_the_calendar_ends():
    proposal, party = proposed_party((Member("Anna Bergqvist", "representative"),),
                                     {("p", 0): ENDED})
    assert [r.reason for r in party.reasons] == ["calendar_ends", "no_substitute"]
    table = render(proposal, "table")
    assert ("– ledamot: kalendern slutar 26 feb 2027; vanorna tyder på att hen är upptagen "
            "(9\u00a0% sannolikhet att komma), ingen ersättare") in table
    assert "har ingen kalender" not in table
    [row] = csv.DictReader(io.StringIO(render(proposal, "csv")))
    assert row["why"] == f"representative: {ANNA_EN}, no substitute"


def test_a_member_without_a_calendar_still_has_none():
    proposal, party = proposed_party((Member("Anna Ek", "representative", **UNRELIABLE),),
                                     {("p", 0): None})
    [member] = party.members
    assert (member.status, member.basis, member.calendar_ends) == ("unknown", "none", None)
    [reason, _none] = party.reasons
    assert reason.as_json() == {"role": "representative", "name": "Anna Ek", "reason": "unknown"}
    assert party.why == "representative has no calendar, no substitute"
    assert reasons_text(proposal.as_json()["meetings"][0]["parties"][0], "sv") == \
        "ledamot Anna Ek har ingen kalender, ingen ersättare"
    assert "– ledamot har ingen kalender, ingen ersättare" in render(proposal, "table")


def test_a_calendar_that_ends_with_too_little_history_says_so():
    short = weekdays(dt.date(2027, 2, 15), dt.date(2027, 2, 26))  # two weeks
    proposal, party = proposed_party((Member("Anna Ek", "representative", **UNRELIABLE),),
                                     {("p", 0): short})
    [member] = party.members
    assert (member.status, member.basis, member.calendar_ends) == \
        ("unknown", "none", dt.date(2027, 2, 26))
    doc = proposal.as_json()["meetings"][0]["parties"][0]
    assert doc["reasons"][0]["habits"] == "too_little_history"
    assert reasons_text(doc, "sv") == ("ledamot Anna Ek: kalendern slutar 26 feb 2027; för lite "
                                       "historik för att säga något om vanorna, ingen ersättare")
    assert doc["why"] == ("representative: calendar ends 26 Feb 2027; too little history to "
                          "say anything about habits, no substitute")
    assert "har ingen kalender" not in render(proposal, "table")


def test_habits_that_say_free_of_an_unreliable_member_are_not_called_busy():
    evenings = weekdays(dt.date(2026, 6, 8), dt.date(2027, 2, 26), 18, 19)
    proposal, _party = proposed_party((Member("Anna Ek", "representative", **UNRELIABLE),),
                                     {("p", 0): evenings})
    doc = proposal.as_json()["meetings"][0]["parties"][0]
    assert doc["reasons"][0]["habits"] == "free" and doc["reasons"][0]["probability"] < 0.5
    said = reasons_text(doc, "sv")
    assert said.startswith("ledamot Anna Ek: kalendern slutar 26 feb 2027; vanorna tyder på "
                           "att hen kan komma, men det är osäkert (")
    assert "upptagen" not in said


def test_a_declared_horizon_ends_on_its_own_day():
    member = Member("Anna Ek", "representative", horizon=dt.date(2027, 2, 26), **UNRELIABLE)
    _proposal, party = proposed_party((member,), {("p", 0): ENDED})
    assert party.members[0].calendar_ends == dt.date(2027, 2, 26)


def test_the_report_gives_the_reason_of_a_calendar_that_ended():
    party = Party("p", "Partiet", (Member("Anna Bergqvist", "representative"),))
    start = dt.datetime(2027, 9, 7, 9, tzinfo=ZONE)
    report = conflict_report(Council("Rådet", "Europe/Stockholm", (party,)),
                             [ReportMeeting("m", start, start + dt.timedelta(hours=3),
                                            "confirmed")],
                             {("p", 0): ENDED}, TODAY)
    entry = report["meetings"][0]["parties"][0]
    assert entry["reasons"][0]["calendar_ends"] == "2027-02-26"
    assert reasons_text(entry, "sv").startswith(ANNA)


@pytest.mark.parametrize(("habits", "probability", "sv", "en"), [
    ("busy", 0.0926, "vanorna tyder på att hen är upptagen (9\u00a0% sannolikhet att komma)",
     "habits suggest busy (9% likely to come)"),
    ("free", 0.8, "vanorna tyder på att hen kan komma (80\u00a0% sannolikhet att komma)",
     "habits suggest free (80% likely to come)"),
    ("free", 0.28, "vanorna tyder på att hen kan komma, men det är osäkert (28\u00a0% sannolikhet att komma)",
     "habits suggest free but unreliable (28% likely to come)"),
    ("busy", 0.004, "vanorna tyder på att hen är upptagen (under 1\u00a0% sannolikhet att komma)",
     "habits suggest busy (under 1% likely to come)"),
])
def test_what_the_habits_say_in_words(habits, probability, sv, en):
    reason = Reason("substitute", "Bo Berg", "calendar_ends", dt.date(2027, 3, 1), habits,
                    probability)
    party = {"reasons": [reason.as_json()]}
    assert reasons_text(party, "sv") == f"ersättare Bo Berg: kalendern slutar 1 mars 2027; {sv}"
    assert reasons_text(party, "en") == f"substitute Bo Berg: calendar ends 1 Mar 2027; {en}"
    assert reason.words() == f"substitute: calendar ends 1 Mar 2027; {en}"


def test_a_member_read_from_habits_is_explained_by_them_not_by_a_missing_calendar():
    pattern = MemberView("Anna", "representative", "unknown", 0.09, basis="pattern",
                         calendar_ends=dt.date(2027, 2, 26), habit=0.0975)
    none = MemberView("Bo", "substitute", "unknown", 0.2, basis="none")
    found = explain((pattern, none))
    assert [r.reason for r in found.reasons] == ["calendar_ends", "unknown"]
    assert found.reasons[0].habits == "busy"


def test_a_stored_reason_or_why_of_an_older_kind_still_reads():
    old = {"why": "representative has no calendar, substitute busy"}
    assert reasons_text(old, "sv") == "ledamot har ingen kalender, ersättare upptagen"
    assert reasons_text(old, "en") == "representative has no calendar, substitute busy"
    odd = {"reasons": [{"role": "representative", "name": "A", "reason": "something_new"}]}
    assert reasons_text(odd, "sv") == "ledamot A something_new"
    assert reasons_text({}, "sv") == ""


@pytest.mark.parametrize(("language", "said"), [
    ("sv", "ledamot &lt;b&gt;Anna&lt;/b&gt;: kalendern slutar 26 feb 2027; vanorna tyder på att "
           "hen är upptagen (9\u00a0% sannolikhet att komma)"),
    ("en", "representative &lt;b&gt;Anna&lt;/b&gt;: calendar ends 26 Feb 2027; habits suggest "
           "busy (9% likely to come)")])
def test_the_application_renders_the_reason_in_the_readers_language(tmp_path, language, said):
    from flask import render_template

    from api import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", "TESTING": True,
                      "SECRET_KEY": "tests"})
    proposal, _party = proposed_party((Member("<b>Anna</b>", "representative"),),
                                      {("p", 0): ENDED})
    with app.test_request_context(headers={"Accept-Language": language}):
        page = render_template("proposal.html", doc=proposal.as_json(), heatmap=[],
                               proposal=SimpleNamespace(id="x", confirmed_at=None),
                               token=SimpleNamespace(role="chair"))
    assert said in page and "<b>Anna</b>" not in page
