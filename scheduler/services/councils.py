"""Use cases of councils, parties and members."""

from __future__ import annotations

import datetime as dt
from typing import Any

from calendars import redact_url

from ..council import Body, Council, Member
from ..council_file import council_from_mapping
from ..errors import InputError
from ..fetch_state import is_failing
from ..ports import UnitOfWork
from ..records import CalendarState, CouncilRecord, PlanState
from ..service_models import CouncilChange, MemberChange, NewSubstitute
from ..validation import validated
from .base import ServiceBase

__all__ = ["CouncilServices", "council_json"]


class CouncilServices(ServiceBase):
    """Create, read, change and remove councils, parties and members."""

    def create_council(self, document: Any) -> dict[str, Any]:
        """Store a council from its JSON document (calendars as URLs or absent)."""
        return self.add_council(council_from_mapping(document, base=None))

    def add_council(self, council: Council) -> dict[str, Any]:
        """Store a council; return its document with the new ids."""
        with self.uow() as uow:
            record = uow.councils.add(council)
            uow.commit()
            return council_json(uow, record, urls=True)

    def council_document(self, council_id: str, *, urls: bool = False) -> dict[str, Any]:
        """A council as JSON, with member ids and each calendar's state; ``urls`` adds the
        members' calendar URLs, redacted (for secretaries only: they are personal)."""
        with self.reader() as uow:
            return council_json(uow, uow.councils.get(council_id), urls=urls)

    def council_names(self) -> list[tuple[str, str]]:
        """Every council's id and name, oldest first."""
        with self.reader() as uow:
            return [(cid, uow.councils.get(cid).council.name) for cid in uow.councils.ids()]

    def change_council(self, council_id: str, body: Any) -> dict[str, Any]:
        """Rename a council, change its venue or its language."""
        change = validated(CouncilChange, body)
        values = change.model_dump(exclude_unset=True)
        if not values:
            raise InputError("nothing to change", field="body")
        with self.uow() as uow:
            uow.councils.update(council_id, values)
            uow.commit()
            return council_json(uow, uow.councils.get(council_id), urls=True)

    def delete_council(self, council_id: str) -> None:
        """Remove a council and everything it owns."""
        with self.uow() as uow:
            uow.councils.delete(council_id)
            uow.commit()

    def add_party(self, council_id: str, body: Any) -> dict[str, Any]:
        """Add a party (as in the council file: id, name, travel, members)."""
        with self.uow() as uow:
            existing = uow.councils.get(council_id).council
            document = {"name": existing.name, "timezone": existing.timezone, "parties": [body],
                        "bodies": [{"id": b.id, "name": b.name, "draft": b.draft}
                                   for b in existing.bodies]}
            try:
                party = council_from_mapping(document, base=None).parties[0]
            except InputError as exc:  # name the field in the party body, not in a council
                exc.field = (exc.field or "").removeprefix("parties[0]").removeprefix(".") or "body"
                raise
            uow.councils.add_party(council_id, party)
            uow.commit()
            return council_json(uow, uow.councils.get(council_id), urls=True)

    def remove_party(self, council_id: str, party_id: str) -> None:
        """Remove a party with its members and their calendars."""
        with self.uow() as uow:
            uow.councils.remove_party(council_id, party_id)
            uow.commit()

    def add_substitute(self, council_id: str, body: Any) -> dict[str, Any]:
        """Add a substitute to one of the council's parties."""
        new = validated(NewSubstitute, body)
        with self.uow() as uow:
            uow.councils.add_substitute(council_id, new.party,
                                        Member(new.name, "substitute", new.calendar, new.email,
                                               language=new.language))
            uow.commit()
            return council_json(uow, uow.councils.get(council_id), urls=True)

    def change_member(self, member_id: str, body: Any) -> None:
        """Change a member's name, e-mail or calendar URL."""
        change = validated(MemberChange, body)
        values = change.model_dump(exclude_unset=True)
        if not values:
            raise InputError("nothing to change", field="body")
        if "calendar" in values:
            values["calendar_url"] = values.pop("calendar")
        with self.uow() as uow:
            if "bodies" in values:
                record, _party, _member = uow.councils.member(member_id)
                known = {body.id for body in record.council.bodies}
                for k, body_id in enumerate(values["bodies"]):
                    if body_id not in known:
                        raise InputError(f"no body {body_id!r} in this council",
                                         field=f"bodies[{k}]")
                values["bodies"] = list(dict.fromkeys(values["bodies"])) or None
            uow.councils.update_member(member_id, values)
            uow.commit()

    def remove_member(self, member_id: str) -> None:
        """Remove a substitute (a representative is changed, not removed)."""
        with self.uow() as uow:
            uow.councils.remove_substitute(member_id)
            uow.commit()


