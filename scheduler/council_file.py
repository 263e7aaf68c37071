"""The council file (TOML) to a Council; errors name the file, line or field.

Besides its parties, a council may name *bodies* (``[[bodies]]``: a municipal council, a
board, another cooperation council) whose meeting plan is a calendar; a member names the
bodies they sit in (``bodies = [...]``) and may declare their calendar's ``horizon``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
import zoneinfo
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from .council import Body, Council, Member, Party, PastMeeting, Weights
from .errors import InputError
from .validation import (
    WHOLE,
    BlackoutText,
    Day,
    Language,
    MailAddressText,
    PlainText,
    is_calendar_url,
    plain_text,
    validated,
)
from .values import parse_blackout, parse_duration

__all__ = [
    "MAX_BODIES",
    "MAX_TRAVEL",
    "CouncilDocument",
    "council_from_mapping",
    "load_council",
    "parse_blackout",
    "parse_council",
]

MAX_TRAVEL = dt.timedelta(hours=24)
"""A party's travel to a meeting, each way, is at most a day."""

MAX_BODIES = 200
"""A council names at most this many bodies, and a member sits in at most as many."""

Id = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w.-]+$"),
               AfterValidator(plain_text)]
"""The id of a party or a body: letters, digits, ``_``, ``.`` and ``-``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MemberDocument(_Strict):
    name: Annotated[PlainText, Field(min_length=1, max_length=300)]
    role: Literal["representative", "substitute"]
    calendar: Annotated[PlainText, Field(max_length=2000)] | None = None
    email: MailAddressText | None = None
    invited: Annotated[int, Field(strict=True, ge=0), WHOLE] = 0
    attended: Annotated[int, Field(strict=True, ge=0), WHOLE] = 0
    language: Language | None = None
    horizon: Day | None = None
    bodies: Annotated[list[Id], Field(max_length=MAX_BODIES)] = []
    person: Id | None = None


class BodyDocument(_Strict):
    id: Id
    name: Annotated[PlainText, Field(min_length=1, max_length=300)] | None = None
    calendar: Annotated[PlainText, Field(max_length=2000)] | None = None
    draft: Annotated[bool, Field(strict=True)] = False


class PartyDocument(_Strict):
    id: Id
    name: Annotated[PlainText, Field(max_length=300)] | None = None
    travel: str = "0m"
    members: Annotated[list[MemberDocument], Field(min_length=1)]

    @field_validator("travel")
    @classmethod
    def _duration(cls, value: str) -> str:
        try:
            travel = parse_duration(value, "travel")
        except InputError as exc:
            raise ValueError(exc.message) from None
        if travel > MAX_TRAVEL:
            raise ValueError("travel may be at most 24 hours each way")
        return value


class WeightsDocument(_Strict):
    free: Annotated[float, Field(strict=True, ge=0, le=1)] = 1.0
    tentative: Annotated[float, Field(strict=True, ge=0, le=1)] = 0.5
    busy: Annotated[float, Field(strict=True, ge=0, le=1)] = 0.05
    oof: Annotated[float, Field(strict=True, ge=0, le=1)] = 0.0
    unknown: Annotated[float, Field(strict=True, ge=0, le=1)] = 0.7
    reliability: Annotated[float, Field(strict=True, gt=0, le=1)] = 0.95


class PastMeetingDocument(_Strict):
    date: Day
    present: list[Annotated[PlainText, Field(max_length=100)]]


class _Council(_Strict):
    name: Annotated[PlainText, Field(min_length=1, max_length=300)]
    timezone: Annotated[PlainText, Field(max_length=100)] = "Europe/Stockholm"
    venue: Annotated[PlainText, Field(max_length=300)] | None = None
    language: Language = "sv"
    secretary_email: MailAddressText | None = None
    answer_days: Annotated[int, Field(strict=True, ge=0, le=30), WHOLE] | None = None
    weights: WeightsDocument = WeightsDocument()
    blackouts: list[BlackoutText] = []
    bodies: Annotated[list[BodyDocument], Field(max_length=MAX_BODIES)] = []
    parties: Annotated[list[PartyDocument], Field(min_length=1)]
    history: list[PastMeetingDocument] = []

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


CouncilDocument = _Council
"""The council file's schema, shared by the TOML file and the HTTP API."""


