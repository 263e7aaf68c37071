"""Request bodies of the service that are not council files or proposal options."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import InputError

__all__ = ["AttendanceRecord", "CouncilChange", "MeetingChange", "MemberChange", "NewSubstitute",
           "validated"]

_URL = ("http://", "https://", "webcal://", "webcals://")


def _calendar_url(value: str | None) -> str | None:
    if value is not None and not value.lower().startswith(_URL):
        raise ValueError("must be an http(s) or webcal URL")
    return value


class CouncilChange(BaseModel):
    """New values for a council's name or venue."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    venue: Annotated[str, Field(max_length=300)] | None = None


class MemberChange(BaseModel):
    """New values for a member: name, e-mail, calendar URL (null: none)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    email: Annotated[str, Field(max_length=320)] | None = None
    calendar: Annotated[str | None, AfterValidator(_calendar_url)] = None


class NewSubstitute(BaseModel):
    """A substitute to add to a party."""

    model_config = ConfigDict(extra="forbid")

    party: str
    name: Annotated[str, Field(min_length=1, max_length=300)]
    email: str | None = None
    calendar: Annotated[str | None, AfterValidator(_calendar_url)] = None


class MeetingChange(BaseModel):
    """Move a meeting (``start`` and ``end``, with offsets) or cancel it."""

    model_config = ConfigDict(extra="forbid")

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    status: Literal["cancelled"] | None = None

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


def validated(model: type[Any], raw: Any) -> Any:
    """The body as ``model``; InputError names the field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise InputError(str(first["msg"]).removeprefix("Value error, "), field=field) from None
