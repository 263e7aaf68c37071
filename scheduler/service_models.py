"""Request bodies of the service that are not council files or proposal options."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .council_file import MAX_BODIES, Id
from .validation import NOT_NULL, WHOLE, CalendarUrl, Day, Language, MailAddressText, Moment, PlainText

__all__ = ["AttendanceRecord", "CouncilChange", "MeetingChange", "MemberChange", "NewSubstitute"]

_Name = Annotated[PlainText, Field(min_length=1, max_length=300)]


class _Change(BaseModel):
    """A partial update: at least one field, none unknown."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    @model_validator(mode="after")
    def _something(self) -> _Change:
        if not self.model_fields_set:
            raise ValueError("nothing to change: send at least one field")
        return self


class CouncilChange(_Change):
    """New values for a council: name, venue (a null venue clears it), language, the
    secretary's e-mail and the answer deadline in working days (null: none)."""

    name: Annotated[_Name | None, *NOT_NULL] = None
    venue: Annotated[PlainText, Field(max_length=300)] | None = None
    language: Annotated[Language | None, *NOT_NULL] = None
    secretary_email: MailAddressText | None = None
    answer_days: Annotated[int, Field(strict=True, ge=0, le=30), WHOLE] | None = None


class MemberChange(_Change):
    """New values for a member: name, e-mail, calendar URL (null e-mail or calendar: none)."""

    name: Annotated[_Name | None, *NOT_NULL] = None
    email: MailAddressText | None = None
    calendar: CalendarUrl | None = None
    language: Language | None = None  # null: the council's
    horizon: Day | None = None  # null: detected from the calendar
    bodies: Annotated[Annotated[list[Id], Field(max_length=MAX_BODIES)] | None, *NOT_NULL] = None
    person: Id | None = None  # the same person in another council of a round; null: none


class NewSubstitute(BaseModel):
    """A substitute to add to a party."""

    model_config = ConfigDict(extra="forbid")

    party: Annotated[PlainText, Field(min_length=1, max_length=100)]
    name: _Name
    email: MailAddressText | None = None
    calendar: CalendarUrl | None = None
    language: Language | None = None


class MeetingChange(BaseModel):
    """Move a meeting (``start`` and ``end``, with offsets) or cancel it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"oneOf": [
        {"required": ["start", "end"]}, {"required": ["status"]}]})

    start: Annotated[Moment | None, *NOT_NULL] = None
    end: Annotated[Moment | None, *NOT_NULL] = None
    status: Annotated[Literal["cancelled"] | None, *NOT_NULL] = None

    @model_validator(mode="after")
    def _one_change(self) -> MeetingChange:
        if self.status is not None and (self.start or self.end):
            raise ValueError("cancel, or move: not both")
        if self.status is None and (self.start is None or self.end is None):
            raise ValueError("send start and end, or status")
        for moment in (self.start, self.end):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("times need a UTC offset")
        if self.start and self.end and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class AttendanceRecord(BaseModel):
    """A notice of absence before a meeting, or presence or absence after it."""

    model_config = ConfigDict(extra="forbid")

    member_id: str
    state: Literal["absent_notice", "present", "absent"]
