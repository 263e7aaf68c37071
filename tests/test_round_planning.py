"""Rounds planned from members' calendars: a hand-derived round where planning alone
makes a known clash and in turn leaves the last council a known loss; a round without
shared people; a `between` that no plan can keep, explained."""

from __future__ import annotations

import datetime as dt

import pytest

from calendars import BusyInterval, BusyStatus
from scheduler.council import Council, Member, Party
from scheduler.proposal_request import parse_proposal_request
from scheduler.round_planning import plan_round
from scheduler.round_request import RoundCouncil, RoundRequest
from scheduler.wording import explain

ZONE = "Europe/Stockholm"
WEEK = [dt.date(2027, 3, 8) + dt.timedelta(days=n) for n in range(5)]  # Monday to Friday


def _day(day: dt.date, status: BusyStatus = BusyStatus.BUSY) -> BusyInterval:
    start = dt.datetime.combine(day, dt.time(), dt.timezone(dt.timedelta(hours=1)))
    return BusyInterval(start, start + dt.timedelta(days=1), status, f"{day}")


def _council(name: str, other: str) -> Council:
    shared = Member("Siv Sund", "representative", email="siv@kumla.example")
    return Council(name, ZONE, (Party("kumla", "Kumla kommun", (shared,)),
                                Party(other, other.title(), (Member(f"{other} rep",
                                                                   "representative"),))))


def _request(meetings: int = 1, latest: str = "12:00") -> object:
    return parse_proposal_request({"from": "2027-03-08", "to": "2027-03-13",
                                   "meetings": meetings, "min_gap_days": 1, "duration": "3h",
                                   "step": "4h", "earliest": "09:00", "latest": latest,
                                   "alternatives": 0, "time_limit_s": 10})


def _round(busy: list[dict], meetings: int = 1, latest: str = "12:00",
           between: str = "1h") -> RoundRequest:
    councils = (RoundCouncil("a", _council("Råd A", "askersund"), _request(meetings, latest)),
                RoundCouncil("b", _council("Råd B", "boxholm"), _request(meetings, latest)))
    return RoundRequest("Test", councils, dt.timedelta(hours=int(between[:-1])), 20.0)


def _sources(busy: list[dict]):  # type: ignore[no-untyped-def]
    return lambda i: (busy[i], {}, {})


def test_a_hand_derived_round_alone_clashes_in_turn_loses_together_neither() -> None:
    # Siv is free all week and sits in both councils. Askersund's member is busy
    # Wednesday to Friday; Boxholm's is tentative on Tuesday and busy Wednesday to Friday.
    # Alone, each council takes Monday (the earliest best day): Siv has two meetings at once.
    # In turn, B sees Monday busy for Siv (q = 0.05) and takes Tuesday, where its member is
    # tentative: its worst-off party falls from 0.95 to 0.95 x 0.5 = 0.475.
    # Together, A takes Tuesday and B Monday: every party 0.95, no clash.
    a = {("kumla", 0): [], ("askersund", 0): [_day(d) for d in WEEK[2:]]}
    b = {("kumla", 0): [], ("boxholm", 0): [_day(WEEK[1], BusyStatus.TENTATIVE)]
         + [_day(d) for d in WEEK[2:]]}
    plan = plan_round(_round([a, b]), sources=_sources([a, b]))
    assert plan.status == "optimal"
    assert [p.name for p in plan.people] == ["Siv Sund"]
    days = [[m.start.date() for m in p.meetings] for p in plan.proposals]
    assert days == [[WEEK[1]], [WEEK[0]]]
    assert plan.joint is not None and plan.alone is not None and plan.in_turn is not None
    assert plan.joint.worst_share == pytest.approx(0.95) and not plan.joint.clashes
    assert plan.joint.total_expected == pytest.approx(3.8)
    assert plan.alone.worst_share == pytest.approx(0.95)
    assert [c["person"] for c in plan.alone.clashes] == ["Siv Sund"]
    assert plan.in_turn.worst_share == pytest.approx(0.475) and not plan.in_turn.clashes
    assert plan.in_turn.per_council[1]["worst_share"] == pytest.approx(0.475)
    assert plan.spared == ["Siv Sund"]
    document = plan.as_json()
    assert document["joint"]["person_clashes"] == 0 and document["alone"]["person_clashes"] == 1
    assert [c["id"] for c in document["councils"]] == ["a", "b"]


def test_a_round_without_shared_people_plans_each_and_says_so() -> None:
    lone = RoundRequest("Test", (
        RoundCouncil("a", Council("A", ZONE, (Party("p", "P", (Member("A1", "representative"),)),)),
                     _request()),
        RoundCouncil("b", Council("B", ZONE, (Party("q", "Q", (Member("B1", "representative"),)),)),
                     _request())), dt.timedelta(hours=1), 10.0)
    plan = plan_round(lone, sources=lambda i: ({("p" if i == 0 else "q", 0): None}, {}, {}))
    assert plan.people == () and "each is planned alone" in plan.as_json()["note"]
    assert [[m.start.date() for m in p.meetings] for p in plan.proposals] == [[WEEK[0]], [WEEK[0]]]


def test_a_between_that_no_plan_can_keep_is_explained_by_councils_and_people() -> None:
    # five meetings each in five days, a morning and an afternoon slot a day: with an hour
    # between them A and B can share every day; with two hours they cannot
    free = [{("kumla", 0): [], ("askersund", 0): []}, {("kumla", 0): [], ("boxholm", 0): []}]
    fits = plan_round(_round(free, meetings=5, latest="16:00", between="1h"),
                      sources=_sources(free))
    assert fits.status == "optimal" and not fits.joint.clashes  # type: ignore[union-attr]
    tight = plan_round(_round(free, meetings=5, latest="16:00", between="2h"),
                       sources=_sources(free))
    assert tight.status == "infeasible"
    said = explain(tight.reason_key, tight.reason_values, tight.reason)
    assert said.startswith("Råd A och Råd B delar Siv Sund")
    assert "120 minuter" in said
