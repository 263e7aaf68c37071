"""Storage against real SQLite and PostgreSQL: councils, busy intervals, tokens, migrations."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from calendars import BusyInterval, BusyStatus
from scheduler.council_file import parse_council
from scheduler.errors import InputError, NotFound
from scheduler.storage.database import current_revision, database_url, head_revision, upgrade

from .conftest import Repositories
from .databases import database

COUNCIL = """
name = "Kulturrådet"
timezone = "Europe/Stockholm"
blackouts = ["2027-07-01:2027-07-31"]

[weights]
unknown = 0.6

[[parties]]
id = "nora"
name = "Nora kommun"
travel = "35m"

[[parties.members]]
name = "Anna Ek"
role = "representative"
email = "anna@nora.example"
invited = 3
attended = 2

[[parties.members]]
name = "Erik Ek"
role = "substitute"

[[parties]]
id = "kumla"
travel = "20m"

[[parties.members]]
name = "Karin Berg"
role = "representative"
calendar = "https://calendar.example.invalid/karin.ics"
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory):
    with database(request.param, tmp_path_factory.mktemp(request.param)) as engine:
        yield Repositories(engine)


def council():
    return parse_council(COUNCIL, base=__import__("pathlib").Path("."))


def test_a_council_round_trips_with_its_parties_members_and_weights(store):
    stored = store.councils.add(council())
    loaded = store.councils.get(stored.id)
    assert loaded.council == council()
    assert loaded.member_ids == stored.member_ids
    assert len(set(stored.member_ids.values())) == 3
    assert stored.id in store.councils.ids()


def test_busy_intervals_are_replaced_atomically_and_read_by_window(store):
    stored = store.councils.add(council())
    member = stored.member_ids[("nora", 0)]
    zone = dt.timezone(dt.timedelta(hours=1))
    first = [BusyInterval(dt.datetime(2027, 1, 11, 9, tzinfo=zone),
                          dt.datetime(2027, 1, 11, 10, tzinfo=zone), BusyStatus.BUSY, "a"),
             BusyInterval(dt.datetime(2027, 2, 1, tzinfo=zone), dt.datetime(2027, 2, 2, tzinfo=zone),
                          BusyStatus.OOF, "b")]
    window = (dt.datetime(2027, 1, 1, tzinfo=dt.UTC), dt.datetime(2028, 1, 1, tzinfo=dt.UTC))
    store.calendars.save(member, "hash-1", window, first, None)
    found = store.calendars.busy(member, *window)
    assert [(i.start, i.end, i.status, i.uid) for i in found] == [
        (i.start, i.end, i.status, i.uid) for i in first]
    january = store.calendars.busy(member, dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
                         dt.datetime(2027, 1, 31, tzinfo=dt.UTC))
    assert [i.uid for i in january] == ["a"]
    store.calendars.save(member, "hash-2", window, first[1:], None)
    assert [i.uid for i in store.calendars.busy(member, *window)] == ["b"]
    state = store.calendars.state(member)
    assert state.content_hash == "hash-2" and state.intervals == 1 and state.last_error is None


def test_a_calendar_error_is_recorded_and_keeps_the_intervals(store):
    stored = store.councils.add(council())
    member = stored.member_ids[("kumla", 0)]
    window = (dt.datetime(2027, 1, 1, tzinfo=dt.UTC), dt.datetime(2028, 1, 1, tzinfo=dt.UTC))
    store.calendars.save(member, "h", window, [BusyInterval(window[0], window[0] + dt.timedelta(hours=1),
                                                        BusyStatus.BUSY, "x")], None)
    store.calendars.record_error(member, "HTTP 404 Not Found")
    state = store.calendars.state(member)
    assert state.last_error == "HTTP 404 Not Found" and state.intervals == 1


def test_unknown_members_and_councils_are_not_found(store):
    with pytest.raises(NotFound):
        store.councils.get("nope")
    with pytest.raises(NotFound):
        store.calendars.state("nope")
    with pytest.raises(NotFound):
        store.calendars.save("nope", "h", (dt.datetime.now(dt.UTC),) * 2, [], None)


def test_deleting_a_council_removes_everything_it_owns(store):
    stored = store.councils.add(council())
    store.tokens.create("secretary", stored.id)
    store.councils.delete(stored.id)
    assert stored.id not in store.councils.ids()
    with pytest.raises(NotFound):
        store.calendars.state(stored.member_ids[("nora", 0)])
    assert all(t.council_id != stored.id for t in store.tokens.all())


def test_tokens_are_random_stored_hashed_scoped_and_revocable(store):
    stored = store.councils.add(council())
    token, secret = store.tokens.create("secretary", stored.id, "kansliet")
    other, other_secret = store.tokens.create("admin")
    assert secret != other_secret and len(secret) >= 43  # 256 bits, URL-safe
    assert store.tokens.authenticate(secret) == token
    assert token.council_id == stored.id and other.council_id is None
    with store.engine.connect() as db:
        stored_values = [str(v) for row in db.execute(sa.text("select * from api_tokens")) for v in row]
    assert secret not in stored_values and other_secret not in stored_values
    store.tokens.revoke(token.id)
    assert store.tokens.authenticate(secret) is None
    assert store.tokens.authenticate(other_secret) == other
    assert store.tokens.authenticate("cs_guess") is None
    with pytest.raises(NotFound):
        store.tokens.revoke(token.id)


