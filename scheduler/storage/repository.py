"""Councils, calendars (as busy intervals) and tokens in the database.

Each method is one transaction: it either completes or changes nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import sqlalchemy as sa

from calendars import BusyInterval, BusyStatus

from ..council import Council, Member, Party, Weights
from ..errors import InputError
from ..tokens import ROLES, Role, Token, new_secret, same_hash, secret_hash
from .tables import api_tokens, busy_intervals, calendars, councils, members, parties

__all__ = ["CalendarState", "NotFound", "Store", "StoredCouncil"]


class NotFound(LookupError):
    """No such council, member or token."""


@dataclass(frozen=True)
class StoredCouncil:
    """A council as stored, with the ids given to it and its members."""

    id: str
    council: Council
    member_ids: dict[tuple[str, int], str]  # (party id, member position) -> member id


@dataclass(frozen=True)
class CalendarState:
    """What is known of a member's calendar."""

    member_id: str
    content_hash: str | None
    fetched_at: dt.datetime | None
    last_error: str | None
    intervals: int


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive UTC times; PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Store:
    """The repository over one engine."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    # councils -----------------------------------------------------------------------
    def add_council(self, council: Council) -> StoredCouncil:
        """Store a new council with its parties and members; return their new ids."""
        council_id = secrets.token_hex(6)
        ids: dict[tuple[str, int], str] = {}
        with self.engine.begin() as db:
            db.execute(councils.insert().values(
                id=council_id, name=council.name, timezone=council.timezone, venue=council.venue,
                weights=asdict(council.weights),
                blackouts=[[a.isoformat(), b.isoformat()] for a, b in council.blackouts],
                created_at=_now()))
            for position, party in enumerate(council.parties):
                party_row = db.execute(parties.insert().values(
                    council_id=council_id, key=party.id, name=party.name, position=position,
                    travel_minutes=int(party.travel.total_seconds() // 60))).inserted_primary_key
                for index, member in enumerate(party.members):
                    member_id = secrets.token_hex(8)
                    ids[(party.id, index)] = member_id
                    db.execute(members.insert().values(
                        id=member_id, party_id=party_row[0], name=member.name, role=member.role,
                        email=member.email, calendar_url=member.calendar, invited=member.invited,
                        attended=member.attended, position=index))
        return StoredCouncil(council_id, council, ids)

    def council(self, council_id: str) -> StoredCouncil:
        """The stored council, or NotFound."""
        with self.engine.connect() as db:
            row = db.execute(sa.select(councils).where(councils.c.id == council_id)).first()
            if row is None:
                raise NotFound(f"no council {council_id!r}")
            party_rows = db.execute(sa.select(parties).where(parties.c.council_id == council_id)
                                    .order_by(parties.c.position)).all()
            member_rows = db.execute(
                sa.select(members, parties.c.key).join(parties)
                .where(parties.c.council_id == council_id)
                .order_by(parties.c.position, members.c.position)).all()
        by_party: dict[str, list[sa.Row[tuple[object, ...]]]] = {}
        for m in member_rows:
            by_party.setdefault(m.key, []).append(m)
        ids = {(m.key, m.position): m.id for m in member_rows}
        built = tuple(
            Party(p.key, p.name, tuple(Member(m.name, m.role, m.calendar_url, m.email, m.invited,
                                              m.attended) for m in by_party.get(p.key, [])),
                  dt.timedelta(minutes=p.travel_minutes))
            for p in party_rows)
        blackouts = tuple((dt.date.fromisoformat(a), dt.date.fromisoformat(b))
                          for a, b in row.blackouts)
        council = Council(row.name, row.timezone, built, Weights(**row.weights), row.venue,
                          blackouts)
        return StoredCouncil(row.id, council, ids)

    def member_council(self, member_id: str) -> str:
        """The id of the council a member belongs to, or NotFound."""
        with self.engine.connect() as db:
            found = db.scalar(sa.select(parties.c.council_id).join(members)
                              .where(members.c.id == member_id))
        if found is None:
            raise NotFound(f"no member {member_id!r}")
        return str(found)

    def member(self, member_id: str) -> tuple[str, Member]:
        """A member's council id and the member, or NotFound."""
        council_id = self.member_council(member_id)
        stored = self.council(council_id)
        for (party, index), found in stored.member_ids.items():
            if found == member_id:
                return council_id, stored.council.party(party).members[index]
        raise NotFound(f"no member {member_id!r}")  # pragma: no cover - rows just read

    def update_council(self, council_id: str, values: dict[str, object]) -> None:
        """Change a council's name, time zone or venue."""
        with self.engine.begin() as db:
            if not db.execute(councils.update().where(councils.c.id == council_id)
                              .values(**values)).rowcount:
                raise NotFound(f"no council {council_id!r}")

    def update_member(self, member_id: str, values: dict[str, object]) -> None:
        """Change a member's name, e-mail or calendar URL."""
        with self.engine.begin() as db:
            if not db.execute(members.update().where(members.c.id == member_id)
                              .values(**values)).rowcount:
                raise NotFound(f"no member {member_id!r}")

    def add_party(self, council_id: str, party: Party) -> dict[int, str]:
        """Add a party with its members; return member ids by position."""
        ids: dict[int, str] = {}
        with self.engine.begin() as db:
            if db.scalar(sa.select(councils.c.id).where(councils.c.id == council_id)) is None:
                raise NotFound(f"no council {council_id!r}")
            if db.scalar(sa.select(parties.c.id).where(parties.c.council_id == council_id)
                         .where(parties.c.key == party.id)) is not None:
                raise InputError(f"party {party.id!r} exists already", field="id")
            position = db.scalar(sa.select(sa.func.coalesce(sa.func.max(parties.c.position), -1))
                                 .where(parties.c.council_id == council_id)) + 1
            party_id = db.execute(parties.insert().values(
                council_id=council_id, key=party.id, name=party.name, position=position,
                travel_minutes=int(party.travel.total_seconds() // 60))).inserted_primary_key[0]
            for index, member in enumerate(party.members):
                ids[index] = secrets.token_hex(8)
                db.execute(members.insert().values(
                    id=ids[index], party_id=party_id, name=member.name, role=member.role,
                    email=member.email, calendar_url=member.calendar, invited=member.invited,
                    attended=member.attended, position=index))
        return ids

    def remove_party(self, council_id: str, party_key: str) -> None:
        """Remove a party with its members and their calendars."""
        with self.engine.begin() as db:
            party_id = db.scalar(sa.select(parties.c.id).where(parties.c.council_id == council_id)
                                 .where(parties.c.key == party_key))
            if party_id is None:
                raise NotFound(f"no party {party_key!r} in council {council_id!r}")
            if db.scalar(sa.select(sa.func.count()).select_from(parties)
                         .where(parties.c.council_id == council_id)) == 1:
                raise InputError("a council keeps at least one party", field="party")
            team = sa.select(members.c.id).where(members.c.party_id == party_id)
            for table in (busy_intervals, calendars):
                db.execute(table.delete().where(table.c.member_id.in_(team)))
            db.execute(members.delete().where(members.c.party_id == party_id))
            db.execute(parties.delete().where(parties.c.id == party_id))

    def add_substitute(self, council_id: str, party_key: str, member: Member) -> str:
        """Add a substitute to a party; return the new member's id."""
        member_id = secrets.token_hex(8)
        with self.engine.begin() as db:
            party_id = db.scalar(sa.select(parties.c.id).where(parties.c.council_id == council_id)
                                 .where(parties.c.key == party_key))
            if party_id is None:
                raise NotFound(f"no party {party_key!r} in council {council_id!r}")
            position = db.scalar(sa.select(sa.func.coalesce(sa.func.max(members.c.position), -1))
                                 .where(members.c.party_id == party_id)) + 1
            db.execute(members.insert().values(
                id=member_id, party_id=party_id, name=member.name, role="substitute",
                email=member.email, calendar_url=member.calendar, invited=0, attended=0,
                position=position))
        return member_id

    def remove_substitute(self, member_id: str) -> None:
        """Remove a substitute with their calendar; a representative cannot be removed."""
        with self.engine.begin() as db:
            role = db.scalar(sa.select(members.c.role).where(members.c.id == member_id))
            if role is None:
                raise NotFound(f"no member {member_id!r}")
            if role == "representative":
                raise InputError("a party's representative cannot be removed; change them instead",
                                 field="member_id")
            for table in (busy_intervals, calendars):
                db.execute(table.delete().where(table.c.member_id == member_id))
            db.execute(members.delete().where(members.c.id == member_id))

    def council_ids(self) -> list[str]:
        """Every stored council's id, oldest first."""
        with self.engine.connect() as db:
            return list(db.scalars(sa.select(councils.c.id).order_by(councils.c.created_at)))

    def delete_council(self, council_id: str) -> None:
        """Remove a council with everything that belongs to it."""
        with self.engine.begin() as db:
            party_ids = sa.select(parties.c.id).where(parties.c.council_id == council_id)
            member_ids = sa.select(members.c.id).where(members.c.party_id.in_(party_ids))
            for table in (busy_intervals, calendars):
                db.execute(table.delete().where(table.c.member_id.in_(member_ids)))
            db.execute(members.delete().where(members.c.party_id.in_(party_ids)))
            db.execute(parties.delete().where(parties.c.council_id == council_id))
            db.execute(api_tokens.delete().where(api_tokens.c.council_id == council_id))
            if db.execute(councils.delete().where(councils.c.id == council_id)).rowcount == 0:
                raise NotFound(f"no council {council_id!r}")

    # calendars ----------------------------------------------------------------------
    def save_busy(self, member_id: str, content_hash: str, window: tuple[dt.datetime, dt.datetime],
                  intervals: Sequence[BusyInterval]) -> None:
        """Replace a member's busy intervals (never the raw calendar) in one transaction."""
        with self.engine.begin() as db:
            self._require_member(db, member_id)
            db.execute(busy_intervals.delete().where(busy_intervals.c.member_id == member_id))
            if intervals:
                db.execute(busy_intervals.insert(), [
                    {"member_id": member_id, "starts_at": i.start.astimezone(dt.UTC),
                     "ends_at": i.end.astimezone(dt.UTC), "status": i.status.value, "uid": i.uid}
                    for i in intervals])
            values = {"content_hash": content_hash, "window_start": window[0],
                      "window_end": window[1], "fetched_at": _now(), "last_error": None}
            self._upsert_calendar(db, member_id, values)

    def record_calendar_error(self, member_id: str, error: str) -> None:
        """Note why a calendar could not be read; the intervals already stored stay."""
        with self.engine.begin() as db:
            self._require_member(db, member_id)
            self._upsert_calendar(db, member_id, {"last_error": error[:2000]})

    def busy(self, member_id: str, start: dt.datetime, end: dt.datetime) -> list[BusyInterval]:
        """A member's stored intervals that meet [start, end), by start."""
        query = (sa.select(busy_intervals).where(busy_intervals.c.member_id == member_id)
                 .where(busy_intervals.c.starts_at < end.astimezone(dt.UTC))
                 .where(busy_intervals.c.ends_at >= start.astimezone(dt.UTC))
                 .order_by(busy_intervals.c.starts_at, busy_intervals.c.id))
        with self.engine.connect() as db:
            return [BusyInterval(_aware(r.starts_at), _aware(r.ends_at), BusyStatus(r.status), r.uid)
                    for r in db.execute(query)]

    def calendar_state(self, member_id: str) -> CalendarState:
        """The content hash, last fetch and last error of a member's calendar."""
        with self.engine.connect() as db:
            self._require_member(db, member_id)
            row = db.execute(sa.select(calendars).where(calendars.c.member_id == member_id)).first()
            count = db.scalar(sa.select(sa.func.count()).select_from(busy_intervals)
                              .where(busy_intervals.c.member_id == member_id)) or 0
        if row is None:
            return CalendarState(member_id, None, None, None, 0)
        fetched = _aware(row.fetched_at) if row.fetched_at else None
        return CalendarState(member_id, row.content_hash, fetched, row.last_error, int(count))

    @staticmethod
    def _require_member(db: sa.Connection, member_id: str) -> None:
        if db.scalar(sa.select(members.c.id).where(members.c.id == member_id)) is None:
            raise NotFound(f"no member {member_id!r}")

    @staticmethod
    def _upsert_calendar(db: sa.Connection, member_id: str, values: dict[str, object]) -> None:
        updated = db.execute(calendars.update().where(calendars.c.member_id == member_id)
                             .values(**values)).rowcount
        if not updated:
            db.execute(calendars.insert().values(member_id=member_id, **values))

    # tokens -------------------------------------------------------------------------
    def create_token(self, role: str, council_id: str | None = None,
                     label: str | None = None) -> tuple[Token, str]:
        """A new token and its secret (shown once; only its hash is stored)."""
        if role not in ROLES:
            raise InputError(f"must be one of {', '.join(ROLES)}", field="role")
        if role == "admin" and council_id is not None:
            raise InputError("an admin token is not scoped to a council", field="council")
        if role != "admin" and council_id is None:
            raise InputError(f"a {role} token needs a council", field="council")
        secret = new_secret()
        token = Token(secrets.token_hex(8), role, council_id, label, _now())  # type: ignore[arg-type]
        with self.engine.begin() as db:
            if council_id is not None and db.scalar(
                    sa.select(councils.c.id).where(councils.c.id == council_id)) is None:
                raise InputError(f"no council {council_id!r}", field="council")
            db.execute(api_tokens.insert().values(
                id=token.id, token_hash=secret_hash(secret), role=role, council_id=council_id,
                label=label, created_at=token.created_at))
        return token, secret

    def authenticate(self, secret: str) -> Token | None:
        """The active token with this secret, or None."""
        wanted = secret_hash(secret)
        with self.engine.connect() as db:
            row = db.execute(sa.select(api_tokens).where(api_tokens.c.token_hash == wanted)).first()
        if row is None or not same_hash(row.token_hash, wanted) or row.revoked_at is not None:
            return None
        return _token(row)

    def token(self, token_id: str) -> Token | None:
        """The active token with this id (a signed-in page re-checks it), or None."""
        with self.engine.connect() as db:
            row = db.execute(sa.select(api_tokens).where(api_tokens.c.id == token_id)).first()
        return None if row is None or row.revoked_at is not None else _token(row)

    def tokens(self) -> list[Token]:
        """Every token, newest first (never their secrets)."""
        with self.engine.connect() as db:
            rows = db.execute(sa.select(api_tokens).order_by(api_tokens.c.created_at.desc())).all()
        return [_token(r) for r in rows]

    def revoke_token(self, token_id: str) -> None:
        """Revoke a token; it authenticates no more."""
        with self.engine.begin() as db:
            done = db.execute(api_tokens.update().where(api_tokens.c.id == token_id)
                              .where(api_tokens.c.revoked_at.is_(None))
                              .values(revoked_at=_now())).rowcount
        if not done:
            raise NotFound(f"no active token {token_id!r}")


def _token(row: sa.Row[tuple[object, ...]]) -> Token:
    role: Role = row.role  # type: ignore[assignment]
    revoked = _aware(row.revoked_at) if row.revoked_at else None  # type: ignore[arg-type]
    return Token(row.id, role, row.council_id, row.label, _aware(row.created_at),  # type: ignore[arg-type]
                 revoked)
