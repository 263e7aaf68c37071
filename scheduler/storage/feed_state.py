"""A feed link's member and its feed's version in one indexed query: everything a member's
feed is made from, read in a single round trip, so that a feed reader polling every few
minutes costs the database one statement and a revoked link is refused at once."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from .tables import (
    absences,
    attendance,
    bodies,
    calendars,
    call_ins,
    councils,
    feed_tokens,
    meeting_answers,
    meetings,
    member_event_versions,
    members,
    parties,
    poll_answers,
    proposals,
)

__all__ = ["FEED_STATE", "feed_state", "feed_version_of"]

_Select = sa.Select[*tuple[Any, ...]]
_WIDTH = max(len(members.c), len(councils.c), len(parties.c))

_link = (sa.select(feed_tokens.c.member_id)
         .where(feed_tokens.c.token_hash == sa.bindparam("token_hash"))
         .where(feed_tokens.c.purpose == "feed").where(feed_tokens.c.revoked_at.is_(None))
         .cte("link"))
_member_id = sa.select(_link.c.member_id).limit(1).scalar_subquery()
_party_id = sa.select(members.c.party_id).where(members.c.id == _member_id).scalar_subquery()
_council_id = sa.select(parties.c.council_id).where(parties.c.id == _party_id).scalar_subquery()
_team = sa.select(members.c.id).where(members.c.party_id == _party_id)


def _part(tag: str, columns: Sequence[Any], where: Any) -> _Select:
    """One branch of the union: a tag, then the columns as text, padded with NULLs."""
    cells = [sa.cast(column, sa.Text) for column in columns]
    cells += [sa.cast(sa.null(), sa.Text)] * (_WIDTH - len(cells))
    return sa.select(sa.literal(tag, sa.Text).label("tag"),
                     *(cell.label(f"c{i}") for i, cell in enumerate(cells))).where(where)


def _changes(tag: str, table: sa.Table, stamp: sa.Column[Any]) -> _Select:
    """How many rows of the party's members a table holds, and the newest change."""
    return _part(tag, [sa.func.count(), sa.func.max(stamp)], table.c.member_id.in_(_team))


_newest_proposal = (sa.select(proposals.c.id, proposals.c.confirmed_at)
                    .where(proposals.c.council_id == _council_id)
                    .order_by(proposals.c.created_at.desc()).limit(1).subquery())

FEED_STATE: sa.CompoundSelect[*tuple[Any, ...]] = sa.union_all(
    _part("0 link", list(members.c),
          members.c.id == _member_id),
    _part("1 party", list(parties.c), parties.c.id == _party_id),
    _part("2 council", list(councils.c), councils.c.id == _council_id),
    _part("3 team", [members.c.id, members.c.role, members.c.invited, members.c.attended,
                     members.c.horizon, members.c.bodies], members.c.party_id == _party_id),
    _part("4 body", [bodies.c.key, bodies.c.draft, bodies.c.content_hash],
          bodies.c.council_id == _council_id),
    _part("5 calendar", [calendars.c.member_id, calendars.c.content_hash],
          calendars.c.member_id.in_(_team)),
    _part("6 meetings", [sa.func.count(), sa.func.max(meetings.c.updated_at)],
          meetings.c.council_id == _council_id),
    _changes("7 attendance", attendance, attendance.c.recorded_at),
    # what the party's members said, and who was called in
    _changes("8 absences", absences, absences.c.stated_at),
    _changes("9 answers", meeting_answers, meeting_answers.c.answered_at),
    _changes("a polls", poll_answers, poll_answers.c.answered_at),
    _changes("b call-ins", call_ins, call_ins.c.changed_at),
    # how far the SEQUENCEs the member was shown rose above the meetings' own: a rise
    # changes the version (the first showing of a meeting, at its own, does not)
    _part("d shown", [sa.func.coalesce(sa.func.sum(member_event_versions.c.sequence
                                                   - member_event_versions.c.floor), 0)],
          member_event_versions.c.member_id == _member_id),
    sa.select(sa.literal("c proposal", sa.Text).label("tag"),
              *[sa.cast(c, sa.Text) for c in (_newest_proposal.c.id, _newest_proposal.c.confirmed_at)],
              *[sa.cast(sa.null(), sa.Text)] * (_WIDTH - 2)),
)
"""The rows a feed link leads to (bind ``token_hash``); none when the link is unknown,
revoked or not a feed link. Its rows come in no particular order."""


_COMPILED: dict[str, Any] = {}  # dialect name: the statement compiled once for it


def feed_state(db: sa.Connection, secret_hash: str, holds: bool) -> tuple[str, str] | None:
    """The member behind an active feed link with this hash and their feed's version, in
    one statement compiled once per dialect (no SQL built per request); None for an
    unknown or revoked link."""
    compiled = _COMPILED.get(db.dialect.name)
    if compiled is None:
        compiled = _COMPILED.setdefault(db.dialect.name, FEED_STATE.compile(dialect=db.dialect))
    values = compiled.construct_params({"token_hash": secret_hash})
    parameters: Any = (tuple(values[name] for name in compiled.positiontup) if compiled.positional
                       else values)
    rows = db.exec_driver_sql(compiled.string, parameters).all()
    return feed_version_of(rows, holds)


def feed_version_of(rows: Sequence[Sequence[Any]], holds: bool) -> tuple[str, str] | None:
    """The member and the feed's version (a short fingerprint that changes whenever the
    feed would, the date included: cancelled meetings age out) from ``FEED_STATE``'s rows."""
    ordered = sorted((tuple(row) for row in rows), key=lambda row: (row[0], row[1] or ""))
    if not ordered or ordered[0][0] != "0 link":
        return None
    if not holds:  # the newest proposal shows only in a feed with holds
        ordered = [row for row in ordered if row[0] != "c proposal"]
    parts = (holds, ordered, dt.datetime.now(dt.UTC).date().isoformat())
    return str(ordered[0][1]), hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