@pytest.mark.parametrize(("role", "council_id", "field"), [
    ("boss", None, "role"), ("secretary", None, "council"), ("admin", "x", "council"),
    ("chair", "no-such-council", "council")])
def test_bad_token_requests_name_the_field_and_store_nothing(store, role, council_id, field):
    before = len(store.tokens.all())
    with pytest.raises(InputError) as err:
        store.tokens.create(role, council_id)
    assert err.value.field == field
    assert len(store.tokens.all()) == before


def test_migrations_are_idempotent_and_at_head(store):
    assert upgrade(store.engine) == head_revision() == current_revision(store.engine)


def test_the_default_database_is_an_sqlite_file_in_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert database_url({}) == f"sqlite:///{tmp_path / 'council-scheduler' / 'scheduler.sqlite'}"
    assert database_url({"SCHEDULER_DATABASE_URL": "postgresql+psycopg://x/y"}) == \
        "postgresql+psycopg://x/y"


def test_a_proposal_is_confirmed_once_even_when_confirmed_concurrently(store):
    import threading

    plans = store.plans
    stored = store.councils.add(council())
    proposal = plans.add_proposal(stored.id, {"meetings": 2}, {"status": "optimal"})
    zone = dt.timezone(dt.timedelta(hours=1))
    slots = [(dt.datetime(2027, 2, d, 9, tzinfo=zone), dt.datetime(2027, 2, d, 12, tzinfo=zone))
             for d in (10, 24)]
    outcomes: list[tuple[bool, list[object]]] = []
    threads = [threading.Thread(target=lambda: outcomes.append(plans.confirm(proposal.id, slots)))
               for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won for won, _ in outcomes) == [False] * 5 + [True]
    assert len(plans.meetings(stored.id)) == 2
    assert {m.id for _, ms in outcomes for m in ms} == {m.id for m in plans.meetings(stored.id)}
    assert plans.proposal(proposal.id).confirmed_at is not None


def test_moving_and_cancelling_a_meeting_raises_its_sequence(store):
    plans = store.plans
    stored = store.councils.add(council())
    proposal = plans.add_proposal(stored.id, {}, {"status": "optimal"})
    start = dt.datetime(2027, 3, 3, 9, tzinfo=dt.UTC)
    _, (meeting,) = plans.confirm(proposal.id, [(start, start + dt.timedelta(hours=3))])
    moved = plans.change_meeting(meeting.id, start=start + dt.timedelta(days=1),
                                 end=start + dt.timedelta(days=1, hours=3))
    cancelled = plans.change_meeting(meeting.id, cancel=True)
    assert (moved.sequence, moved.start.day, cancelled.sequence, cancelled.status) == \
        (1, 4, 2, "cancelled")


def test_the_sqlite_database_runs_in_wal_mode_with_foreign_keys(tmp_path):
    from scheduler.storage.database import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.connect() as db:
        assert db.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert db.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_a_unit_of_work_left_without_commit_writes_nothing(store):
    from scheduler.storage.unit_of_work import SqlUnitOfWork

    with SqlUnitOfWork(store.engine) as uow:
        added = uow.councils.add(council())
        assert uow.councils.get(added.id).council.name == "Kulturrådet"  # seen inside
    assert added.id not in store.councils.ids()


def test_a_failing_use_case_rolls_back_what_it_wrote_before_the_failure(store):
    from scheduler.storage.unit_of_work import SqlUnitOfWork

    kept = store.councils.add(council())
    with pytest.raises(InputError), SqlUnitOfWork(store.engine) as uow:
        uow.councils.update(kept.id, {"name": "Ändrat"})
        uow.councils.remove_party(kept.id, "nora")
        uow.councils.remove_party(kept.id, "kumla")  # the last party: refused
        uow.commit()
    assert store.councils.get(kept.id).council.name == "Kulturrådet"
    assert [p.id for p in store.councils.get(kept.id).council.parties] == ["nora", "kumla"]


def test_upgrading_an_older_sqlite_database_keeps_its_members_links_and_intervals(tmp_path):
    from alembic import command

    from scheduler.storage.database import _config, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as db:
        command.upgrade(_config(db), "0003")
    with engine.begin() as db:
        db.exec_driver_sql("insert into councils (id, name, timezone, weights, blackouts, created_at)"
                           " values ('c', 'Råd', 'Europe/Stockholm', '{}', '[]', '2026-01-01')")
        db.exec_driver_sql("insert into parties (id, council_id, key, name, travel_minutes, position)"
                           " values (1, 'c', 'p', 'P', 0, 0)")
        db.exec_driver_sql("insert into members (id, party_id, name, role, invited, attended, position)"
                           " values ('m', 1, 'Anna', 'representative', 0, 0, 0)")
        db.exec_driver_sql("insert into feed_tokens (id, member_id, token_hash, created_at)"
                           " values ('t', 'm', 'h', '2026-01-01')")
        db.exec_driver_sql("insert into busy_intervals (member_id, starts_at, ends_at, status, uid)"
                           " values ('m', '2027-01-01', '2027-01-02', 'busy', 'u')")
    assert upgrade(engine) == head_revision()
    with engine.connect() as db:
        counts = [db.exec_driver_sql(f"select count(*) from {t}").scalar()
                  for t in ("members", "feed_tokens", "busy_intervals")]
        purpose = db.exec_driver_sql("select purpose from feed_tokens").scalar()
    assert counts == [1, 1, 1] and purpose == "feed"
    engine.dispose()
