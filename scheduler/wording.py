"""Why no meetings can be proposed, why a member does not cover their party, and what a
calendar shows, said in Swedish or English from keys and values (numbers and ISO dates):
the one source of these words on every surface (terminal, CSV, JSON ``why``, pages)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .proposal import CalendarView

__all__ = ["calendar_sentence", "explain", "percent", "reason_text", "reasons_text", "short_date"]

_SV_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
              "september", "oktober", "november", "december")
_SV_SHORT_MONTHS = ("jan", "feb", "mars", "april", "maj", "juni", "juli", "aug", "sep", "okt",
                    "nov", "dec")


def short_date(day: dt.date, language: str = "sv") -> str:
    """``26 feb 2027`` (or ``26 Feb 2027`` in English)."""
    if language == "sv":
        return f"{day.day} {_SV_SHORT_MONTHS[day.month - 1]} {day.year}"
    return f"{day.day} {day:%b %Y}"


def percent(share: float, language: str = "sv") -> str:
    """A share as a whole percentage: ``9\u00a0%`` in Swedish (a non-breaking space),
    ``9%`` in English; a share above 0 that rounds to 0 is ``under 1\u00a0%``."""
    number = round(share * 100)
    under = number == 0 and share > 0
    text = f"{1 if under else number}" + ("\u00a0%" if language == "sv" else "%")
    return f"under {text}" if under else text


def _date(value: str, language: str) -> str:
    day = dt.date.fromisoformat(value)
    if language == "sv":
        return f"{day.day} {_SV_MONTHS[day.month - 1]} {day.year}"
    return f"{day.day} {day:%B %Y}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _sv(key: str, v: Mapping[str, Any]) -> str | None:
    def d(name: str) -> str:
        return _date(v[name], "sv")

    period = (f"perioden {d('period_first')} – {d('period_last')}"
              if "period_first" in v else "")
    sentences: dict[str, Callable[[], str]] = {
        "no_slots": lambda: "det finns inga möjliga mötestider alls",
        "no_candidate_slots": lambda: (
            "det finns inga möjliga mötestider: varje dag i perioden är helg, helgdag eller "
            "spärrad, eller så ryms inte mötet mellan tiderna"),
        "no_quorum": lambda: (f"ingen tid når den lägsta sannolikheten för beslutsförhet "
                              f"({v['quorum']:g})"),
        "too_few_days": lambda: (
            f"{_count(v['meetings'], 'möte', 'möten')} behövs men bara "
            f"{_count(v['days'], 'dag', 'dagar')} har möjliga tider"
            + (" med tillräcklig beslutsförhet" if v.get("quorum") else "")),
        "gap_does_not_fit": lambda: (
            f"{_count(v['meetings'], 'möte', 'möten')} med {v['gap']} dagars mellanrum ryms "
            f"inte mellan {d('first')} och {d('last')}"),
        "too_many_fixed": lambda: (f"{v['fixed']} möten är redan fastställda, fler än de "
                                   f"{v['meetings']} som ska planeras"),
        "fixed_too_close": lambda: (
            f"de fastställda mötena {d('first')} och {d('last')} ligger {v['apart']} dagar "
            f"isär, mindre än det minsta mellanrummet på {v['gap']} dagar"),
        "period_too_many": lambda: (
            f"{period} kräver {_count(v['period_meetings'], 'möte', 'möten')}, fler än de "
            f"{v['meetings']} som ska planeras"),
        "period_too_few_days": lambda: (
            f"{period} behöver {_count(v['period_meetings'], 'möte', 'möten')} men har möjliga "
            f"tider bara {_count(v['days'], 'dag', 'dagar')}"),
        "period_gap": lambda: (
            f"{_count(v['period_meetings'], 'möte', 'möten')} med {v['gap']} dagars mellanrum "
            f"ryms inte i {period}"),
        "no_plan_in_time": lambda: "ingen plan hittades inom tidsgränsen",
        "round_council": lambda: f"{v['council']}: " + (
            _sv(v["key"], v.get("values", {})) or "rådets egna regler går inte att uppfylla"),
        "round_people": lambda: (
            f"{_all_of(list(v['councils']), 'och')} delar {_all_of(list(v['people']), 'och')}: "
            f"med minst {v['between_minutes']} minuter mellan deras möten går inte rådens "
            "egna regler att uppfylla samtidigt"),
        "cannot_all_hold": lambda: _all_of([_sv_rule(r) for r in v.get("rules", [])], "och")
        + " går inte att uppfylla samtidigt",
    }
    found = sentences.get(key)
    return found() if found else None


def _sv_rule(rule: Mapping[str, Any]) -> str:
    key = rule.get("key")
    if key == "meetings":
        return _count(rule["meetings"], "möte", "möten")
    if key == "one_a_day":
        return "ett möte om dagen"
    if key == "min_gap":
        return f"minst {rule['gap']} dagar mellan mötena"
    if key == "max_gap":
        return f"högst {rule['gap']} dagar mellan mötena"
    if key == "fixed":
        return "de fastställda mötena"
    return (f"{_count(rule['period_meetings'], 'möte', 'möten')} under "
            f"{_date(rule['period_first'], 'sv')} – {_date(rule['period_last'], 'sv')}")


def _all_of(parts: list[str], word: str) -> str:
    if not parts:
        return "reglerna"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" {word} " + parts[-1]


def explain(key: str | None, values: Mapping[str, Any], english: str | None,
            language: str = "sv") -> str:
    """The reason in ``language``: Swedish from the key and values, English as the solver
    and planner wrote it (or in Swedish words when the key is unknown)."""
    if language == "sv" and key:
        try:
            said = _sv(key, values)
        except (KeyError, ValueError, TypeError):
            said = None
        if said:
            return said[0].upper() + said[1:]
    return english or ""


_WEEKDAY_STEMS = ("måndags", "tisdags", "onsdags", "torsdags", "fredags")
_PARTS_SV = {"morning": "förmiddagar", "afternoon": "eftermiddagar"}
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def _number(value: float, language: str) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if language == "sv" else text


def calendar_sentence(view: CalendarView, language: str = "sv") -> str:
    """What a member's calendar shows and what is read beyond it:
    ``kalendern visar till 1 mars 2027; därefter: tisdagseftermiddagar upptagen 9 av 12
    veckor`` (or the same in English)."""
    sv = language == "sv"
    if not view.has_calendar:
        said = "ingen kalender; räknas som okänd" if sv else "no calendar; counted as unknown"
    elif view.horizon is None:
        said = "kalendern täcker hela perioden" if sv else "the calendar covers the whole period"
    else:
        day = _date(view.horizon.isoformat(), language)
        said = (f"kalendern visar till {day}" if sv else f"calendar published to {day}")
        if view.declared:
            said += " (angivet)" if sv else " (declared)"
        if view.weeks < 4:
            said += ("; därefter okänd (för få veckor att lära av)" if sv
                     else "; after that unknown (too few weeks to learn from)")
        elif view.habits:
            if sv:
                habits = ", ".join(f"{_WEEKDAY_STEMS[h.weekday]}{_PARTS_SV[h.part]} upptagen "
                                   f"{_number(h.busy_weeks, 'sv')} av {h.weeks} veckor"
                                   for h in view.habits[:2])
                said += f"; därefter: {habits}"
            else:
                habits = ", ".join(f"{_WEEKDAYS_EN[h.weekday]} {h.part}s busy "
                                   f"{_number(h.busy_weeks, 'en')} of {h.weeks} weeks"
                                   for h in view.habits[:2])
                said += f"; after that: {habits}"
        else:
            said += (f"; därefter: inga återkommande vanor under {view.weeks} veckor" if sv
                     else f"; after that: no habits over {view.weeks} weeks")
    if view.bodies:
        said += ("; sammanträdesplaner: " if sv else "; meeting plans: ") + ", ".join(view.bodies)
    return said


# --- why a member does not cover their party ----------------------------------------------

_ROLES = {"sv": {"representative": "ledamot", "substitute": "ersättare"},
          "en": {"representative": "representative", "substitute": "substitute"}}
_REASONS = {
    "sv": {"notice": "har anmält förhinder", "unreliable": "ledig men osäker",
           "tentative": "preliminär", "busy": "upptagen", "oof": "borta",
           "unknown": "har ingen kalender", "no_substitute": "ingen ersättare"},
    "en": {"notice": "gave notice of absence", "unreliable": "free but unreliable",
           "tentative": "tentative", "busy": "busy", "oof": "out of office",
           "unknown": "has no calendar", "no_substitute": "no substitute"},
}
"""Why a member does not cover their party, by reason code (``calendar_ends`` is a sentence
of its own: ``reason_text``)."""
_COVERS = 0.5  # as scheduler.proposal: a member this likely to come covers the party


def _habits_said(habits: str | None, probability: float | None, sv: bool) -> str:
    """What the habits say of a slot beyond the calendar's end, with the chance of coming."""
    if habits not in ("busy", "free") or probability is None:
        return ("för lite historik för att säga något om vanorna" if sv
                else "too little history to say anything about habits")
    chance = (f"{percent(probability, 'sv')} sannolikhet att komma" if sv
              else f"{percent(probability, 'en')} likely to come")
    if habits == "busy":
        said = "vanorna tyder på att hen är upptagen" if sv else "habits suggest busy"
    elif probability >= _COVERS:
        said = "vanorna tyder på att hen kan komma" if sv else "habits suggest free"
    else:
        said = ("vanorna tyder på att hen kan komma, men det är osäkert" if sv
                else "habits suggest free but unreliable")
    return f"{said} ({chance})"


