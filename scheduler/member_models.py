"""Request bodies of what members say with their own link, and of polls."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from .validation import CalendarUrl, Day, Moment

__all__ = ["AbsenceList", "CalendarLink", "MeetingAnswer", "PollAnswers", "PollRequest"]

MAX_ABSENCES = 100
MAX_POLL_ANSWERS = 200


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeetingAnswer(_Strict):
    """A member's answer to a confirmed meeting."""

    answer: Literal["coming", "absent"]


class PollAnswer(_Strict):
    """A member's answer to one slot of a poll, named by the slot's start."""

    start: Moment
    answer: Literal["yes", "if_need_be", "no"]


class PollAnswers(_Strict):
    """A member's answers to some or all slots of a poll."""

    answers: Annotated[list[PollAnswer], Field(min_length=1, max_length=MAX_POLL_ANSWERS)]


class Absence(_Strict):
    """An absence from a date through a date (both inclusive)."""

    from_: Day = Field(alias="from")
    to: Day


class AbsenceList(RootModel[Annotated[list[Absence], Field(max_length=MAX_ABSENCES)]]):
    """Every absence a member declares (replaces the ones before)."""


class CalendarLink(_Strict):
    """A member's own calendar subscription URL."""

    url: CalendarUrl


class PollRequest(_Strict):
    """A poll over a proposal's dates and alternatives, answered through ``deadline``."""

    deadline: Day
