"""What was told of the cover, and the news waiting for a quiet period, on SQLite and
PostgreSQL: a later change waits afresh, a news is taken once, and the migration starts
from what the mail sent before it told."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command

from scheduler.council_file import parse_council
from scheduler.cover import representative_news, secretary_news
from scheduler.storage.database import _config, upgrade
from scheduler.storage.tables import call_ins, cover_told, member_event_versions, uncovered

from .conftest import Repositories
from .databases import database

COUNCIL = """
name = "Kulturrådet"
timezone = "Europe/Stockholm"

[[parties]]
id = "nora"
name = "Nora kommun"

[[parties.members]]
name = "Anna Ek"
role = "representative"

[[parties.members]]
name = "Erik Ek"
role = "substitute"

[[parties]]
id = "kumla"

[[parties.members]]
name = "Karin Berg"
role = "representative"

[[parties.members]]
name = "Kurt Berg"
role = "substitute"
"""
T0 = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)
QUIET, LONG = dt.timedelta(minutes=2), dt.timedelta(days=1)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    with database(request.param, tmp_path) as made:
        yield made


def _meeting(store: Repositories):
    record = store.councils.add(parse_council(COUNCIL, base=__import__("pathlib").Path(".")))
    proposal = store.plans.add_proposal(record.id, {}, {"status": "optimal"})
    start = dt.datetime(2027, 3, 3, 9, tzinfo=dt.UTC)
    _, (meeting,) = store.plans.confirm(proposal.id, [(start, start + dt.timedelta(hours=3))])
    return record, meeting


def test_a_later_change_waits_afresh_and_a_news_is_taken_once(engine) -> None:
    store = Repositories(engine)
    _record, meeting = _meeting(store)
    later = T0 + dt.timedelta(minutes=1)
    store.call_ins.hold(meeting.id, "member:x", T0, QUIET, LONG)
    store.call_ins.hold(meeting.id, "member:x", later, QUIET, LONG)
    assert store.call_ins.due(T0 + dt.timedelta(minutes=2, seconds=30)) == []
    (news,) = store.call_ins.due(later + dt.timedelta(minutes=2))
    assert (news.about, news.told, news.held) == ("member:x", None, 2)
    assert store.call_ins.due(later + dt.timedelta(minutes=2), [meeting.id]) == [news]
    assert store.call_ins.due(later + dt.timedelta(minutes=2), ["other"]) == []
    # a change that came after it was read makes the read news stale
    store.call_ins.hold(meeting.id, "member:x", later - QUIET, QUIET, LONG)
    assert store.call_ins.take(news, "called") is False
    (fresh,) = store.call_ins.due(later)
    assert store.call_ins.take(fresh, "called") is True
    assert store.call_ins.take(fresh, "called") is False  # once
    assert store.call_ins.due(later + dt.timedelta(days=1)) == []
    store.call_ins.hold(meeting.id, "member:x", later - QUIET, QUIET, LONG)
    assert store.call_ins.due(later)[0].told == "called"


def test_changes_that_never_stop_are_told_no_later_than_the_longest_wait(engine) -> None:
    store = Repositories(engine)
    _record, meeting = _meeting(store)
    longest = dt.timedelta(minutes=15)
    for minute in range(0, 40, 1):  # a change every minute for 40 minutes
        store.call_ins.hold(meeting.id, "member:x", T0 + dt.timedelta(minutes=minute), QUIET,
                            longest)
        if minute < 15:
            assert store.call_ins.due(T0 + dt.timedelta(minutes=minute, seconds=59)) == []
    (news,) = store.call_ins.due(T0 + longest)  # 15 minutes after the first, not 42
    assert store.call_ins.take(news, "called") is True
    # once told, the next change waits its own quiet period and longest wait afresh
    again = T0 + dt.timedelta(minutes=41)
    store.call_ins.hold(meeting.id, "member:x", again, QUIET, longest)
    assert store.call_ins.due(again + QUIET - dt.timedelta(seconds=1)) == []
    assert [n.about for n in store.call_ins.due(again + QUIET)] == ["member:x"]


def test_the_migration_starts_from_what_was_told_before_it(engine) -> None:
    store = Repositories(engine)
    record, meeting = _meeting(store)
    erik, kurt = record.member_ids[("nora", 1)], record.member_ids[("kumla", 1)]
    with engine.begin() as connection:
        command.downgrade(_config(connection), "0011")
    with engine.begin() as db:
        moment = T0
        db.execute(call_ins.insert(), [
            {"meeting_id": meeting.id, "member_id": erik, "active": True, "changes": 1,
             "changed_at": moment},
            {"meeting_id": meeting.id, "member_id": kurt, "active": False, "changes": 2,
             "changed_at": moment}])
        db.execute(uncovered.insert(), [
            {"meeting_id": meeting.id, "party_key": "kumla", "active": True,
             "changed_at": moment}])
    with engine.begin() as connection:
        command.upgrade(_config(connection), "0014")
    with engine.connect() as db:
        rows = {(r.about, r.told, r.due_at) for r in db.execute(sa.select(cover_told))}
    assert rows == {(f"member:{erik}", "called", None), ("party:nora", f"substitute:{erik}", None),
                    ("party:kumla", "uncovered", None)}
    # from 0015 on, what substitutes were told is each member's state last mailed
    # (member_event_versions): their rows here go
    upgrade(engine)
    with engine.connect() as db:
        rows = {(r.about, r.told, r.due_at) for r in db.execute(sa.select(cover_told))}
    assert rows == {("party:nora", f"substitute:{erik}", None), ("party:kumla", "uncovered", None)}


@pytest.mark.parametrize(("told", "now", "said"), [
    (None, "representative", None),
    (None, "substitute:s", "called_in"),
    ("substitute:s", "substitute:s", None),
    ("substitute:s", "substitute:t", "called_in"),
    ("substitute:s", "uncovered", "uncovered"),
    ("substitute:s", "representative", None),  # a release is not the secretary's news
    ("uncovered", "representative", "covered_again"),
    ("uncovered", "substitute:s", "called_in"),
    ("uncovered", "uncovered", None),
])
def test_the_secretary_is_told_the_net_change_of_a_partys_cover(told, now, said) -> None:
    assert secretary_news(told, now) == said


@pytest.mark.parametrize(("told", "now", "said"), [
    (None, "representative", None),
    (None, "substitute:s", "called_in"),
    ("substitute:s", "substitute:s", None),
    ("substitute:s", "substitute:t", "called_in"),
    ("substitute:s", "uncovered", "uncovered"),
    ("substitute:s", "representative", None),  # they come again: their own word
    ("representative", "substitute:s", "called_in"),  # so a later call-in is news again
    ("uncovered", "representative", None),
    ("uncovered", "substitute:s", "called_in"),
    ("uncovered", "uncovered", None),
])
def test_the_representative_is_told_who_covers_for_them_once_it_has_changed(told, now,
                                                                            said) -> None:
    assert representative_news(told, now) == said


def test_the_told_states_start_from_what_members_were_shown_and_a_call_in_not_yet_mailed(
        engine) -> None:
    store = Repositories(engine)
    record, meeting = _meeting(store)
    erik, kurt = record.member_ids[("nora", 1)], record.member_ids[("kumla", 1)]
    anna = record.member_ids[("nora", 0)]
    with engine.begin() as connection:
        command.downgrade(_config(connection), "0014")
    versions = sa.table("member_event_versions", *(sa.column(c) for c in (
        "meeting_id", "member_id", "state", "floor", "sequence", "changed_at")))
    with engine.begin() as db:
        db.execute(versions.insert(), [
            {"meeting_id": meeting.id, "member_id": erik, "state": "called_in", "floor": 1,
             "sequence": 1, "changed_at": T0},
            {"meeting_id": meeting.id, "member_id": kurt, "state": "informed", "floor": 2,
             "sequence": 2, "changed_at": T0},
            {"meeting_id": meeting.id, "member_id": anna, "state": "absent", "floor": 0,
             "sequence": 1, "changed_at": T0}])
        # Erik's call-in waits to be mailed; Kurt was told of his release already
        db.execute(cover_told.insert(), [
            {"meeting_id": meeting.id, "about": f"member:{erik}", "told": None, "due_at": T0,
             "first_held_at": T0, "held": 1},
            {"meeting_id": meeting.id, "about": f"member:{kurt}", "told": "released",
             "due_at": None, "first_held_at": T0, "held": 2}])
    upgrade(engine)
    with engine.connect() as db:
        rows = {r.member_id: (r.told_state, r.told_sequence, r.untold_since is not None)
                for r in db.execute(sa.select(member_event_versions))}
        abouts = {r.about for r in db.execute(sa.select(cover_told))}
    assert rows == {erik: ("informed", 1, True), kurt: ("informed", 2, False),
                    anna: ("absent", 1, False)}
    assert not any(about.startswith("member:") for about in abouts)
    (waiting,) = store.event_versions.untold(T0, T0)
    assert (waiting.member_id, waiting.state, waiting.told_state) == (erik, "called_in", "informed")


def test_a_state_is_untold_from_its_first_change_until_told_or_undone(engine) -> None:
    from scheduler.member_states import ShownVersion

    store = Repositories(engine)
    record, meeting = _meeting(store)
    erik = record.member_ids[("nora", 1)]
    key = (meeting.id, erik)
    informed, standby = ShownVersion("informed", 0, 0), ShownVersion("standby", 0, 1)
    assert store.event_versions.record(key, None, informed, at=T0)  # first shown: told
    assert store.event_versions.untold(T0 + LONG, T0 + LONG) == []
    assert store.event_versions.record(key, informed, standby, at=T0)
    later = T0 + dt.timedelta(minutes=1)
    back = ShownVersion("informed", 0, 2)
    assert store.event_versions.record(key, standby, back, at=later)  # undone: nothing untold
    assert store.event_versions.untold_of([key]) == {}
    again = ShownVersion("standby", 0, 3)
    assert store.event_versions.record(key, back, again, at=later)
    # not before the quiet period after the last change, or the longest wait after the first
    assert store.event_versions.untold(later - dt.timedelta(seconds=1), T0) == []
    (untold,) = store.event_versions.untold(later, T0)
    assert (untold.state, untold.sequence, untold.told_state, untold.told_sequence) == (
        "standby", 3, "informed", 0)
    # told once: a second sender who read the same finds it told
    assert store.event_versions.mark_told(key, "standby", 2, was=("informed", 0)) is False
    assert store.event_versions.mark_told(key, "standby", 3, was=("informed", 0)) is True
    assert store.event_versions.mark_told(key, "standby", 3, was=("informed", 0)) is False
    assert store.event_versions.untold(later + LONG, later + LONG) == []
    # a later change waits from itself: the first untold change of the new round
    third = ShownVersion("informed", 0, 4)
    assert store.event_versions.record(key, again, third, at=later + LONG)
    assert store.event_versions.untold(later + LONG - dt.timedelta(seconds=1), T0) == []
    assert [u.state for u in store.event_versions.untold(later + LONG, T0)] == ["informed"]
