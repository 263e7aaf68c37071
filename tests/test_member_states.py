"""Each member's state in a confirmed meeting, one truth on every surface: the feed, the
member's own page and ``GET /api/my``, and the chair's report say the same, from the same
inputs; and the feed's SEQUENCE rises whenever what a member is shown changes (a
substitute's standby turning into information when the representative's calendar frees
them, and back), so that calendar clients take the change. On the in-memory store,
SQLite and PostgreSQL alike."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest

from scheduler.council import Role
from scheduler.feeds import FeedMeeting, member_feed
from scheduler.member_states import (
    MEMBER_STATES,
    ShownVersion,
    member_state,
    next_version,
    state_news,
)
from scheduler.reports import report_csv
from scheduler.services import Services

from .council_helpers import ics
from .databases import services_over

OPTIONS = {"from": "2027-01-11", "to": "2027-01-16", "meetings": 1, "min_gap_days": 1,
           "time_limit_s": 10}
# busy the whole week the meeting is planned in: whatever its slot, the member is away
AWAY = ics(("resa", "20270110T000000", "20270117T000000")).encode()
# one event a fortnight later: the meeting's slot is free in a calendar that reaches past it
FREE = ics(("annat", "20270201T090000", "20270201T100000")).encode()
WEEK = [{"from": "2027-01-10", "to": "2027-01-17"}]


def _document(parties: list[tuple[str, list[tuple[str, Role]]]]) -> dict[str, Any]:
    return {"name": "Kulturrådet", "timezone": "Europe/Stockholm",
            "venue": "Länsmuseet, Örebro",
            "parties": [{"id": key, "name": f"{key.title()} kommun",
                         "members": [{"name": name, "role": role} for name, role in members]}
                        for key, members in parties]}


NORA = ("nora", [("Anna Ek", "representative"), ("Erik Ek", "substitute")])
KUMLA = ("kumla", [("Karin Berg", "representative"), ("Olof Berg", "substitute"),
                   ("Per Berg", "substitute")])
LEKEBERG = ("lekeberg", [("Lena Lek", "representative"), ("Sven Lek", "substitute")])


class World:
    """A council with one confirmed meeting in the week of 11 January 2027."""

    def __init__(self, services: Services, parties: list[tuple[str, list[tuple[str, Role]]]]):
        self.services = services
        self.council = services.create_council(_document(parties))
        proposal = services.create_proposal(self.council["id"], OPTIONS)
        _made, (self.meeting,) = services.confirm(proposal.id)
        self.ids = {m["name"]: m["id"] for p in self.council["parties"] for m in p["members"]}

    def event(self, name: str) -> tuple[Any, str]:
        """The member's feed event for the meeting, and the feed's version."""
        found = self.services.feed(self.services.feed_secret(self.ids[name]))
        assert found is not None
        (event,) = icalendar.Calendar.from_ical(found[0]).walk("VEVENT")
        return event, found[1]

    def page(self, name: str) -> str:
        return self.services.page_secret(self.ids[name])

    def my_state(self, name: str) -> str:
        (meeting,) = self.services.my_overview(self.page(name))["meetings"]
        return str(meeting["state"])

    def report_states(self) -> dict[str, str]:
        report = self.services.conflict_report(self.council["id"])
        (meeting,) = report["meetings"]
        return {member["id"]: member["state"] for party in meeting["parties"]
                for member in party["members"]}


def feed_state(event: Any) -> str:
    """The state a feed event tells, read from its words and its free or busy time."""
    summary, free = str(event["SUMMARY"]), str(event["TRANSP"]) == "TRANSPARENT"
    found = ("called_in" if summary.startswith("Inkallad:") else
             "standby" if summary.startswith("Beredskap:") else
             "informed" if "(för kännedom: din ledamot väntas komma)" in summary else
             "absent" if "(du har meddelat förhinder)" in summary else
             "expected" if summary == "Kulturrådet" else "?")
    assert free == (found in ("informed", "absent")), (summary, free)
    return found


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    with services_over(request.param, tmp_path) as made:
        yield made


# the rule itself ---------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "given", "state"), [
    ("representative", {}, "expected"),
    ("representative", {"absent": True}, "absent"),
    ("representative", {"absent": True, "cancelled": True}, "cancelled"),
    ("substitute", {}, "informed"),
    ("substitute", {"representative_probability": 0.49}, "standby"),
    ("substitute", {"representative_absent": True}, "standby"),
    ("substitute", {"representative_absent": True, "called_in": True}, "called_in"),
    ("substitute", {"representative_absent": True, "called_in": False}, "informed"),
    ("substitute", {"representative_probability": 0.1, "absent": True}, "absent"),
    ("substitute", {"called_in": True, "absent": True}, "absent"),
])
def test_the_one_rule_gives_each_member_their_state(role: Role, given: dict[str, Any],
                                                    state: str) -> None:
    inputs: dict[str, Any] = {"cancelled": False, "absent": False, "called_in": None,
                              "representative_absent": False, "representative_probability": 0.9}
    assert member_state(role, **{**inputs, **given}) == state
    assert state in MEMBER_STATES


def test_a_sequence_never_falls_never_repeats_with_other_content_and_never_is_below_the_floor(
        ) -> None:
    shown: dict[int, tuple[str, int]] = {}  # SEQUENCE -> the content it was shown with
    stored = None
    for state, floor in [("informed", 0), ("informed", 0), ("standby", 0), ("informed", 0),
                         ("informed", 1), ("informed", 9), ("called_in", 9), ("called_in", 10),
                         ("standby", 3), ("standby", 3)]:
        before = stored
        stored = next_version(stored, state, floor)
        assert stored.sequence >= floor
        assert before is None or stored.sequence >= before.sequence
        assert shown.setdefault(stored.sequence, (state, floor)) == (state, floor)
    assert next_version(None, "expected", 4) == ShownVersion("expected", 4, 4)


@pytest.mark.parametrize(("told", "now", "news"), [
    ("informed", "informed", None),
    ("informed", "standby", "standby"),
    ("standby", "informed", "informed"),
    ("informed", "called_in", "called_in"),
    ("standby", "called_in", "called_in"),
    ("called_in", "informed", "released"),
    ("called_in", "standby", "released"),
    ("called_in", "absent", "absent"),  # their own word, whatever they were
    ("standby", "absent", "absent"),
    ("absent", "informed", "informed"),
    ("absent", "standby", "standby"),
    ("absent", "called_in", "called_in"),
    ("expected", "absent", "absent"),
    ("absent", "expected", "expected"),
    ("expected", "cancelled", None),  # a cancellation has its own mail
])
def test_a_member_is_told_the_net_change_of_their_own_state(told: str, now: str,
                                                            news: str | None) -> None:
    assert state_news(told, now) == news


def _meeting(**given: Any) -> FeedMeeting:
    start = dt.datetime(2027, 1, 11, 8, tzinfo=dt.UTC)
    values: dict[str, Any] = {"representative_probability": 0.9, "representative_absent": False}
    return FeedMeeting("m0", start, start + dt.timedelta(hours=3), "confirmed", 0,
                       dt.datetime(2026, 12, 1, tzinfo=dt.UTC), **{**values, **given})


@pytest.mark.parametrize(("role", "language", "summary"), [
    ("representative", "sv", "Kulturrådet (du har meddelat förhinder)"),
    ("substitute", "sv", "Kulturrådet (du har meddelat förhinder)"),
    ("representative", "en", "Kulturrådet (you sent your apologies)"),
])
def test_a_member_who_said_they_cannot_come_sees_the_meeting_as_free_and_their_own_notice(
        role: Role, language: str, summary: str) -> None:
    from scheduler.council import Member

    meeting = _meeting(absent=True, representative_absent=role == "representative",
                       representative_probability=0.1)
    feed = member_feed(Member("Anna Ek", role), "Kulturrådet", None, [meeting],
                       dt.datetime(2027, 1, 1, tzinfo=dt.UTC), language=language)
    (event,) = icalendar.Calendar.from_ical(feed).walk("VEVENT")
    assert (str(event["SUMMARY"]), str(event["TRANSP"])) == (summary, "TRANSPARENT")


# through the services ----------------------------------------------------------------------
def test_a_substitutes_standby_turns_to_information_and_back_each_time_with_a_higher_sequence(
        services: Services) -> None:
    world = World(services, [NORA])
    services.upload_calendar(world.ids["Anna Ek"], AWAY)
    first, version = world.event("Erik Ek")
    assert feed_state(first) == "standby"
    assert world.event("Erik Ek")[1] == version  # nothing changed: the same version
    services.upload_calendar(world.ids["Anna Ek"], FREE)  # the representative can come
    second, freed = world.event("Erik Ek")
    assert feed_state(second) == "informed" and world.my_state("Erik Ek") == "informed"
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"]) and freed != version
    services.upload_calendar(world.ids["Anna Ek"], AWAY)  # the same calendar as at first
    third, again = world.event("Erik Ek")
    assert feed_state(third) == "standby" and world.my_state("Erik Ek") == "standby"
    assert int(third["SEQUENCE"]) > int(second["SEQUENCE"])
    assert again not in (version, freed)
    # the new SEQUENCE, once stored, is a version of its own; from then on it stays
    settled, settled_version = world.event("Erik Ek")
    assert settled_version not in (version, freed)
    assert settled.to_ical() == third.to_ical()
    assert world.event("Erik Ek")[1] == settled_version
    # the representative's own event did not change: neither did its SEQUENCE
    assert int(world.event("Anna Ek")[0]["SEQUENCE"]) == 0


def test_a_move_raises_the_sequence_past_every_one_shown_before(services: Services) -> None:
    world = World(services, [NORA])
    services.upload_calendar(world.ids["Anna Ek"], AWAY)
    world.event("Erik Ek")
    services.upload_calendar(world.ids["Anna Ek"], FREE)
    world.event("Erik Ek")
    services.upload_calendar(world.ids["Anna Ek"], AWAY)
    shown = int(world.event("Erik Ek")[0]["SEQUENCE"])
    assert shown == 2
    start = world.meeting.start + dt.timedelta(days=28)  # a week after the calendar's end
    services.change_meeting(world.meeting.id, {"start": start.isoformat(),
                                               "end": (start + dt.timedelta(hours=3)).isoformat()})
    moved = world.event("Erik Ek")[0]
    assert int(moved["SEQUENCE"]) > shown
    assert moved.decoded("DTSTART") == start
    services.change_meeting(world.meeting.id, {"status": "cancelled"})
    cancelled = world.event("Erik Ek")[0]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > int(moved["SEQUENCE"])
    assert world.my_state("Erik Ek") == "cancelled" and world.my_state("Anna Ek") == "cancelled"


def test_a_representative_who_answers_absent_is_absent_and_free_and_the_substitute_called_in(
        services: Services) -> None:
    world = World(services, [NORA])
    before = world.event("Anna Ek")[0]
    assert feed_state(before) == "expected" and world.my_state("Anna Ek") == "expected"
    outcome = services.answer_meeting_as(world.page("Anna Ek"), world.meeting.id,
                                         {"answer": "absent"})
    assert (outcome.called_in, outcome.uncovered) == ("Erik Ek", False)
    after = world.event("Anna Ek")[0]
    assert str(after["SUMMARY"]) == "Kulturrådet (du har meddelat förhinder)"
    assert str(after["TRANSP"]) == "TRANSPARENT"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert world.my_state("Anna Ek") == "absent"
    assert feed_state(world.event("Erik Ek")[0]) == "called_in"
    assert world.my_state("Erik Ek") == "called_in"


def test_a_substitute_who_said_they_cannot_come_is_absent_not_on_standby(
        services: Services) -> None:
    world = World(services, [NORA])
    services.upload_calendar(world.ids["Anna Ek"], AWAY)
    standby = world.event("Erik Ek")[0]
    assert feed_state(standby) == "standby"
    services.set_absences_as(world.page("Erik Ek"), WEEK)
    absent = world.event("Erik Ek")[0]
    assert feed_state(absent) == "absent" and world.my_state("Erik Ek") == "absent"
    assert int(absent["SEQUENCE"]) > int(standby["SEQUENCE"])


def test_the_report_the_feed_and_the_members_own_view_agree_on_every_members_state(
        services: Services) -> None:
    world = World(services, [NORA, KUMLA, LEKEBERG])
    services.upload_calendar(world.ids["Anna Ek"], AWAY)  # Erik on standby
    services.answer_meeting_as(world.page("Karin Berg"), world.meeting.id,
                               {"answer": "absent"})  # Olof called in, Per informed
    services.set_absences_as(world.page("Per Berg"), WEEK)  # then Per says he cannot come
    services.upload_calendar(world.ids["Sven Lek"], AWAY)  # no bearing: Lena is expected
    expected = {"Anna Ek": "expected", "Erik Ek": "standby", "Karin Berg": "absent",
                "Olof Berg": "called_in", "Per Berg": "absent", "Lena Lek": "expected",
                "Sven Lek": "informed"}
    reported = world.report_states()
    for name, member_id in world.ids.items():
        assert (feed_state(world.event(name)[0]), world.my_state(name),
                reported[member_id]) == (expected[name],) * 3, name
    rows = {row["party"]: row for row in csv.DictReader(io.StringIO(report_csv(
        services.conflict_report(world.council["id"]))))}
    assert (rows["nora"]["substitute_state"], rows["kumla"]["substitute_state"],
            rows["kumla"]["substitute_2_state"]) == ("standby", "called_in", "absent")


def test_what_is_shown_is_stored_once_when_two_work_it_out_at_once(services: Services) -> None:
    world = World(services, [NORA])
    key = (world.meeting.id, world.ids["Erik Ek"])
    first = ShownVersion("informed", 0, 0)
    with services.uow() as one, services.uow(write=False) as seen:
        assert seen.event_versions.shown([key]) == {}
        assert one.event_versions.record(key, None, first)
        one.commit()
    with services.uow() as two:  # worked out from nothing stored: another came first
        assert not two.event_versions.record(key, None, ShownVersion("standby", 0, 0))
        assert two.event_versions.record(key, first, ShownVersion("standby", 0, 1))
        two.commit()
    with services.uow() as late:  # worked out from what is no longer stored
        assert not late.event_versions.record(key, first, ShownVersion("standby", 0, 1))
        assert services.store_shown(late, [_change(key, first, "called_in")]) == {key: 2}
        late.commit()
    with services.uow(write=False) as reader:
        assert reader.event_versions.shown([key]) == {key: ShownVersion("called_in", 0, 2)}


def _change(key: tuple[str, str], before: ShownVersion, state: str) -> Any:
    from scheduler.services.links import ShownChange

    return ShownChange(key, before, next_version(before, state, before.floor))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_readers_at_once_never_show_one_sequence_with_two_states(kind: str, tmp_path: Path) -> None:
    with services_over(kind, tmp_path) as services:
        world = World(services, [NORA])
        secret = services.feed_secret(world.ids["Erik Ek"])
        seen: list[tuple[int, str]] = []
        failures: list[BaseException] = []

        def read() -> None:
            try:
                found = services.feed(secret)
                assert found is not None
                (event,) = icalendar.Calendar.from_ical(found[0]).walk("VEVENT")
                seen.append((int(event["SEQUENCE"]), feed_state(event)))
            except BaseException as exc:  # reported below
                failures.append(exc)

        for calendar in (AWAY, FREE, AWAY, FREE):
            services.upload_calendar(world.ids["Anna Ek"], calendar)
            services.feed_cache.clear()  # every reader builds the feed
            threads = [threading.Thread(target=read) for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert not failures, failures
        states: dict[int, set[str]] = {}
        for sequence, state in seen:
            states.setdefault(sequence, set()).add(state)
        assert all(len(found) == 1 for found in states.values()), states
        assert len(states) >= 4  # each flip was shown with a SEQUENCE of its own
