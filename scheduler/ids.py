"""The ids the service hands out, and how to tell a string that cannot be one: a council's
id is 12 lowercase hex digits, every other record's (member, proposal, meeting, poll,
round, job) 16; a party's or a body's id is chosen in the council file (letters, digits,
``_``, ``.`` and ``-``). A string of another form names nothing, so it is answered as
unknown without asking the database (which may refuse it: PostgreSQL takes no NUL)."""

from __future__ import annotations

import re

__all__ = ["is_council_id", "is_record_id", "is_url_id"]

_COUNCIL = re.compile(r"[0-9a-f]{12}")
_RECORD = re.compile(r"[0-9a-f]{16}")
_CHOSEN = re.compile(r"[\w.-]{1,100}")  # as the council file's Id allows

_BY_PARAMETER = {"council_id": _COUNCIL, "member_id": _RECORD, "proposal_id": _RECORD,
                 "meeting_id": _RECORD, "poll_id": _RECORD, "round_id": _RECORD,
                 "job_id": _RECORD, "party_id": _CHOSEN, "body_id": _CHOSEN}


def is_council_id(value: object) -> bool:
    """Whether ``value`` has the form of a council's id."""
    return isinstance(value, str) and _COUNCIL.fullmatch(value) is not None


def is_record_id(value: object) -> bool:
    """Whether ``value`` has the form of a member's, proposal's, meeting's, poll's,
    round's or job's id."""
    return isinstance(value, str) and _RECORD.fullmatch(value) is not None


def is_url_id(parameter: str, value: str) -> bool:
    """Whether ``value`` may be the id a URL parameter (``council_id``, ``party_id``,
    ...) names; a parameter not named ``*_id`` (a link's secret) is not judged here."""
    if not parameter.endswith("_id"):
        return True
    return (_BY_PARAMETER.get(parameter) or _CHOSEN).fullmatch(value) is not None
