"""A meeting's history as people read it on the secretary's and the chair's pages: each
change as a sentence in the reader's language, when it happened in the council's time
zone (``8 jan 2027 kl. 14.05``) and who made it. Names stay text: the templates escape
them."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale, gettext

from scheduler.services.history import MeetingHistories
from scheduler.wording import short_date

__all__ = ["HistoryRow", "history_rows", "moment_text"]


@dataclass(frozen=True)
class HistoryRow:
    """One change as a page shows it."""

    when: str
    what: str
    who: str


def _(text: str, **values: Any) -> str:
    """The text in the reader's language, with the values put in."""
    return str(gettext(text, **values))


def _swedish() -> bool:
    return str(get_locale() or "sv") == "sv"


def _date_text(day: dt.date) -> str:
    return short_date(day, "sv" if _swedish() else "en")


def moment_text(moment: dt.datetime | str, zone: str) -> str:
    """A moment as people read it, in ``zone``: ``8 jan 2027 kl. 14.05`` (Swedish) or
    ``8 Jan 2027, 14:05`` (English)."""
    value = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    local = value.astimezone(zoneinfo.ZoneInfo(zone))
    if _swedish():
        return f"{_date_text(local.date())} kl. {local:%H.%M}"
    return f"{_date_text(local.date())}, {local:%H:%M}"


def _day_text(value: Any) -> str:
    try:
        return _date_text(dt.date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _who(actor: Mapping[str, Any], members: Mapping[str, str]) -> str:
    if actor.get("kind") == "token":
        if actor.get("label"):
            return str(actor["label"])
        roles = {"secretary": _("secretary"), "admin": _("administrator"), "chair": _("chair")}
        return _("%(role)s %(id)s", role=roles.get(str(actor.get("role")), _("secretary")),
                 id=actor.get("id", ""))
    if actor.get("kind") == "member":
        return members.get(str(actor.get("id")), "") or _("a removed member")
    return _("automatically")


def _what(entry: Mapping[str, Any], name: str, party: str, zone: str) -> str:
    kind = entry["kind"]
    detail: Mapping[str, Any] = entry.get("detail") or {}
    if kind == "confirmed":
        return _("Confirmed")
    if kind == "moved":
        return _("Moved from %(old)s to %(new)s",
                 old=moment_text(detail.get("old_start", ""), zone),
                 new=moment_text(detail.get("start", ""), zone))
    if kind == "cancelled":
        return _("Cancelled")
    if kind == "answered":
        return (_("%(name)s answered they are coming", name=name)
                if detail.get("answer") == "coming"
                else _("%(name)s answered they cannot come", name=name))
    if kind == "absence":
        if detail.get("notice"):
            return _("Notice of absence given for %(name)s", name=name)
        if not detail.get("absent"):
            return _("%(name)s withdrew their absence", name=name)
        span = {"name": name, "first": _day_text(detail.get("from")),
                "last": _day_text(detail.get("to"))}
        if detail.get("late"):
            return _("%(name)s reported an absence (%(first)s – %(last)s), after the answers "
                     "had closed", **span)
        return _("%(name)s reported an absence (%(first)s – %(last)s)", **span)
    if kind == "recorded":
        return (_("%(name)s recorded as present", name=name)
                if detail.get("state") == "present"
                else _("%(name)s recorded as absent", name=name))
    said = {"called_in": lambda: _("%(name)s called in", name=name),
            "released": lambda: _("%(name)s released (no longer called in)", name=name),
            "uncovered": lambda: _("%(party)s: nobody can represent the party", party=party),
            "covered_again": lambda: _("%(party)s: the party is represented again",
                                       party=party),
            "mailed": lambda: (_("Mail sent to %(name)s", name=name) if name
                               else _("Mail sent to the secretary")
                               if detail.get("to") == "secretary" else _("Mail sent"))}.get(kind)
    return str(said()) if said else str(kind)


def _row(entry: Mapping[str, Any], histories: MeetingHistories) -> HistoryRow:
    detail: Mapping[str, Any] = entry.get("detail") or {}
    member_id = entry.get("member_id")
    name = ""
    if member_id is not None:
        name = histories.members.get(str(member_id), "") or _("a removed member")
    party_id = str(detail.get("party", ""))
    party = histories.parties.get(party_id, party_id)
    if name and party and entry["kind"] in ("called_in", "released"):
        name = f"{name} ({party})"
    who = _who(entry.get("by") or {}, histories.members)
    after = detail.get("after")
    if isinstance(after, Mapping) and entry.get("by", {}).get("kind") == "system":
        who = _("automatically, after a change by %(who)s",
                who=_who(after, histories.members))
    return HistoryRow(moment_text(entry["at"], histories.zone),
                      _what(entry, name, party, histories.zone), who)


def history_rows(histories: MeetingHistories) -> dict[str, list[HistoryRow]]:
    """Meeting id -> its history as the pages show it, oldest first."""
    return {meeting_id: [_row(entry, histories) for entry in entries]
            for meeting_id, entries in histories.entries.items()}
