"""Councils, their parties and members, in the database (inside a unit of work)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa

from ..council import Body, Council, Member, Party, Weights
from ..errors import InputError, NotFound
from ..records import CouncilRecord
from .rows import now
from .tables import api_tokens, bodies, busy_intervals, calendars, councils, members, parties

__all__ = ["CouncilRepository"]


def _member_row(member: Member, member_id: str, party_row: int, position: int) -> dict[str, Any]:
    return {"id": member_id, "party_id": party_row, "name": member.name, "role": member.role,
            "email": member.email, "calendar_url": member.calendar, "invited": member.invited,
            "attended": member.attended, "position": position, "language": member.language,
            "horizon": member.horizon, "bodies": list(member.bodies) or None,
            "person": member.person}


class CouncilRepository:
    """Councils, parties and members over one connection."""

    def __init__(self, db: sa.Connection):
        self.db = db

    def add(self, council: Council) -> CouncilRecord:
        """Store a new council with its parties and members; return their new ids."""
        council_id = secrets.token_hex(6)
        ids: dict[tuple[str, int], str] = {}
        self.db.execute(councils.insert().values(
            id=council_id, name=council.name, timezone=council.timezone, venue=council.venue,
            weights=asdict(council.weights), language=council.language,
            secretary_email=council.secretary_email, answer_days=council.answer_days,
            blackouts=[[a.isoformat(), b.isoformat()] for a, b in council.blackouts],
            created_at=now()))
        for position, body in enumerate(council.bodies):
            self.db.execute(bodies.insert().values(
                council_id=council_id, key=body.id, name=body.name, calendar_url=body.calendar,
                draft=body.draft, position=position))
        for position, party in enumerate(council.parties):
            for index, member_id in self._insert_party(council_id, party, position).items():
                ids[(party.id, index)] = member_id
        return CouncilRecord(council_id, council, ids)

    def _insert_party(self, council_id: str, party: Party, position: int) -> dict[int, str]:
        inserted = self.db.execute(parties.insert().values(
            council_id=council_id, key=party.id, name=party.name, position=position,
            travel_minutes=int(party.travel.total_seconds() // 60))).inserted_primary_key
        assert inserted is not None
        party_row = int(inserted[0])
        ids = {index: secrets.token_hex(8) for index in range(len(party.members))}
        for index, member in enumerate(party.members):
            self.db.execute(members.insert().values(**_member_row(member, ids[index], party_row,
                                                                  index)))
        return ids

    def get(self, council_id: str) -> CouncilRecord:
        """The stored council, or NotFound."""
        row = self.db.execute(sa.select(councils).where(councils.c.id == council_id)).first()
        if row is None:
            raise NotFound(f"no council {council_id!r}")
        party_rows = self.db.execute(sa.select(parties).where(parties.c.council_id == council_id)
                                     .order_by(parties.c.position)).all()
        member_rows = self.db.execute(
            sa.select(members, parties.c.key).join(parties)
            .where(parties.c.council_id == council_id)
            .order_by(parties.c.position, members.c.position)).all()
        by_party: dict[str, list[sa.Row[Any]]] = {}
        for m in member_rows:
            by_party.setdefault(m.key, []).append(m)
        ids: dict[tuple[str, int], str] = {}
        built = []
        for p in party_rows:
            team = by_party.get(p.key, [])
            for index, m in enumerate(team):
                ids[(p.key, index)] = m.id
            built.append(Party(p.key, p.name, tuple(
                Member(m.name, m.role, m.calendar_url, m.email, m.invited, m.attended, m.language,
                       m.horizon, tuple(m.bodies or ()), m.person)
                for m in team), dt.timedelta(minutes=p.travel_minutes)))
        body_rows = self.db.execute(sa.select(bodies).where(bodies.c.council_id == council_id)
                                    .order_by(bodies.c.position)).all()
        blackouts = tuple((dt.date.fromisoformat(a), dt.date.fromisoformat(b))
                          for a, b in row.blackouts)
        council = Council(row.name, row.timezone, tuple(built), Weights(**row.weights), row.venue,
                          blackouts, language=row.language or "sv",
                          secretary_email=row.secretary_email, answer_days=row.answer_days,
                          bodies=tuple(Body(b.key, b.name, b.calendar_url, b.draft)
                                       for b in body_rows))
        return CouncilRecord(row.id, council, ids)

    def ids(self) -> list[str]:
        """Every stored council's id, oldest first."""
        return list(self.db.scalars(sa.select(councils.c.id).order_by(councils.c.created_at)))

    def council_of_member(self, member_id: str) -> str:
        """The id of the council a member belongs to, or NotFound."""
        found = self.db.scalar(sa.select(parties.c.council_id).join(members)
                               .where(members.c.id == member_id))
        if found is None:
            raise NotFound(f"no member {member_id!r}")
        return str(found)

    def member(self, member_id: str) -> tuple[CouncilRecord, str, Member]:
        """The member's council, party id and the member, or NotFound."""
        record = self.get(self.council_of_member(member_id))
        party, index = record.member_key(member_id)
        return record, party, record.council.party(party).members[index]

    def update(self, council_id: str, values: dict[str, object]) -> None:
        """Change a council's name, venue or language."""
        if not self.db.execute(councils.update().where(councils.c.id == council_id)
                               .values(**values)).rowcount:
            raise NotFound(f"no council {council_id!r}")

    def update_member(self, member_id: str, values: dict[str, object]) -> None:
        """Change a member's name, e-mail, calendar URL or language."""
        if not self.db.execute(members.update().where(members.c.id == member_id)
                               .values(**values)).rowcount:
            raise NotFound(f"no member {member_id!r}")

    def add_party(self, council_id: str, party: Party) -> dict[int, str]:
        """Add a party with its members; return member ids by position."""
        if self.db.scalar(sa.select(councils.c.id).where(councils.c.id == council_id)) is None:
            raise NotFound(f"no council {council_id!r}")
        if self.db.scalar(sa.select(parties.c.id).where(parties.c.council_id == council_id)
                          .where(parties.c.key == party.id)) is not None:
            raise InputError(f"party {party.id!r} exists already", field="id")
        position = self._next(sa.select(sa.func.max(parties.c.position))
                              .where(parties.c.council_id == council_id))
        return self._insert_party(council_id, party, position)

    def _next(self, highest: sa.Select[Any]) -> int:
        """One more than the highest position so far (0 for the first)."""
        found = self.db.scalar(highest)
        return 0 if found is None else int(found) + 1

    def _party_row(self, council_id: str, party_key: str) -> int:
        party_id = self.db.scalar(sa.select(parties.c.id).where(parties.c.council_id == council_id)
                                  .where(parties.c.key == party_key))
        if party_id is None:
            raise NotFound(f"no party {party_key!r} in council {council_id!r}")
        return int(party_id)

    def remove_party(self, council_id: str, party_key: str) -> None:
        """Remove a party with its members and their calendars."""
        party_id = self._party_row(council_id, party_key)
        if self.db.scalar(sa.select(sa.func.count()).select_from(parties)
                          .where(parties.c.council_id == council_id)) == 1:
            raise InputError("a council keeps at least one party", field="party")
        team = sa.select(members.c.id).where(members.c.party_id == party_id)
        for table in (busy_intervals, calendars):
            self.db.execute(table.delete().where(table.c.member_id.in_(team)))
        self.db.execute(members.delete().where(members.c.party_id == party_id))
        self.db.execute(parties.delete().where(parties.c.id == party_id))

    def add_substitute(self, council_id: str, party_key: str, member: Member) -> str:
        """Add a substitute to a party; return the new member's id."""
        party_id = self._party_row(council_id, party_key)
        position = self._next(sa.select(sa.func.max(members.c.position))
                              .where(members.c.party_id == party_id))
        member_id = secrets.token_hex(8)
        substitute = Member(member.name, "substitute", member.calendar, member.email,
                            language=member.language)
        self.db.execute(members.insert().values(**_member_row(substitute, member_id, party_id,
                                                              position)))
        return member_id

    def remove_substitute(self, member_id: str) -> None:
        """Remove a substitute with their calendar; a representative cannot be removed."""
        role = self.db.scalar(sa.select(members.c.role).where(members.c.id == member_id))
        if role is None:
            raise NotFound(f"no member {member_id!r}")
        if role == "representative":
            raise InputError("a party's representative cannot be removed; change them instead",
                             field="member_id")
        for table in (busy_intervals, calendars):
            self.db.execute(table.delete().where(table.c.member_id == member_id))
        self.db.execute(members.delete().where(members.c.id == member_id))

    def delete(self, council_id: str) -> None:
        """Remove a council with everything that belongs to it."""
        party_ids = sa.select(parties.c.id).where(parties.c.council_id == council_id)
        member_ids = sa.select(members.c.id).where(members.c.party_id.in_(party_ids))
        for table in (busy_intervals, calendars):
            self.db.execute(table.delete().where(table.c.member_id.in_(member_ids)))
        self.db.execute(members.delete().where(members.c.party_id.in_(party_ids)))
        self.db.execute(parties.delete().where(parties.c.council_id == council_id))
        self.db.execute(bodies.delete().where(bodies.c.council_id == council_id))
        self.db.execute(api_tokens.delete().where(api_tokens.c.council_id == council_id))
        if self.db.execute(councils.delete().where(councils.c.id == council_id)).rowcount == 0:
            raise NotFound(f"no council {council_id!r}")
