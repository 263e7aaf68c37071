"""What a secretary may ask for, once for every door: the command line, the JSON API and
the web form share these fields, defaults and limits.

The fields are named as the API names them (the command line's options with ``_`` for
``-``; gaps in whole days). The limits are checked before anything is built: the
horizon, the step, the duration and the number of candidate slots (counted, not made).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from .council import PlanningRequest
from .errors import InputError
from .validation import BLACKOUT_PATTERN, WHOLE, Day, validated
from .values import parse_blackout, parse_duration, parse_time

__all__ = ["MAX_CANDIDATE_SLOTS", "MAX_DURATION", "MAX_HORIZON_DAYS", "MIN_STEP",
           "ProposalOptions", "candidate_slot_count", "check_limits", "gap_days",
           "parse_proposal_request", "parse_weekdays"]

MAX_HORIZON_DAYS = 1100
"""The horizon is at most about three years."""
MIN_STEP = dt.timedelta(minutes=5)
"""Meetings start on a grid of at least five minutes."""
MAX_DURATION = dt.timedelta(hours=24)
"""A meeting lasts at most a day."""
MAX_CANDIDATE_SLOTS = 20_000
"""At most this many candidate slots (days times starts per day) are considered."""

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
             "mån": 0, "tis": 1, "ons": 2, "tor": 3, "tors": 3, "fre": 4, "lör": 5, "sön": 6}
_DURATION_PATTERN = r"^\s*\d+(\.\d+)?\s*([sShHdDwW]|[mM]|[mM][iI][nN])\s*$"
_TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"
_MAX_BLACKOUTS = 366


def parse_weekdays(text: str | list[str], field: str) -> tuple[int, ...]:
    """``mon,tue,wed`` (or Swedish ``mån,tis``, or a list of names) to weekday numbers."""
    names = text if isinstance(text, list) else str(text).split(",")
    days = []
    for name in names:
        key = str(name).strip().lower()
        if key not in _WEEKDAYS:
            raise InputError(f"{str(name)[:20]!r} is not a weekday (mon … sun)", field=field)
        days.append(_WEEKDAYS[key])
    if not days:
        raise InputError("name at least one weekday", field=field)
    return tuple(sorted(set(days)))


def gap_days(text: str | None, field: str) -> int | None:
    """A gap written as a duration (``28d``, ``6w``, ``48h``) in whole days; None stays None."""
    if text is None:
        return None
    gap = parse_duration(text, field)
    if gap % dt.timedelta(days=1):
        raise InputError(f"{text!r} is not whole days (like 28d or 4w)", field=field)
    return gap.days


def _value_error(parse: Callable[[Any, str], Any]) -> Callable[[Any], Any]:
    """``parse`` as a pydantic validator: ValueError with the message only."""
    def check(value: Any) -> Any:
        try:
            return parse(value, "")
        except InputError as exc:
            raise ValueError(exc.message) from None
    return check


def _duration(value: Any, field: str) -> dt.timedelta:
    if not isinstance(value, str):
        raise InputError("must be a duration such as 90m or 3h", field=field)
    return parse_duration(value, field)


def _time(value: Any, field: str) -> dt.time:
    if isinstance(value, dt.time):  # a TOML time
        value = value.isoformat()
    if not isinstance(value, str):
        raise InputError("must be a time of day (HH:MM)", field=field)
    return parse_time(value, field)


def _weekdays(value: Any, field: str) -> tuple[int, ...]:
    if not isinstance(value, str | list) or len(value) > (7 if isinstance(value, list) else 100):
        raise InputError("must be weekday names such as mon,tue,wed", field=field)
    return parse_weekdays(value, field)


def _blackouts(value: Any, field: str) -> tuple[tuple[dt.date, dt.date], ...]:
    if not isinstance(value, list | tuple):
        raise InputError("must be a list of DATE:DATE", field=field)
    if len(value) > _MAX_BLACKOUTS:
        raise InputError(f"at most {_MAX_BLACKOUTS} ranges", field=field)
    return tuple(parse_blackout(str(item), field) for item in value)


_Duration = Annotated[dt.timedelta, BeforeValidator(_value_error(_duration)),
                      WithJsonSchema({"type": "string", "pattern": _DURATION_PATTERN,
                                      "examples": ["90m", "3h"]})]
_Time = Annotated[dt.time, BeforeValidator(_value_error(_time)),
                  WithJsonSchema({"type": "string", "pattern": _TIME_PATTERN,
                                  "examples": ["09:00"]})]
_Weekdays = Annotated[tuple[int, ...], BeforeValidator(_value_error(_weekdays)),
                      WithJsonSchema({"anyOf": [
                          {"type": "string", "maxLength": 100, "examples": ["mon,tue,wed,thu,fri"]},
                          {"type": "array", "minItems": 1, "maxItems": 7,
                           "items": {"enum": sorted(_WEEKDAYS)}}]})]
_Blackouts = Annotated[tuple[tuple[dt.date, dt.date], ...],
                       BeforeValidator(_value_error(_blackouts)),
                       WithJsonSchema({"type": "array", "maxItems": _MAX_BLACKOUTS, "items": {
                           "type": "string", "pattern": BLACKOUT_PATTERN,
                           "examples": ["2027-07-01:2027-08-15"],
                           "description": "an inclusive DATE:DATE range"}})]


class ProposalOptions(BaseModel):
    """What a secretary may ask for: the horizon [from, to), the number of meetings, and
    the rules they follow. Field names are the API's; limits are the same for every door."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)

    from_: Day = Field(alias="from")
    to: Day
    meetings: Annotated[int, Field(strict=True, ge=1, le=52), WHOLE]
    duration: _Duration = Field(default=dt.timedelta(hours=3), json_schema_extra={"default": "3h"})
    step: _Duration = Field(default=dt.timedelta(minutes=30), json_schema_extra={"default": "30m"})
    earliest: _Time = Field(default=dt.time(9), json_schema_extra={"default": "09:00"})
    latest: _Time = Field(default=dt.time(16), json_schema_extra={"default": "16:00"})
    weekdays: _Weekdays = Field(default=(0, 1, 2, 3, 4),
                                json_schema_extra={"default": "mon,tue,wed,thu,fri"})
    blackouts: _Blackouts = Field(default=(), json_schema_extra={"default": []})
    objective: Literal["fair", "attendance"] = "fair"
    min_gap_days: Annotated[int, Field(strict=True, ge=0, le=366), WHOLE] = 28
    max_gap_days: Annotated[int, Field(strict=True, ge=1, le=732), WHOLE] | None = None
    alternatives: Annotated[int, Field(strict=True, ge=0, le=20), WHOLE] = 3
    remote: Annotated[bool, Field(strict=True)] = False
    time_limit_s: Annotated[float, Field(strict=True, gt=0, le=120)] = 10.0
    fairness_tolerance: Annotated[float, Field(ge=0, le=52)] = 0.02

    def request(self) -> PlanningRequest:
        """The planning request these options ask for (limits not yet checked)."""
        return PlanningRequest(
            start=self.from_, end=self.to, meetings=self.meetings, duration=self.duration,
            step=self.step, earliest=self.earliest, latest=self.latest, weekdays=self.weekdays,
            blackouts=self.blackouts, objective=self.objective,
            min_gap_days=self.min_gap_days, max_gap_days=self.max_gap_days,
            alternatives=self.alternatives, remote=self.remote, time_limit_s=self.time_limit_s,
            fairness_tolerance=self.fairness_tolerance)