NOT_FETCHED = "the calendar could not be fetched or read"  # what the chair sees of an error


def council_json(uow: UnitOfWork, record: CouncilRecord, *, urls: bool) -> dict[str, Any]:
    """A council as JSON, with member ids and each calendar's state; ``urls`` adds the
    members' calendar URLs, redacted, and the words of each fetch error (which name the
    URL); without it an error is only said to be one (its time is in the state)."""
    council = record.council
    states = uow.calendars.states(list(record.member_ids.values()))
    plans = uow.bodies.states(record.id)
    return {
        "id": record.id, "name": council.name, "timezone": council.timezone,
        "venue": council.venue, "language": council.language,
        "secretary_email": council.secretary_email, "answer_days": council.answer_days,
        "bodies": [_body_document(body, plans.get(body.id), urls=urls) for body in council.bodies],
        "parties": [{
            "id": party.id, "name": party.name,
            "travel_minutes": int(party.travel.total_seconds() // 60),
            "members": [_member_document(record.member_ids[(party.id, i)], member,
                                         states[record.member_ids[(party.id, i)]], urls=urls)
                        for i, member in enumerate(party.members)],
        } for party in council.parties],
    }


def _member_document(member_id: str, member: Member, state: CalendarState, *,
                     urls: bool) -> dict[str, Any]:
    calendar: dict[str, Any] = {
        "linked": member.calendar is not None,
        "fetched_at": state.fetched_at.isoformat() if state.fetched_at else None,
        "last_error": _error(state.last_error, urls=urls), "busy_intervals": state.intervals,
        "known_until": state.window[1].isoformat() if state.window and not state.rereadable
        else None,
        "checked_at": state.checked_at.isoformat() if state.checked_at else None,
        "failures": state.failures,
        "failing_since": state.failing_since.isoformat() if state.failing_since else None}
    failing = member.calendar is not None and is_failing(
        state.failures, state.failing_since, dt.datetime.now(dt.UTC))
    if urls:
        calendar["url"] = redact_url(member.calendar) if member.calendar else None
    return {"id": member_id, "name": member.name, "role": member.role, "email": member.email,
            "language": member.language, "calendar": calendar, "calendar_failing": failing,
            "horizon": member.horizon.isoformat() if member.horizon else None,
            "bodies": list(member.bodies), "person": member.person}


def _error(error: str | None, *, urls: bool) -> str | None:
    """A fetch error as the reader may see it: in full (it names the URL, redacted) for
    those who see URLs, else only that there is one."""
    return error if urls or error is None else NOT_FETCHED


def _body_document(body: Body, state: PlanState | None, *, urls: bool) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "linked": body.calendar is not None, "kept": bool(state and state.kept),
        "fetched_at": state.fetched_at.isoformat() if state and state.fetched_at else None,
        "last_error": _error(state.last_error if state else None, urls=urls)}
    if urls:
        plan["url"] = redact_url(body.calendar) if body.calendar else None
    return {"id": body.id, "name": body.name, "draft": body.draft, "plan": plan}
