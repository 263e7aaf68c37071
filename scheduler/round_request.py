"""A planning round as asked: several councils, each with its own meetings and rules,
over one period, from a round file (TOML) or the API's JSON."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .council import Council, PlanningRequest
from .council_file import load_council
from .errors import InputError
from .proposal_request import gap_days, parse_proposal_request
from .validation import BlackoutText, Day, PlainText, plain_text
from .values import parse_duration

__all__ = ["MAX_ROUND_COUNCILS", "RoundCouncil", "RoundCouncilEntry", "RoundDocument",
           "RoundRequest", "load_round", "parse_round"]

MAX_ROUND_COUNCILS = 20
MAX_BETWEEN = dt.timedelta(hours=12)
_ROUND_KEYS = {"name", "from", "to", "between", "councils", "time_limit_s", "time_limit",
               "objective", "fairness_tolerance"}
_COUNCIL_REF = {"id", "file", "council"}


@dataclass(frozen=True)
class RoundCouncil:
    """One council of a round: its id in the round, the council and what is asked of it."""

    id: str
    council: Council
    request: PlanningRequest


@dataclass(frozen=True)
class RoundRequest:
    """A round: its councils in order (the order of planning "in turn"), the least time
    between meetings of councils that share a person, and the solver's time limit."""

    name: str
    councils: tuple[RoundCouncil, ...]
    between: dt.timedelta = dt.timedelta(hours=1)
    time_limit_s: float = 30.0
    objective: str = "fair"
    fairness_tolerance: float | None = None  # in shares of meetings; None: the default


def _text_date(value: Any, field: str) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise InputError("must be a date (YYYY-MM-DD)", field=field)


def _options(raw: Mapping[str, Any], i: int, start: str, end: str) -> dict[str, Any]:
    """A council entry's propose options as the API names them."""
    options = {k: v for k, v in raw.items() if k not in _COUNCIL_REF}
    for name in ("min_gap", "max_gap"):
        if name in options:
            value = options.pop(name)
            if not isinstance(value, str):
                raise InputError("must be a duration such as 42d or 6w",
                                 field=f"councils[{i}].{name}")
            options[f"{name}_days"] = gap_days(value, f"councils[{i}].{name}")
    for name in ("earliest", "latest"):
        if isinstance(options.get(name), dt.time):
            options[name] = options[name].strftime("%H:%M")
    options.setdefault("from", start)
    options.setdefault("to", end)
    return options


def parse_round(document: Mapping[str, Any], council_of: Callable[[int, Mapping[str, Any]],
                                                                  tuple[str, Council]]
                ) -> RoundRequest:
    """A checked round from its document; ``council_of(i, entry)`` gives the round's id
    and the council of entry i (from a file or from storage). Errors name the round's
    council and the field."""
    if not isinstance(document, Mapping):
        raise InputError("must be an object with name, from, to and councils", field="body")
    unknown = sorted(set(document) - _ROUND_KEYS)
    if unknown:
        raise InputError(f"unknown keys {unknown}", field=unknown[0])
    entries = document.get("councils")
    if not isinstance(entries, list) or not entries:
        raise InputError("a round needs a list of councils", field="councils")
    if len(entries) > MAX_ROUND_COUNCILS:
        raise InputError(f"at most {MAX_ROUND_COUNCILS} councils", field="councils")
    start = _text_date(document.get("from"), "from")
    end = _text_date(document.get("to"), "to")
    between = parse_duration(document.get("between", "1h"), "between")
    if not dt.timedelta(0) <= between <= MAX_BETWEEN:
        raise InputError(f"must lie between 0 and {MAX_BETWEEN.seconds // 3600}h", field="between")
    councils: list[RoundCouncil] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise InputError("must be an object", field=f"councils[{i}]")
        round_id, council = council_of(i, entry)
        if round_id in seen:
            raise InputError(f"council {round_id!r} is in the round twice", field=f"councils[{i}]")
        seen.add(round_id)
        options = _options(entry, i, start, end)
        try:
            request = parse_proposal_request(options)
        except InputError as exc:
            exc.field = f"councils[{i}].{exc.field}" if exc.field else f"councils[{i}]"
            exc.source = exc.source or f"council {round_id!r}"
            raise
        councils.append(RoundCouncil(round_id, council, request))
    limit = document.get("time_limit_s", document.get("time_limit", 30.0))
    if isinstance(limit, bool) or not isinstance(limit, int | float) or not 0 < limit <= 600:
        raise InputError("must be a number of seconds, more than 0 and at most 600",
                         field="time_limit_s")
    objective = document.get("objective", "fair")
    if objective not in ("fair", "attendance"):
        raise InputError("must be 'fair' or 'attendance'", field="objective")
    tolerance = document.get("fairness_tolerance")
    if tolerance is not None and (isinstance(tolerance, bool) or not isinstance(
            tolerance, int | float) or not 0 <= tolerance <= 1):
        raise InputError("must be a share between 0 and 1", field="fairness_tolerance")
    name = document.get("name", "")
    if not isinstance(name, str) or len(name) > 300:
        raise InputError("must be text of at most 300 characters", field="name")
    try:
        plain_text(name)
    except ValueError as exc:
        raise InputError(str(exc), field="name") from None
    return RoundRequest(name or "Planeringsomgång", tuple(councils), between, float(limit),
                        objective, None if tolerance is None else float(tolerance))


