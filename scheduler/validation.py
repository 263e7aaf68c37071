"""Checks shared by every request shape: plain text, calendar URLs, and pydantic's
errors as the project's InputError naming the field as the caller knows it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationError, WithJsonSchema

from .addresses import MAX_LENGTH, check_address
from .errors import InputError
from .values import FIRST_YEAR, LAST_YEAR, parse_date

__all__ = [
    "BLACKOUT_PATTERN",
    "CALENDAR_URL_PREFIXES",
    "DATE_PATTERN",
    "MOMENT_PATTERN",
    "NOT_NULL",
    "WHOLE",
    "BlackoutText",
    "CalendarUrl",
    "Language",
    "MailAddressText",
    "PlainText",
    "as_input_error",
    "field_path",
    "is_calendar_url",
    "plain_text",
    "validated",
]

CALENDAR_URL_PREFIXES = ("http://", "https://", "webcal://", "webcals://")

# C0 and C1 control characters (CR, LF, tab among them), DEL, and the Unicode line and
# paragraph separators: never part of a name, a venue, an id or an address.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PLAIN_PATTERN = "^[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]*$"
_URL_PATTERN = "^([hH][tT][tT][pP][sS]?|[wW][eE][bB][cC][aA][lL][sS]?)://[^\\x00-\\x20\\x7f-\\x9f\\u2028\\u2029]*$"

# the years FIRST_YEAR to LAST_YEAR (2000 to 2200) as JSON Schema patterns say them, so
# that the API's document refuses what the service refuses (tests/test_year_bounds.py)
_YEAR = "(2[01][0-9]{2}|2200)"
_DATE = f"{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_CLOCK = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?"
_OFFSET = "(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
DATE_PATTERN = f"^{_DATE}$"
"""A ``YYYY-MM-DD`` date in the years 2000 to 2200."""
MOMENT_PATTERN = f"^{_DATE}[Tt]{_CLOCK}{_OFFSET}$"
"""An RFC 3339 date and time (with seconds and a UTC offset) in the years 2000 to 2200."""
BLACKOUT_PATTERN = f"^\\s*{_DATE}\\s*:\\s*{_DATE}\\s*$"
"""An inclusive ``DATE:DATE`` range in the years 2000 to 2200."""

Model = TypeVar("Model", bound=BaseModel)

Language = Literal["sv", "en"]
"""What pages, feeds and mail may speak: Swedish or English."""


def is_calendar_url(source: str) -> bool:
    """True for a calendar source that is an http(s) or webcal URL rather than a path."""
    return source.lower().startswith(CALENDAR_URL_PREFIXES)


def plain_text(value: str) -> str:
    """``value`` unchanged, or ValueError if it holds a control character or line break."""
    found = _CONTROL.search(value)
    if found:
        raise ValueError(f"must not contain control characters or line breaks "
                         f"(found U+{ord(found.group()):04X})")
    return value


def _calendar_url(value: str) -> str:
    plain_text(value)
    if not is_calendar_url(value):
        raise ValueError("must be an http(s) or webcal URL")
    return value


def _refuse_null(value: object) -> object:
    if value is None:
        raise ValueError("may not be null")
    return value


def _schema_without_null(schema: dict[str, Any]) -> None:
    options = [s for s in schema.pop("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options
    schema.pop("default", None)


def _day(value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):  # a TOML date
        value = value.isoformat()
    if not isinstance(value, str):
        raise ValueError("must be a date (YYYY-MM-DD)")
    try:
        return parse_date(value, "")
    except InputError as exc:
        raise ValueError(exc.message) from None


def _moment(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value[:40]!r} is not a date and time (ISO 8601)") from None
    else:
        raise ValueError("must be a date and time with a UTC offset (ISO 8601)")
    if moment.tzinfo is None:
        raise ValueError("times need a UTC offset")
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"the date must be in the years {FIRST_YEAR} to {LAST_YEAR}")
    return moment


Day = Annotated[dt.date, BeforeValidator(_day),
                WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN})]
"""A ``YYYY-MM-DD`` date (or a TOML date) in the years 2000 to 2200."""

Moment = Annotated[dt.datetime, BeforeValidator(_moment),
                   WithJsonSchema({"type": "string", "format": "date-time",
                                   "pattern": MOMENT_PATTERN})]
"""An ISO 8601 date and time with a UTC offset, in the years 2000 to 2200."""

PlainText = Annotated[str, AfterValidator(plain_text),
                      Field(json_schema_extra={"pattern": _PLAIN_PATTERN})]
"""A string without control characters or line breaks (the schema says so too)."""

CalendarUrl = Annotated[str, Field(max_length=2000), AfterValidator(_calendar_url),
                        Field(json_schema_extra={"pattern": _URL_PATTERN})]
"""An http(s) or webcal URL of a calendar."""

MailAddressText = Annotated[str, Field(max_length=MAX_LENGTH), AfterValidator(plain_text),
                           AfterValidator(check_address),
                           Field(json_schema_extra={"format": "email",
                                                    "pattern": _PLAIN_PATTERN})]
"""One e-mail address (``name@example.org``; internationalised ones too), checked when it is
stored so that every message to it can be written and sent."""

BlackoutText = Annotated[str, Field(json_schema_extra={"pattern": BLACKOUT_PATTERN})]
"""A ``DATE:DATE`` range as written, read later by ``values.parse_blackout`` (the schema
says its form)."""

def _whole(value: object) -> object:
    """A JSON number without a fraction (``12.0``, an integer to JSON Schema) as an int;
    anything else as given, for the strict int check to judge."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WHOLE = BeforeValidator(_whole)
"""For ``Annotated[int, Field(strict=True, ...), WHOLE]``: ``12.0`` counts as 12 (as the
API's document says), ``"12"``, ``true`` and ``12.5`` do not."""

NOT_NULL = (BeforeValidator(_refuse_null), Field(json_schema_extra=_schema_without_null))
"""For ``Annotated[X | None, *NOT_NULL] = None``: may be left out, but not sent as null."""


def field_path(location: tuple[int | str, ...], names: Mapping[str, str] | None = None) -> str:
    """A pydantic error location as the caller names it: ``parties[0].members[1].name``;
    ``names`` renames the first part (``min_gap_days`` -> ``--min-gap``)."""
    text = ""
    for i, part in enumerate(location):
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        name = names.get(part, part) if i == 0 and names else part
        text += f".{name}" if text else name
    return text or "body"


def as_input_error(error: ValidationError, *, names: Mapping[str, str] | None = None,
                   source: str | None = None) -> InputError:
    """The first problem of a pydantic ValidationError as an InputError naming the field."""
    first = error.errors()[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "missing":
        message = "is required"
    elif first["type"] == "extra_forbidden":
        message = "is not a known field"
    context = {key: str(value) for key, value in (first.get("ctx") or {}).items()}
    return InputError(message, field=field_path(tuple(first["loc"]), names), source=source,
                      kind=str(first["type"]), context=context)


def validated(model: type[Model], raw: Any, *, names: Mapping[str, str] | None = None,
              source: str | None = None) -> Model:
    """``raw`` validated as ``model``; InputError names the field at fault."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise as_input_error(exc, names=names, source=source) from None
