"""The ``scheduler solve`` problem document (JSON) to a Problem; errors name the field."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ProblemError
from .problem import Period, Problem, Slot

__all__ = ["parse_problem"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class _Slot(_Strict):
    id: Annotated[str, Field(min_length=1)]
    start: dt.datetime
    end: dt.datetime
    preference: int = 0

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("needs a UTC offset, like 2027-02-10T09:00:00+01:00")
        return value


class _Party(_Strict):
    id: Annotated[str, Field(min_length=1)]
    presence: dict[str, Annotated[float, Field(ge=0, le=1)]] = {}


class _Period(_Strict):
    from_: dt.date = Field(alias="from")
    to: dt.date
    meetings: Annotated[int, Field(ge=0)]


class _Document(_Strict):
    meetings: Annotated[int, Field(ge=1)]
    objective: Literal["fair", "attendance"] = "fair"
    min_gap_days: Annotated[int, Field(ge=0)] = 0
    max_gap_days: Annotated[int, Field(ge=1)] | None = None
    time_limit_s: Annotated[float, Field(gt=0, le=3600)] = 10.0
    slots: list[_Slot]
    parties: Annotated[list[_Party], Field(min_length=1)]
    periods: list[_Period] = []
    fixed: list[str] = []
    min_quorum_probability: Annotated[float, Field(ge=0, le=1)] | None = None
    quorum: Annotated[int, Field(ge=1)] | None = None
    alternatives: Annotated[int, Field(ge=0, le=50)] = 3
    fairness_tolerance: Annotated[float, Field(ge=0, le=52)] = 0.02


def _where(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text.replace("from_", "from") or "problem"


def parse_problem(text: str | bytes) -> Problem:
    """A Problem from the JSON document; ProblemError names the field at fault."""
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise ProblemError(f"not JSON: {exc}", field=f"line {line}" if line else None) from None
    try:
        document = _Document.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ProblemError(message, field=_where(tuple(first["loc"]))) from None
    slots = sorted(enumerate(document.slots), key=lambda pair: pair[1].start)
    ids = {slot.id for _, slot in slots}
    presence = np.zeros((len(document.parties), len(slots)))
    position = {slot.id: i for i, (_, slot) in enumerate(slots)}
    for p, party in enumerate(document.parties):
        for slot_id, value in party.presence.items():
            if slot_id not in ids:
                raise ProblemError(f"unknown slot {slot_id!r}", field=f"parties[{p}].presence")
            presence[p, position[slot_id]] = value
    return Problem(
        slots=tuple(Slot(s.id, s.start, s.end, s.preference) for _, s in slots),
        parties=tuple(party.id for party in document.parties),
        presence=presence,
        meetings=document.meetings,
        objective=document.objective,
        min_gap_days=document.min_gap_days,
        max_gap_days=document.max_gap_days,
        periods=tuple(Period(p.from_, p.to, p.meetings) for p in document.periods),
        fixed=tuple(document.fixed),
        min_quorum_probability=document.min_quorum_probability,
        quorum=document.quorum,
        time_limit_s=document.time_limit_s,
        alternatives=document.alternatives,
        fairness_tolerance=document.fairness_tolerance,
    )
