"""The proposal options of the HTTP API (the CLI's, with ``_`` for ``-``; gaps in days)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .council import PlanningRequest
from .errors import InputError
from .request_options import build_request

__all__ = ["request_from_json"]


class ProposalOptions(BaseModel):
    """What a secretary may ask for."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    meetings: Annotated[int, Field(ge=1, le=52)]
    duration: str = "3h"
    step: str = "30m"
    earliest: str = "09:00"
    latest: str = "16:00"
    weekdays: str | list[str] = "mon,tue,wed,thu,fri"
    blackouts: list[str] = []
    objective: Literal["fair", "attendance"] = "fair"
    min_gap_days: Annotated[int, Field(ge=0, le=366)] = 28
    max_gap_days: Annotated[int, Field(ge=1, le=732)] | None = None
    alternatives: Annotated[int, Field(ge=0, le=20)] = 3
    remote: bool = False
    time_limit_s: Annotated[float, Field(gt=0, le=60)] = 10.0


def request_from_json(raw: Any) -> PlanningRequest:
    """A PlanningRequest from the JSON body; InputError names the field."""
    try:
        options = ProposalOptions.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).replace("from_", "from") or "body"
        raise InputError(str(first["msg"]).removeprefix("Value error, "), field=field) from None
    weekdays = options.weekdays if isinstance(options.weekdays, str) else ",".join(options.weekdays)
    return build_request(
        start=options.from_, end=options.to, meetings=options.meetings, duration=options.duration,
        step=options.step, earliest=options.earliest, latest=options.latest, weekdays=weekdays,
        blackouts=options.blackouts, objective=options.objective, min_gap=options.min_gap_days,
        max_gap=options.max_gap_days, alternatives=options.alternatives, remote=options.remote,
        time_limit=options.time_limit_s,
        names={"min_gap": "min_gap_days", "max_gap": "max_gap_days", "time_limit": "time_limit_s",
               "blackout": "blackouts"})
