"""Members' calendars in the database: busy intervals over a window, the state of the last
reading, and the calendar reduced to busy time so that any later window can be read; how
fetching members' and bodies' calendar URLs went, and the hosts that back off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from calendars import BusyInterval, BusyStatus

from ..errors import NotFound
from ..fetch_state import FetchMark, FetchState, HostState, backoff, short_error
from ..records import CalendarState
from .rows import aware, now
from .tables import bodies, busy_intervals, calendars, fetch_hosts, members

__all__ = ["CalendarRepository"]


class CalendarRepository:
    """Busy intervals and calendar states over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def save(self, member_id: str, content_hash: str, window: tuple[dt.datetime, dt.datetime],
             intervals: Sequence[BusyInterval], sanitised: str | None) -> None:
        """Replace a member's busy intervals and the busy-time calendar they came from
        (holding the member's calendar row, so two saves at once do not mix)."""
        self._require_member(member_id)
        self._hold(member_id)
        self.db.execute(busy_intervals.delete().where(busy_intervals.c.member_id == member_id))
        if intervals:
            self.db.execute(busy_intervals.insert(), [
                {"member_id": member_id, "starts_at": i.start.astimezone(dt.UTC),
                 "ends_at": i.end.astimezone(dt.UTC), "status": i.status.value, "uid": i.uid,
                 "recurring": i.recurring}
                for i in intervals])
        self._upsert(member_id, {"content_hash": content_hash, "window_start": window[0],
                                 "window_end": window[1], "fetched_at": now(), "last_error": None,
                                 "sanitised": sanitised, "source": None, "etag": None,
                                 "last_modified": None})

    def record_error(self, member_id: str, error: str) -> None:
        """Note why a calendar could not be read; what is already stored stays."""
        self._require_member(member_id)
        self._upsert(member_id, {"last_error": error[:2000]})

    def forget(self, member_id: str) -> None:
        """Remove everything stored of a member's calendar."""
        self._require_member(member_id)
        self.db.execute(busy_intervals.delete().where(busy_intervals.c.member_id == member_id))
        self.db.execute(calendars.delete().where(calendars.c.member_id == member_id))

    def busy(self, member_id: str, start: dt.datetime, end: dt.datetime) -> list[BusyInterval]:
        """A member's stored intervals that meet [start, end), by start."""
        query = (sa.select(busy_intervals).where(busy_intervals.c.member_id == member_id)
                 .where(busy_intervals.c.starts_at < end.astimezone(dt.UTC))
                 .where(busy_intervals.c.ends_at >= start.astimezone(dt.UTC))
                 .order_by(busy_intervals.c.starts_at, busy_intervals.c.id))
        return [BusyInterval(aware(r.starts_at), aware(r.ends_at), BusyStatus(r.status), r.uid,
                             bool(r.recurring)) for r in self.db.execute(query)]

    def last_one_off(self, member_id: str) -> BusyInterval | None:
        """The member's stored non-recurring interval that ends last (where the stored
        calendar stops speaking), or None."""
        row = self.db.execute(
            sa.select(busy_intervals).where(busy_intervals.c.member_id == member_id)
            .where(busy_intervals.c.recurring.is_(False))
            .where(busy_intervals.c.ends_at > busy_intervals.c.starts_at)
            .order_by(busy_intervals.c.ends_at.desc(), busy_intervals.c.id).limit(1)).first()
        return None if row is None else BusyInterval(
            aware(row.starts_at), aware(row.ends_at), BusyStatus(row.status), row.uid, False)

    def sanitised(self, member_id: str) -> str | None:
        """The member's calendar reduced to busy time, when it is kept."""
        return self.db.scalar(sa.select(calendars.c.sanitised)
                              .where(calendars.c.member_id == member_id))

    def state(self, member_id: str) -> CalendarState:
        """What is known of a member's calendar."""
        return self.states([member_id])[member_id]

    def states(self, member_ids: Sequence[str]) -> dict[str, CalendarState]:
        """What is known of each member's calendar, in two queries."""
        if not member_ids:
            return {}
        known = set(self.db.scalars(sa.select(members.c.id).where(members.c.id.in_(member_ids))))
        missing = [m for m in member_ids if m not in known]
        if missing:
            raise NotFound(f"no member {missing[0]!r}")
        rows = {r.member_id: r for r in self.db.execute(
            sa.select(calendars.c.member_id, calendars.c.content_hash, calendars.c.fetched_at,
                      calendars.c.last_error, calendars.c.window_start, calendars.c.window_end,
                      calendars.c.sanitised.is_not(None).label("rereadable"),
                      calendars.c.checked_at, calendars.c.failures, calendars.c.failing_since)
            .where(calendars.c.member_id.in_(member_ids)))}
        counts: dict[str, int] = {str(r[0]): int(r[1]) for r in self.db.execute(
            sa.select(busy_intervals.c.member_id, sa.func.count())
            .where(busy_intervals.c.member_id.in_(member_ids))
            .group_by(busy_intervals.c.member_id))}
        found: dict[str, CalendarState] = {}
        for member_id in member_ids:
            row = rows.get(member_id)
            if row is None:
                found[member_id] = CalendarState(member_id, None, None, None, 0)
                continue
            window = ((aware(row.window_start), aware(row.window_end))
                      if row.window_start and row.window_end else None)
            found[member_id] = CalendarState(
                member_id, row.content_hash, _when(row.fetched_at), row.last_error,
                int(counts.get(member_id, 0)), window, bool(row.rereadable),
                _when(row.checked_at), int(row.failures or 0), _when(row.failing_since))
        return found

    # fetching calendar URLs -------------------------------------------------------------
    def fetch_states(self, member_ids: Sequence[str]) -> dict[str, FetchState]:
        """How fetching each member's calendar URL went, for those with anything kept."""
        if not member_ids:
            return {}
        rows = self.db.execute(sa.select(calendars).where(calendars.c.member_id.in_(member_ids)))
        return {str(r.member_id): _fetch_state(r, known=r.content_hash is not None) for r in rows}

    def checked(self, member_id: str, mark: FetchMark) -> None:
        """A member's calendar URL answered (its content is saved, or unchanged)."""
        self._require_member(member_id)
        self._upsert(member_id, _checked(mark))

    def fetch_failed(self, member_id: str, error: str, at: dt.datetime) -> None:
        """A member's calendar URL failed once more (counted in SQL, so failures written
        at once are each counted); what is kept stays."""
        self._require_member(member_id)
        self._upsert(member_id, _failed(calendars, error, at))

    def claim_check(self, key: tuple[str, ...], at: dt.datetime,
                    due_before: dt.datetime) -> bool:
        """Take a calendar URL (``("member", id)`` or ``("plan", council_id, body_id)``)
        to check at ``at``, unless it was checked, or taken by another refresh, since
        ``due_before``: True when this caller has it. Refreshes that overlap so each ask
        a URL once, and count its failure once."""
        due = sa.or_(calendars.c.checked_at.is_(None), calendars.c.checked_at <= due_before)
        if key[0] == "member":
            with self.db.begin_nested() as savepoint:
                try:  # a row to mark; none when the member is gone meanwhile
                    self._insert_new(calendars, {"member_id": key[1]})
                except sa.exc.IntegrityError:
                    savepoint.rollback()
                    return False
            query = calendars.update().where(calendars.c.member_id == key[1]).where(due)
        else:
            query = (bodies.update().where(bodies.c.council_id == key[1])
                     .where(bodies.c.key == key[2])
                     .where(sa.or_(bodies.c.checked_at.is_(None),
                                   bodies.c.checked_at <= due_before)))
        return bool(self.db.execute(query.values(checked_at=at)).rowcount)

    def release_check(self, key: tuple[str, ...], at: dt.datetime,
                      checked_at: dt.datetime | None) -> None:
        """Hand back a URL taken at ``at`` but not asked after all (its host backed off
        meanwhile): when it was checked is as it was."""
        if key[0] == "member":
            query = calendars.update().where(calendars.c.member_id == key[1]).where(
                calendars.c.checked_at == at)
        else:
            query = (bodies.update().where(bodies.c.council_id == key[1])
                     .where(bodies.c.key == key[2]).where(bodies.c.checked_at == at))
        self.db.execute(query.values(checked_at=checked_at))

    def plan_fetch_states(self, council_id: str) -> dict[str, FetchState]:
        """Body id -> how fetching its meeting-plan URL went."""
        rows = self.db.execute(sa.select(bodies).where(bodies.c.council_id == council_id))
        return {str(r.key): _fetch_state(r, known=r.content_hash is not None) for r in rows}

    def plan_checked(self, council_id: str, body_id: str, mark: FetchMark | None) -> None:
        """A body's plan URL answered (its plan is kept, or unchanged); None: the plan
        kept now came from an uploaded file, not from the URL."""
        values: dict[str, object] = _checked(mark) if mark else {
            "source": None, "etag": None, "last_modified": None}
        self._body(council_id, body_id, values)

    def plan_fetch_failed(self, council_id: str, body_id: str, error: str,
                          at: dt.datetime) -> None:
        """A body's plan URL failed once more; the plan kept stays."""
        self._body(council_id, body_id, _failed(bodies, error, at))

    def _body(self, council_id: str, body_id: str, values: dict[str, object]) -> None:
        if not self.db.execute(bodies.update().where(bodies.c.council_id == council_id)
                               .where(bodies.c.key == body_id).values(**values)).rowcount:
            raise NotFound(f"no body {body_id!r} in council {council_id!r}")

    def hosts(self) -> dict[str, HostState]:
        """The hosts that failed last time they were asked, with when to try them again."""
        return {str(r.host): HostState(str(r.host), int(r.failures), aware(r.retry_at),
                                       r.last_error)
                for r in self.db.execute(sa.select(fetch_hosts))}

    def host_failed(self, host: str, error: str, at: dt.datetime) -> HostState:
        """A host failed once more in a refresh that began at ``at``: it waits longer
        (``backoff``) before it is asked again. A failure another refresh counted after
        ``at`` began (the host already waits past ``at``) is not counted twice; the row
        is held while it is read and written, so failures at once are not lost."""
        self._insert_new(fetch_hosts, {"host": host, "failures": 0, "retry_at": at})
        row = self.db.execute(sa.select(fetch_hosts).where(fetch_hosts.c.host == host)
                              .with_for_update()).one()
        if row.failures and aware(row.retry_at) > at:
            return HostState(host, int(row.failures), aware(row.retry_at), row.last_error)
        state = HostState(host, int(row.failures) + 1, at + backoff(int(row.failures) + 1),
                          short_error(error))
        self.db.execute(fetch_hosts.update().where(fetch_hosts.c.host == host).values(
            failures=state.failures, retry_at=state.retry_at, last_error=state.last_error))
        return state

    def host_answered(self, host: str) -> None:
        """A host answered: it no longer backs off."""
        self.db.execute(fetch_hosts.delete().where(fetch_hosts.c.host == host))

    def _require_member(self, member_id: str) -> None:
        if self.db.scalar(sa.select(members.c.id).where(members.c.id == member_id)) is None:
            raise NotFound(f"no member {member_id!r}")

    def _upsert(self, member_id: str, values: dict[str, object]) -> None:
        """Write a member's calendar row, made first when there is none (another writer's
        row made at the same moment is kept and written, never a duplicate key)."""
        self._insert_new(calendars, {"member_id": member_id})
        self.db.execute(calendars.update().where(calendars.c.member_id == member_id)
                        .values(**values))

    def _hold(self, member_id: str) -> None:
        """Hold a member's calendar row (made when there is none) to the transaction's end."""
        self._insert_new(calendars, {"member_id": member_id})
        self.db.execute(sa.select(calendars.c.member_id)
                        .where(calendars.c.member_id == member_id).with_for_update())

    def _insert_new(self, table: sa.Table, values: dict[str, object]) -> None:
        """Insert a row unless its key is taken (then the row there stays as it is)."""
        dialect = self.db.dialect.name
        if dialect == "postgresql":
            self.db.execute(postgresql.insert(table).values(**values).on_conflict_do_nothing())
        elif dialect == "sqlite":
            self.db.execute(sqlite.insert(table).values(**values).on_conflict_do_nothing())
        else:
            with self.db.begin_nested() as savepoint:
                try:
                    self.db.execute(table.insert().values(**values))
                except sa.exc.IntegrityError:
                    savepoint.rollback()


def _when(moment: dt.datetime | None) -> dt.datetime | None:
    return aware(moment) if moment else None


def _fetch_state(row: sa.Row[tuple[object, ...]], *, known: bool) -> FetchState:
    """A row's fetch state; the validators only when content is kept to fall back on."""
    return FetchState(row.source if known else None, row.etag if known else None,
                      row.last_modified if known else None, _when(row.checked_at),
                      int(row.failures or 0), _when(row.failing_since), row.last_error)


def _checked(mark: FetchMark) -> dict[str, object]:
    return {"source": mark.source, "etag": (mark.etag or "")[:300] or None,
            "last_modified": (mark.last_modified or "")[:100] or None, "checked_at": mark.at,
            "failures": 0, "failing_since": None, "last_error": None}


def _failed(table: sa.Table, error: str, at: dt.datetime) -> dict[str, object]:
    return {"failures": table.c.failures + 1,
            "failing_since": sa.func.coalesce(table.c.failing_since, at),
            "checked_at": at, "last_error": short_error(error)}
