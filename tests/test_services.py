"""The use cases over in-memory storage (fast), and the same cases over SQLite where the
fakes must prove they answer as the database does."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pytest

from scheduler.availability import member_status
from scheduler.errors import Conflict, InputError, NotFound
from scheduler.services import open_services

from .council_helpers import ics
from .fakes import FakeStore, FakeUnitOfWork, fake_services

ZONE = zoneinfo.ZoneInfo("Europe/Stockholm")
COUNCIL = {
    "name": "Kulturrådet", "timezone": "Europe/Stockholm", "venue": "Länsmuseet",
    "parties": [
        {"id": "nora", "name": "Nora kommun", "travel": "30m",
         "members": [{"name": "Anna Ek", "role": "representative", "email": "anna@x.example"},
                     {"name": "Erik Ek", "role": "substitute"}]},
        {"id": "kumla", "members": [{"name": "Karin Berg", "role": "representative"}]},
    ],
}
OTHER = {"name": "Miljörådet", "timezone": "Europe/Stockholm",
         "parties": [{"id": "lekeberg", "members": [{"name": "Lena Lind",
                                                     "role": "representative"}]}]}
OPTIONS = {"from": "2027-01-11", "to": "2027-01-16", "meetings": 1, "min_gap_days": 1}


@pytest.fixture
def fake():
    """The services over in-memory storage."""
    return fake_services()


@pytest.fixture(params=["fake", "sqlite"])
def services(request, tmp_path):
    """The services over in-memory storage, then over an SQLite file: the same use case
    must answer the same on both."""
    if request.param == "fake":
        yield fake_services()
        return
    made, engine = open_services(f"sqlite:///{tmp_path}/x.sqlite", link_key="tests")
    yield made
    engine.dispose()


def members(document) -> dict[str, str]:
    """Member name -> id in a council document."""
    return {m["name"]: m["id"] for p in document["parties"] for m in p["members"]}


def proposed_and_confirmed(services, council_id: str):
    proposal = services.create_proposal(council_id, OPTIONS)
    _created, meetings = services.confirm(proposal.id)
    return proposal, meetings


# councils, parties, members ---------------------------------------------------------------
def test_a_council_made_from_its_document_is_kept_with_an_id_for_every_member(services):
    made = services.create_council(COUNCIL)
    kept = services.council_document(made["id"])
    assert kept["name"] == "Kulturrådet" and kept["venue"] == "Länsmuseet"
    assert [p["id"] for p in kept["parties"]] == ["nora", "kumla"]
    assert kept["parties"][0]["travel_minutes"] == 30
    assert [(m["name"], m["role"]) for m in kept["parties"][0]["members"]] == [
        ("Anna Ek", "representative"), ("Erik Ek", "substitute")]
    assert members(kept) == members(made) and len(set(members(kept).values())) == 3
    assert services.council_names() == [(made["id"], "Kulturrådet")]


def test_a_party_added_brings_its_members_and_removing_it_takes_them_away(services):
    council = services.create_council(COUNCIL)
    grown = services.add_party(council["id"], {
        "id": "askersund", "name": "Askersunds kommun",
        "members": [{"name": "Olof Ås", "role": "representative"}]})
    assert [p["id"] for p in grown["parties"]] == ["nora", "kumla", "askersund"]
    olof = members(grown)["Olof Ås"]
    assert services.council_of("member", olof) == council["id"]
    services.remove_party(council["id"], "askersund")
    assert [p["id"] for p in services.council_document(council["id"])["parties"]] == ["nora",
                                                                                        "kumla"]
    assert services.council_of("member", olof) is None


def test_a_party_whose_id_is_taken_is_refused_naming_the_id_and_nothing_is_added(fake):
    council = fake.create_council(COUNCIL)
    before = fake.council_document(council["id"])
    with pytest.raises(InputError) as refused:
        fake.add_party(council["id"], {"id": "nora", "members": [{"name": "Ny Nilsson",
                                                                  "role": "representative"}]})
    assert refused.value.field == "id"
    assert fake.council_document(council["id"]) == before


def test_a_substitute_added_is_kept_as_a_substitute_of_the_party_and_can_be_removed(fake):
    council = fake.create_council(COUNCIL)
    grown = fake.add_substitute(council["id"], {"party": "kumla", "name": "Kalle Berg",
                                                "email": "kalle@x.example"})
    kumla = grown["parties"][1]["members"]
    assert [(m["name"], m["role"]) for m in kumla] == [("Karin Berg", "representative"),
                                                       ("Kalle Berg", "substitute")]
    fake.remove_member(kumla[1]["id"])
    assert "Kalle Berg" not in members(fake.council_document(council["id"]))


def test_a_substitute_for_a_party_that_does_not_exist_is_not_found(fake):
    council = fake.create_council(COUNCIL)
    with pytest.raises(NotFound):
        fake.add_substitute(council["id"], {"party": "örebro", "name": "Ingen Alls"})


def test_a_member_changed_keeps_the_new_name_email_and_calendar_url(services):
    council = services.create_council(COUNCIL)
    erik = members(council)["Erik Ek"]
    services.change_member(erik, {"name": "Erik Eklund", "email": "erik@x.example",
                                  "calendar": "https://example.invalid/erik.ics"})
    kept = services.council_document(council["id"], urls=True)["parties"][0]["members"][1]
    assert (kept["id"], kept["name"], kept["email"]) == (erik, "Erik Eklund", "erik@x.example")
    assert kept["calendar"]["linked"] is True and kept["calendar"]["url"]


def test_a_council_renamed_keeps_the_new_name_and_venue(fake):
    council = fake.create_council(COUNCIL)
    changed = fake.change_council(council["id"], {"name": "Kultur- och fritidsrådet",
                                                  "venue": None})
    assert (changed["name"], changed["venue"]) == ("Kultur- och fritidsrådet", None)
    assert fake.council_names() == [(council["id"], "Kultur- och fritidsrådet")]


def test_removing_the_last_party_is_refused_naming_the_party_and_keeps_the_council(services):
    council = services.create_council(OTHER)
    before = services.council_document(council["id"])
    with pytest.raises(InputError) as refused:
        services.remove_party(council["id"], "lekeberg")
    assert refused.value.field == "party"
    assert services.council_document(council["id"]) == before


def test_removing_a_representative_is_refused_naming_the_member_and_keeps_them(services):
    council = services.create_council(COUNCIL)
    anna = members(council)["Anna Ek"]
    before = services.council_document(council["id"])
    with pytest.raises(InputError) as refused:
        services.remove_member(anna)
    assert refused.value.field == "member_id"
    assert services.council_document(council["id"]) == before


@pytest.mark.parametrize("change", ["change_council", "change_member"])
def test_an_empty_change_is_refused_naming_the_body(fake, change):
    council = fake.create_council(COUNCIL)
    target = council["id"] if change == "change_council" else members(council)["Anna Ek"]
    before = fake.council_document(council["id"])
    with pytest.raises(InputError) as refused:
        getattr(fake, change)(target, {})
    assert refused.value.field == "body"
    assert fake.council_document(council["id"]) == before


@pytest.mark.parametrize("change", ["change_council", "change_member"])
def test_a_name_set_to_null_is_refused_naming_the_name_and_stores_nothing(services, change):
    council = services.create_council(COUNCIL)
    target = council["id"] if change == "change_council" else members(council)["Anna Ek"]
    before = services.council_document(council["id"])
    with pytest.raises(InputError) as refused:
        getattr(services, change)(target, {"name": None})
    assert refused.value.field == "name"
    assert services.council_document(council["id"]) == before


def test_an_unknown_council_or_member_is_not_found(fake):
    with pytest.raises(NotFound):
        fake.council_document("nosuch")
    with pytest.raises(NotFound):
        fake.change_council("nosuch", {"name": "X"})
    with pytest.raises(NotFound):
        fake.change_member("nosuch", {"name": "X"})
    with pytest.raises(NotFound):
        fake.remove_member("nosuch")


def test_deleting_a_council_takes_its_members_proposals_meetings_and_tokens(services):
    council = services.create_council(COUNCIL)
    other = services.create_council(OTHER)
    proposal, meetings = proposed_and_confirmed(services, council["id"])
    _token, secret = services.create_token("secretary", council["id"])
    _kept, kept_secret = services.create_token("chair", other["id"])
    services.delete_council(council["id"])
    assert [services.council_of(kind, found) for kind, found in [
        ("council", council["id"]), ("member", members(council)["Anna Ek"]),
        ("proposal", proposal.id), ("meeting", meetings[0].id)]] == [None] * 4
    assert services.authenticate(secret) is None
    assert services.authenticate(kept_secret) is not None
    assert services.council_names() == [(other["id"], "Miljörådet")]
    with pytest.raises(NotFound):
        services.delete_council(council["id"])


# calendars ------------------------------------------------------------------------------
def _weekdays_busy_from_this_monday() -> bytes:
    today = dt.datetime.now(ZONE).date()
    monday = today - dt.timedelta(days=today.weekday())
    text = ics(("work", f"{monday:%Y%m%d}T080000", f"{monday:%Y%m%d}T170000"))
    return text.replace("END:VEVENT", "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\r\nEND:VEVENT"
                        ).encode()


def _status(intervals, start: dt.datetime, end: dt.datetime) -> int:
    return int(member_status(intervals, np.array([start.timestamp()]),
                             np.array([end.timestamp()]))[0])


def test_an_uploaded_calendar_is_read_again_from_its_busy_time_for_a_window_beyond_the_stored_one(
        services):
    council = services.create_council(COUNCIL)
    anna = members(council)["Anna Ek"]
    state = services.upload_calendar(anna, _weekdays_busy_from_this_monday())
    assert state.known and state.rereadable and state.intervals > 0
    monday = dt.datetime(2030, 2, 4, 10, tzinfo=ZONE)
    saturday = dt.datetime(2030, 2, 9, 10, tzinfo=ZONE)
    assert state.window is not None and state.window[1] < monday  # outside what was stored
    with services.reader() as uow:
        record = uow.councils.get(council["id"])
        busy, warnings = services.busy_map(uow, record, monday - dt.timedelta(days=1),
                                           saturday + dt.timedelta(days=1))
    assert warnings == []
    assert _status(busy[("nora", 0)], monday, monday + dt.timedelta(hours=1)) == 2  # busy
    assert _status(busy[("nora", 0)], saturday, saturday + dt.timedelta(hours=1)) == 0  # free
    assert busy[("kumla", 0)] is None  # no calendar: unknown


def test_an_uploaded_calendar_answers_inside_its_window_from_the_stored_intervals(fake):
    council = fake.create_council(COUNCIL)
    anna = members(council)["Anna Ek"]
    fake.upload_calendar(anna, _weekdays_busy_from_this_monday())
    today = dt.datetime.now(ZONE).date()
    next_tuesday = dt.datetime.combine(today + dt.timedelta(days=8 - today.weekday()),
                                       dt.time(9), tzinfo=ZONE)
    with fake.reader() as uow:
        busy, _warnings = fake.busy_map(uow, uow.councils.get(council["id"]), next_tuesday,
                                        next_tuesday + dt.timedelta(hours=3))
    assert _status(busy[("nora", 0)], next_tuesday, next_tuesday + dt.timedelta(hours=1)) == 2


def test_a_forgotten_calendar_is_unknown_again(fake):
    council = fake.create_council(COUNCIL)
    anna = members(council)["Anna Ek"]
    fake.upload_calendar(anna, _weekdays_busy_from_this_monday())
    fake.forget_calendar(anna)
    kept = fake.council_document(council["id"])["parties"][0]["members"][0]["calendar"]
    assert (kept["busy_intervals"], kept["fetched_at"]) == (0, None)


def test_a_calendar_that_cannot_be_read_changes_nothing_stored(fake):
    council = fake.create_council(COUNCIL)
    anna = members(council)["Anna Ek"]
    fake.upload_calendar(anna, _weekdays_busy_from_this_monday())
    before = fake.council_document(council["id"])
    with pytest.raises(ValueError):  # CalendarError
        fake.upload_calendar(anna, b"this is not a calendar")
    assert fake.council_document(council["id"]) == before


# proposals and meetings ---------------------------------------------------------------------
def test_confirming_twice_gives_the_same_meetings_once(services):
    council = services.create_council(COUNCIL)
    proposal = services.create_proposal(council["id"], OPTIONS)
    assert proposal.status == "optimal" and len(proposal.document["meetings"]) == 1
    first = services.confirm(proposal.id)
    again = services.confirm(proposal.id)
    assert (first[0], again[0]) == (True, False)
    assert first[1] == again[1] and len(first[1]) == 1
    assert services.meetings(council["id"]) == first[1]
    assert services.proposal(proposal.id).confirmed_at is not None


def test_a_cancelled_meeting_cannot_be_moved(services):
    council = services.create_council(COUNCIL)
    _proposal, (meeting,) = proposed_and_confirmed(services, council["id"])
    cancelled = services.change_meeting(meeting.id, {"status": "cancelled"})
    assert (cancelled.status, cancelled.sequence) == ("cancelled", 1)
    later = meeting.start + dt.timedelta(days=1)
    with pytest.raises(Conflict) as refused:
        services.change_meeting(meeting.id, {"start": later.isoformat(),
                                             "end": (later + dt.timedelta(hours=3)).isoformat()})
    assert refused.value.field == "start"
    assert services.meeting(meeting.id) == cancelled


def test_a_meeting_moved_keeps_its_length_and_raises_its_sequence(fake):
    council = fake.create_council(COUNCIL)
    _proposal, (meeting,) = proposed_and_confirmed(fake, council["id"])
    moved = fake.move_meeting_to(meeting.id, "2027-01-14T13:00")
    assert moved.start == dt.datetime(2027, 1, 14, 13, tzinfo=ZONE)
    assert (moved.end - moved.start, moved.sequence) == (meeting.end - meeting.start, 1)
    with pytest.raises(InputError) as refused:
        fake.move_meeting_to(meeting.id, "next thursday")
    assert refused.value.field == "start"


def test_attendance_for_a_member_of_another_council_is_refused_and_nothing_is_recorded(services):
    council = services.create_council(COUNCIL)
    other = services.create_council(OTHER)
    _proposal, (meeting,) = proposed_and_confirmed(services, council["id"])
    stranger = members(other)["Lena Lind"]
    with pytest.raises(InputError) as refused:
        services.record_attendance(meeting.id, {"member_id": stranger, "state": "absent_notice"})
    assert refused.value.field == "member_id"
    with pytest.raises(InputError):
        services.record_attendance(meeting.id, {"member_id": "nosuch", "state": "present"})
    assert services.council_overview(council["id"])["recorded"] == {}


def test_attendance_recorded_is_kept_per_meeting_and_member(fake):
    council = fake.create_council(COUNCIL)
    _proposal, (meeting,) = proposed_and_confirmed(fake, council["id"])
    anna = members(council)["Anna Ek"]
    fake.record_attendance(meeting.id, {"member_id": anna, "state": "absent_notice"})
    fake.record_attendance(meeting.id, {"member_id": anna, "state": "present"})
    assert fake.council_overview(council["id"])["recorded"] == {(meeting.id, anna): "present"}


def test_an_infeasible_proposal_cannot_be_confirmed(fake):
    council = fake.create_council(COUNCIL)
    with fake.uow() as uow:
        stored = uow.plans.add_proposal(council["id"], OPTIONS,
                                        {"status": "infeasible", "meetings": []})
        uow.commit()
    with pytest.raises(Conflict):
        fake.confirm(stored.id)
    assert fake.meetings(council["id"]) == []


def test_proposals_of_an_unknown_council_are_not_found(fake):
    with pytest.raises(NotFound):
        fake.proposals("nosuch")
    with pytest.raises(NotFound):
        fake.proposal("nosuch")
    with pytest.raises(NotFound):
        fake.confirm("nosuch")


# members' links ---------------------------------------------------------------------------
def test_the_feed_link_is_the_same_until_rotated_and_rotating_ends_the_old_one(services):
    council = services.create_council(COUNCIL)
    anna = members(council)["Anna Ek"]
    first = services.feed_secret(anna)
    assert services.feed_secret(anna) == first
    assert services.feed(first) is not None
    rotated = services.feed_secret(anna, rotate=True)
    assert rotated != first
    assert services.feed(first) is None and services.feed_version(first) is None
    assert services.feed(rotated) is not None
    assert services.feed_secret(anna) == rotated


def test_the_page_link_and_the_feed_link_are_different_secrets_and_neither_opens_the_other(
        services):
    council = services.create_council(COUNCIL)
    anna = members(council)["Anna Ek"]
    page, feed = services.page_secret(anna), services.feed_secret(anna)
    assert page != feed
    assert services.member_page(feed) is None
    assert services.feed(page) is None
    assert services.member_page(page)["member_id"] == anna
    assert services.member_page(page)["feed_secret"] == feed


def test_rotating_the_feed_from_the_page_keeps_the_page_link(fake):
    council = fake.create_council(COUNCIL)
    anna = members(council)["Anna Ek"]
    page, feed = fake.page_secret(anna), fake.feed_secret(anna)
    fresh = fake.rotate_feed_from_page(page)
    assert fresh != feed and fake.feed(feed) is None and fake.feed(fresh) is not None
    assert fake.member_page(page)["feed_secret"] == fresh
    with pytest.raises(NotFound):
        fake.rotate_feed_from_page(feed)


def test_a_link_for_an_unknown_member_is_not_found(fake):
    with pytest.raises(NotFound):
        fake.feed_secret("nosuch")
    with pytest.raises(NotFound):
        fake.page_secret("nosuch")


def test_a_confirmed_meeting_changes_the_feed_and_its_version(fake):
    council = fake.create_council(COUNCIL)
    secret = fake.feed_secret(members(council)["Erik Ek"])
    empty, version = fake.feed(secret)
    assert b"BEGIN:VEVENT" not in empty
    proposed_and_confirmed(fake, council["id"])
    body, changed = fake.feed(secret)
    assert changed != version and body.count(b"BEGIN:VEVENT") == 1
    assert fake.feed_version(secret) == changed


# tokens and sessions --------------------------------------------------------------------
def test_signing_in_starts_a_session_and_signing_out_ends_it(services):
    council = services.create_council(COUNCIL)
    token, secret = services.create_token("secretary", council["id"], "Sara")
    assert services.sign_in("cs_not-a-token") is None
    signed, session = services.sign_in(secret)
    assert signed == token and session != secret
    assert services.session_token(session) == token
    services.sign_out(session)
    assert services.session_token(session) is None
    assert services.authenticate(secret) == token  # the token itself stays


def test_a_revoked_token_signs_in_no_more_and_its_sessions_end(fake):
    council = fake.create_council(COUNCIL)
    token, secret = fake.create_token("chair", council["id"])
    _signed, session = fake.sign_in(secret)
    fake.revoke_token(token.id)
    assert fake.session_token(session) is None
    assert fake.sign_in(secret) is None and fake.authenticate(secret) is None
    with pytest.raises(NotFound):
        fake.revoke_token(token.id)


@pytest.mark.parametrize(("role", "scoped", "field"), [
    ("janitor", True, "role"), ("admin", True, "council"), ("secretary", False, "council")])
def test_a_token_of_an_unknown_role_or_the_wrong_scope_is_refused(fake, role, scoped, field):
    council = fake.create_council(COUNCIL)
    with pytest.raises(InputError) as refused:
        fake.create_token(role, council["id"] if scoped else None)
    assert refused.value.field == field
    assert fake.tokens() == []


def test_council_of_names_the_council_of_every_kind_of_resource(services):
    council = services.create_council(COUNCIL)
    other = services.create_council(OTHER)
    proposal, (meeting,) = proposed_and_confirmed(services, council["id"])
    found = {kind: services.council_of(kind, resource) for kind, resource in [
        ("council", council["id"]), ("member", members(council)["Erik Ek"]),
        ("proposal", proposal.id), ("meeting", meeting.id)]}
    assert found == dict.fromkeys(("council", "member", "proposal", "meeting"), council["id"])
    assert services.council_of("member", members(other)["Lena Lind"]) == other["id"]
    for kind in ("council", "member", "proposal", "meeting"):
        assert services.council_of(kind, "nosuch") is None
    assert services.council_of("member", council["id"]) is None  # ids of one kind only


# the fake unit of work itself -------------------------------------------------------------
def test_the_fake_keeps_nothing_that_a_unit_of_work_did_not_commit():
    store = FakeStore()
    services = fake_services(store)
    council = services.create_council(COUNCIL)
    with pytest.raises(RuntimeError), FakeUnitOfWork(store) as uow:
        uow.tokens.create("chair", council["id"])
        uow.councils.delete(council["id"])
        raise RuntimeError("the use case fails before it commits")
    assert not uow.committed
    assert services.council_of("council", council["id"]) == council["id"]
    assert store.tokens == {}


def test_a_use_case_commits_its_unit_of_work_and_a_reading_one_does_not(fake):
    fake.create_council(COUNCIL)
    assert [(u.write, u.committed) for u in fake.units] == [(True, True)]
    fake.council_names()
    assert [(u.write, u.committed) for u in fake.units][1:] == [(False, False)]