def _calendar(value: str | None, base: Path | None, field: str) -> str | None:
    if value is None or is_calendar_url(value):
        return value
    if base is None:
        raise InputError("must be an http(s) or webcal URL (upload files instead)", field=field)
    path = (base / value).resolve()
    if not path.is_file():
        raise InputError(f"calendar file {value!r} does not exist", field=field)
    return str(path)


def parse_council(text: str, base: Path, source: str = "council") -> Council:
    """A Council from TOML text; relative calendar paths are taken from ``base``."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(f"not TOML: {exc}", source=source, line=line) from None
    return council_from_mapping(raw, base, source)


def council_from_mapping(raw: object, base: Path | None, source: str | None = None) -> Council:
    """A Council from parsed TOML or JSON. With no ``base``, calendars must be URLs."""
    document = validated(_Council, raw, source=source)
    try:
        return _build(document, base)
    except InputError as exc:
        exc.source = source
        raise


def _bodies(document: _Council, base: Path | None) -> tuple[Body, ...]:
    bodies: list[Body] = []
    seen: set[str] = set()
    for i, body in enumerate(document.bodies):
        if body.id in seen:
            raise InputError(f"duplicate body id {body.id!r}", field=f"bodies[{i}].id")
        seen.add(body.id)
        bodies.append(Body(body.id, body.name or body.id,
                           _calendar(body.calendar, base, f"bodies[{i}].calendar"), body.draft))
    return tuple(bodies)


def _member_bodies(names: list[str], known: set[str], field: str) -> tuple[str, ...]:
    for k, name in enumerate(names):
        if name not in known:
            raise InputError(f"unknown body {name!r}", field=f"{field}[{k}]")
        if name in names[:k]:
            raise InputError(f"body {name!r} is named twice", field=f"{field}[{k}]")
    return tuple(names)


def _build(document: _Council, base: Path | None) -> Council:
    bodies = _bodies(document, base)
    known = {body.id for body in bodies}
    parties: list[Party] = []
    seen: set[str] = set()
    for i, party in enumerate(document.parties):
        if party.id in seen:
            raise InputError(f"duplicate party id {party.id!r}", field=f"parties[{i}].id")
        seen.add(party.id)
        roles = [m.role for m in party.members]
        if roles.count("representative") != 1:
            raise InputError(f"party {party.id!r} needs exactly one representative, has "
                             f"{roles.count('representative')}", field=f"parties[{i}].members")
        members = []
        for j, member in enumerate(party.members):
            if member.attended > member.invited:
                raise InputError("attended is more than invited",
                                 field=f"parties[{i}].members[{j}].attended")
            members.append(Member(member.name, member.role,
                                  _calendar(member.calendar, base,
                                            f"parties[{i}].members[{j}].calendar"),
                                  member.email, member.invited, member.attended,
                                  member.language, member.horizon,
                                  _member_bodies(member.bodies, known,
                                                 f"parties[{i}].members[{j}].bodies"),
                                  member.person))
        parties.append(Party(party.id, party.name or party.id, tuple(members),
                             parse_duration(party.travel, f"parties[{i}].travel")))
    for i, past in enumerate(document.history):
        unknown = sorted(set(past.present) - seen)
        if unknown:
            raise InputError(f"unknown parties {unknown}", field=f"history[{i}].present")
    return Council(
        name=document.name, timezone=document.timezone, parties=tuple(parties),
        weights=Weights(**document.weights.model_dump()), venue=document.venue,
        language=document.language, bodies=bodies,
        secretary_email=document.secretary_email, answer_days=document.answer_days,
        blackouts=tuple(parse_blackout(b, f"blackouts[{i}]")
                        for i, b in enumerate(document.blackouts)),
        history=tuple(PastMeeting(p.date, tuple(p.present)) for p in document.history),
    )


def load_council(path: str | Path) -> Council:
    """Read a council file; calendar paths are relative to the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", source=str(path)) from None
    return parse_council(text, path.parent, str(path))
