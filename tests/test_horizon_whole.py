"""A calendar's horizon and habits come from the whole stored calendar, never from the
window read for the slots: a calendar that ended long before the period is read from its
owner's habits, and the chair's report reads every member as the proposal did."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from scheduler.services import open_services
from scheduler.services.base import ServiceBase

from .council_helpers import ics
from .fakes import fake_services

ZONE = zoneinfo.ZoneInfo("Europe/Stockholm")
TODAY = dt.datetime(2026, 12, 7, tzinfo=ZONE)  # the calendars are uploaded on this day


@pytest.fixture(params=["fake", "sqlite"])
def services(request, tmp_path, monkeypatch):
    """The services on 7 December 2026, over in-memory storage and over SQLite."""
    monkeypatch.setattr(ServiceBase, "today_start", staticmethod(lambda zone: TODAY))
    if request.param == "fake":
        yield fake_services()
        return
    made, engine = open_services(f"sqlite:///{tmp_path}/x.sqlite", link_key="tests")
    yield made
    engine.dispose()


def weekdays(first: dt.date, last: dt.date, skip: tuple[dt.date, ...] = ()) -> bytes:
    """A calendar busy 08-17 every weekday from ``first`` to ``last`` (one-off events)."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return ics(*[(f"d{day:%Y%m%d}", f"{day:%Y%m%d}T080000", f"{day:%Y%m%d}T170000")
                 for day in days if day.weekday() < 5 and day not in skip]).encode()


def ids(document) -> dict[str, str]:
    return {m["name"]: m["id"] for p in document["parties"] for m in p["members"]}


def test_a_calendar_that_ended_a_half_year_before_the_period_is_read_from_its_habits(services):
    council = services.create_council({
        "name": "Regionrådet", "timezone": "Europe/Stockholm",
        "parties": [{"id": "region", "members": [{"name": "Anna Bergqvist",
                                                  "role": "representative"}]}]})
    # busy every weekday 08-17 for 38 weeks, Monday 8 June 2026 to Friday 26 February 2027
    services.upload_calendar(ids(council)["Anna Bergqvist"],
                             weekdays(dt.date(2026, 6, 8), dt.date(2027, 2, 26)))
    proposal = services.create_proposal(council["id"], {
        "from": "2027-09-06", "to": "2027-09-10", "meetings": 1, "min_gap_days": 1})
    anna = proposal.document["meetings"][0]["parties"][0]["members"][0]
    # MODEL.md by hand: the horizon is Friday 26 February 2027 17:00; its week is cut, so
    # the whole weeks before it are the 37 from 8 June 2026, at most the latest 26: |W| = 26;
    # every weekday 09-17 slot met a busy interval in each of them: c = 26;
    # b = (26 + 2 * 0.3) / (26 + 2) = 0.95; q = 0.05 * 1.0 + 0.95 * 0.05 = 0.0975;
    # p = r * q = 0.95 * 0.0975 = 0.092625
    assert (anna["status"], anna["basis"]) == ("unknown", "pattern")
    assert anna["probability"] == pytest.approx(0.092625, abs=1e-4)
    shown = {c["member"]: c for c in proposal.document["calendars"]}
    assert shown["Anna Bergqvist"]["has_calendar"] is True
    assert shown["Anna Bergqvist"]["horizon"] == "2027-02-26"


def test_the_report_reads_every_member_as_the_proposal_did_a_year_ahead(services):
    council = services.create_council({
        "name": "Kulturrådet", "timezone": "Europe/Stockholm",
        "parties": [
            {"id": "region", "members": [{"name": "Maria Lund", "role": "representative"},
                                         {"name": "Erik Åkesson", "role": "substitute"}]},
            {"id": "lekeberg", "members": [{"name": "Nils Vikström", "role": "representative"}]},
        ]})
    members = ids(council)
    meeting_day = dt.date(2027, 12, 10)  # a Friday a year ahead
    # Maria is away every weekday around the meeting; Erik and Nils are busy every weekday
    # until March 2028 except the meeting day: free that day by their calendars
    services.upload_calendar(members["Maria Lund"],
                             weekdays(dt.date(2027, 6, 1), dt.date(2028, 3, 31)))
    for name in ("Erik Åkesson", "Nils Vikström"):
        services.upload_calendar(members[name], weekdays(
            dt.date(2027, 6, 1), dt.date(2028, 3, 31), skip=(meeting_day,)))
    proposal = services.create_proposal(council["id"], {
        "from": f"{meeting_day}", "to": f"{meeting_day + dt.timedelta(days=1)}",
        "meetings": 1, "min_gap_days": 1})
    services.confirm(proposal.id)
    planned = proposal.document["meetings"][0]
    report = services.conflict_report(council["id"])
    [reported] = [m for m in report["meetings"] if m["state"] == "confirmed"]
    assert dt.datetime.fromisoformat(reported["start"]) == \
        dt.datetime.fromisoformat(planned["start"])
    for mine, theirs in zip(planned["parties"], reported["parties"], strict=True):
        assert theirs["covered_by"] == mine["covered_by"]
        assert [(m["name"], m["status"], m["probability"]) for m in theirs["members"]] == \
            [(m["name"], m["status"], m["probability"]) for m in mine["members"]]
    by_party = {p["party"]: p for p in reported["parties"]}
    assert by_party["region"]["covered_by"] == "substitute"
    assert by_party["lekeberg"]["covered_by"] == "representative"
    assert reported["uncovered"] == []