def load_round(path: str | Path) -> RoundRequest:
    """A round file (TOML) with its council files, relative to it."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the round file: {exc.strerror}", source=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not a TOML file: {exc}", source=str(path)) from None

    def from_file(i: int, entry: Mapping[str, Any]) -> tuple[str, Council]:
        round_id, file = entry.get("id"), entry.get("file")
        if not isinstance(round_id, str) or not round_id:
            raise InputError("each council needs an id", field=f"councils[{i}].id",
                             source=str(path))
        if not isinstance(file, str) or not file:
            raise InputError("needs the council file", field=f"councils[{i}].file",
                             source=str(path))
        try:
            return round_id, load_council(path.parent / file)
        except InputError as exc:
            exc.field = f"councils[{i}] ({round_id}): {exc.field}" if exc.field \
                else f"councils[{i}] ({round_id})"
            raise

    try:
        return parse_round(document, from_file)
    except InputError as exc:
        exc.source = exc.source or str(path)
        raise


class RoundCouncilEntry(BaseModel):
    """A council of a round in the API: a stored council and its propose options (gaps
    as durations, ``min_gap``, or in days, ``min_gap_days``)."""

    model_config = ConfigDict(extra="forbid")

    council: Annotated[str, Field(min_length=1, max_length=64)]
    meetings: Annotated[int, Field(ge=1, le=52)]
    duration: str | None = None
    step: str | None = None
    earliest: str | None = None
    latest: str | None = None
    weekdays: list[str] | str | None = None
    blackouts: list[BlackoutText] | None = None
    objective: Literal["fair", "attendance"] | None = None
    min_gap: str | None = None
    max_gap: str | None = None
    min_gap_days: Annotated[int, Field(ge=0, le=366)] | None = None
    max_gap_days: Annotated[int, Field(ge=1, le=732)] | None = None
    alternatives: Annotated[int, Field(ge=0, le=20)] | None = None
    remote: bool | None = None
    fairness_tolerance: Annotated[float, Field(ge=0, le=52)] | None = None


class RoundDocument(BaseModel):
    """A round in the API: the round file as JSON, its councils by their stored ids."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: Annotated[PlainText, Field(max_length=300)] | None = None
    from_: Day = Field(alias="from")
    to: Day
    between: str | None = Field(default=None, json_schema_extra={"default": "1h"})
    time_limit_s: Annotated[float, Field(gt=0, le=600)] | None = None
    objective: Literal["fair", "attendance"] | None = None
    fairness_tolerance: Annotated[float, Field(ge=0, le=1)] | None = None
    councils: Annotated[list[RoundCouncilEntry], Field(min_length=1,
                                                       max_length=MAX_ROUND_COUNCILS)]
