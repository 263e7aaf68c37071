"""Planning-request options as the CLI and the API name them, to a PlanningRequest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .council import PlanningRequest
from .council_file import parse_blackout
from .errors import InputError
from .values import parse_date, parse_duration

__all__ = ["build_request", "parse_time", "parse_weekdays"]

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
             "mån": 0, "tis": 1, "ons": 2, "tor": 3, "tors": 3, "fre": 4, "lör": 5, "sön": 6}


def parse_time(text: str, field: str) -> dt.time:
    """``09:00``-style time of day."""
    try:
        return dt.time.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"{text!r} is not a time of day (HH:MM)", field=field) from None


def parse_weekdays(text: str, field: str) -> tuple[int, ...]:
    """``mon,tue,wed`` (or Swedish ``mån,tis``) to weekday numbers."""
    days = []
    for name in str(text).lower().split(","):
        if name.strip() not in _WEEKDAYS:
            raise InputError(f"{name.strip()!r} is not a weekday (mon … sun)", field=field)
        days.append(_WEEKDAYS[name.strip()])
    return tuple(sorted(set(days)))


def _gap_days(text: str | int | None, field: str) -> int | None:
    if text is None:
        return None
    if isinstance(text, int):
        return text
    return int(parse_duration(text, field).total_seconds() // 86400)


def build_request(*, start: str, end: str, meetings: int, duration: str = "3h", step: str = "30m",
                  earliest: str = "09:00", latest: str = "16:00",
                  weekdays: str = "mon,tue,wed,thu,fri", blackouts: Sequence[str] = (),
                  objective: str = "fair", min_gap: str | int | None = "28d",
                  max_gap: str | int | None = None, alternatives: int = 3, remote: bool = False,
                  time_limit: float = 10.0, names: dict[str, str] | None = None) -> PlanningRequest:
    """A checked PlanningRequest; InputError names the option (per ``names``) at fault."""
    names = names or {}

    def name(key: str) -> str:
        return names.get(key, key)

    if objective not in ("fair", "attendance"):
        raise InputError("must be fair or attendance", field=name("objective"))
    if meetings < 1:
        raise InputError("must be at least 1", field=name("meetings"))
    request = PlanningRequest(
        start=parse_date(start, name("from")), end=parse_date(end, name("to")), meetings=meetings,
        duration=parse_duration(duration, name("duration")), step=parse_duration(step, name("step")),
        earliest=parse_time(earliest, name("earliest")), latest=parse_time(latest, name("latest")),
        weekdays=parse_weekdays(weekdays, name("weekdays")),
        blackouts=tuple(parse_blackout(b, name("blackout")) for b in blackouts),
        objective=objective,  # type: ignore[arg-type]
        min_gap_days=_gap_days(min_gap, name("min_gap")) or 0,
        max_gap_days=_gap_days(max_gap, name("max_gap")),
        alternatives=alternatives, remote=remote, time_limit_s=time_limit)
    if request.end <= request.start:
        raise InputError("must be after the start of the horizon", field=name("to"))
    if request.duration <= dt.timedelta() or request.step <= dt.timedelta():
        raise InputError("must be positive", field=name("duration"))
    if request.latest <= request.earliest:
        raise InputError("must be after earliest", field=name("latest"))
    if request.max_gap_days is not None and request.max_gap_days < max(1, request.min_gap_days):
        raise InputError("must be at least the minimum gap", field=name("max_gap"))
    if not 0 <= alternatives <= 50:
        raise InputError("must be between 0 and 50", field=name("alternatives"))
    if not 0 < time_limit <= 600:
        raise InputError("must be between 0 and 600 seconds", field=name("time_limit"))
    return request