def _count_weekdays(start: dt.date, end: dt.date, weekdays: tuple[int, ...]) -> int:
    days = max(0, (end - start).days)
    weeks, rest = divmod(days, 7)
    tail = sum((start.weekday() + i) % 7 in weekdays for i in range(rest))
    return weeks * len(set(weekdays)) + tail


def _starts_per_day(request: PlanningRequest) -> int:
    day = dt.date(2001, 1, 1)
    room = (dt.datetime.combine(day, request.latest) - dt.datetime.combine(day, request.earliest)
            - request.duration)
    if room < dt.timedelta() or request.step <= dt.timedelta():
        return 0
    return room // request.step + 1


def candidate_slot_count(request: PlanningRequest) -> int:
    """How many candidate slots the request has at most (allowed weekdays of the horizon
    times starts per day; holidays and blackouts not taken off), computed, not built."""
    return _count_weekdays(request.start, request.end, request.weekdays) * _starts_per_day(request)


def check_limits(request: PlanningRequest, names: Mapping[str, str] | None = None) -> None:
    """InputError, naming the field as ``names`` does, for a request beyond the limits or
    whose parts do not fit together; checked before anything is built."""
    def name(field: str) -> str:
        return (names or {}).get(field, field)

    if request.end <= request.start:
        raise InputError("must be after the start of the horizon", field=name("to"))
    if (request.end - request.start).days > MAX_HORIZON_DAYS:
        raise InputError(f"the horizon may be at most {MAX_HORIZON_DAYS} days "
                         f"(this one is {(request.end - request.start).days})", field=name("to"))
    if request.duration <= dt.timedelta():
        raise InputError("must be positive", field=name("duration"))
    if request.duration > MAX_DURATION:
        raise InputError("a meeting may last at most 24 hours", field=name("duration"))
    if request.step < MIN_STEP:
        raise InputError("the step must be at least 5 minutes", field=name("step"))
    if request.latest <= request.earliest:
        raise InputError("must be after earliest", field=name("latest"))
    if request.max_gap_days is not None and request.max_gap_days < max(1, request.min_gap_days):
        raise InputError("must be at least the minimum gap", field=name("max_gap_days"))
    count = candidate_slot_count(request)
    if count > MAX_CANDIDATE_SLOTS:
        raise InputError(
            f"there would be {_number(count)} candidate slots and at most "
            f"{_number(MAX_CANDIDATE_SLOTS)} are allowed: choose a longer step, fewer weekdays, "
            "a shorter day or a shorter horizon", field=name("step"))


def _number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def parse_proposal_request(raw: Mapping[str, Any], *,
                           names: Mapping[str, str] | None = None) -> PlanningRequest:
    """A checked PlanningRequest from the options (named as the API names them); an
    InputError names the field at fault as ``names`` renames it (``--min-gap``)."""
    if not isinstance(raw, Mapping):
        raise InputError("must be a JSON object of proposal options", field="body")
    options = validated(ProposalOptions, raw, names=names)
    request = options.request()
    check_limits(request, names)
    return request