def reason_text(reason: Mapping[str, Any], language: str = "sv", *, named: bool = True) -> str:
    """One reason (``Reason.as_json``) in words: ``ledamot Anna Ek upptagen``;
    ``ledamot Anna Ek: kalendern slutar 26 feb 2027; vanorna tyder på att hen är upptagen
    (9\u00a0% sannolikhet att komma)``; without the name unless ``named``."""
    language = "sv" if language == "sv" else "en"
    sv = language == "sv"
    code = str(reason.get("reason", ""))
    if code == "no_substitute":
        return _REASONS[language]["no_substitute"]
    role = str(reason.get("role", ""))
    who = _ROLES[language].get(role, role)
    if named and reason.get("name"):
        who += f" {reason['name']}"
    ends = reason.get("calendar_ends")
    if code == "calendar_ends" and isinstance(ends, str):
        try:
            day = short_date(dt.date.fromisoformat(ends), language)
        except ValueError:
            day = ends
        probability = reason.get("probability")
        habits = _habits_said(reason.get("habits"),
                              float(probability) if isinstance(probability, int | float)
                              else None, sv)
        return f"{who}: {'kalendern slutar' if sv else 'calendar ends'} {day}; {habits}"
    return f"{who} {_REASONS[language].get(code, code)}"


_ENGLISH_REASONS = {words: code for code, words in _REASONS["en"].items()}


def _old_why(why: str, language: str) -> str:
    """A ``why`` of a proposal stored before reasons were kept (English, without names), in
    ``language``; a part it does not know as it is."""
    parts = []
    for part in why.split(", "):
        role, _, rest = part.partition(" ")
        if part in _ENGLISH_REASONS:  # "no substitute"
            parts.append(reason_text({"reason": _ENGLISH_REASONS[part]}, language))
        elif role in _ROLES["en"] and rest in _ENGLISH_REASONS:
            parts.append(reason_text({"role": role, "reason": _ENGLISH_REASONS[rest]},
                                     language, named=False))
        else:
            parts.append(part)
    return ", ".join(parts)


def reasons_text(party: Mapping[str, Any], language: str = "sv", *, named: bool = True) -> str:
    """Why a party (its JSON, as a proposal or report keeps it) is not covered by its
    representative, in ``language``; empty when it is. A party stored before reasons were
    kept is read from its English ``why``."""
    reasons = party.get("reasons")
    if reasons is not None:
        return ", ".join(reason_text(r, language, named=named) for r in reasons)
    why = party.get("why")
    return _old_why(why, language) if isinstance(why, str) else ""
