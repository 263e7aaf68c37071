"""Why no meetings can be proposed, in Swedish from the reason's key and values, and every
reason the solver and the planner give has its Swedish words."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.wording import explain
from solver import solve

from .solver_helpers import problem, slot


@pytest.mark.parametrize(("key", "values", "swedish"), [
    ("gap_does_not_fit", {"meetings": 4, "gap": 60, "first": "2027-03-01", "last": "2027-04-30"},
     "4 möten med 60 dagars mellanrum ryms inte mellan 1 mars 2027 och 30 april 2027"),
    ("too_few_days", {"meetings": 3, "days": 1, "quorum": False},
     "3 möten behövs men bara 1 dag har möjliga tider"),
    ("fixed_too_close", {"first": "2027-02-01", "last": "2027-02-10", "apart": 9, "gap": 28},
     "De fastställda mötena 1 februari 2027 och 10 februari 2027 ligger 9 dagar isär, mindre "
     "än det minsta mellanrummet på 28 dagar"),
    ("cannot_all_hold", {"rules": [{"key": "meetings", "meetings": 2},
                                   {"key": "max_gap", "gap": 10},
                                   {"key": "period", "period_meetings": 1,
                                    "period_first": "2027-01-01", "period_last": "2027-01-31"}]},
     "2 möten, högst 10 dagar mellan mötena och 1 möte under 1 januari 2027 – 31 januari 2027 "
     "går inte att uppfylla samtidigt"),
])
def test_reasons_are_said_in_swedish(key, values, swedish):
    assert explain(key, values, "english words", "sv") == swedish[0].upper() + swedish[1:]


def test_english_readers_get_the_solvers_own_words_and_unknown_keys_fall_back_to_them():
    assert explain("gap_does_not_fit", {"meetings": 1}, "english words", "en") == "english words"
    assert explain("something_new", {}, "english words", "sv") == "english words"
    assert explain("gap_does_not_fit", {"meetings": 4}, "english words", "sv") == "english words"


def test_an_infeasible_solution_carries_a_key_that_has_swedish_words():
    slots = [slot(day, 9) for day in range(3)]
    answer = solve(problem(slots, [[1.0, 1.0, 1.0]], 2, min_gap_days=5))
    assert answer.status == "infeasible" and answer.reason_key == "gap_does_not_fit"
    said = explain(answer.reason_key, answer.reason_values, answer.reason, "sv")
    assert said.startswith("2 möten med 5 dagars mellanrum ryms inte mellan")
    assert str(dt.date.fromisoformat(answer.reason_values["first"]).year) in said


PERIOD = {"period_first": "2027-01-01", "period_last": "2027-04-30", "period_meetings": 2}
EVERY_KEY = {
    "no_slots": {}, "no_candidate_slots": {}, "no_quorum": {"quorum": 0.9},
    "too_few_days": {"meetings": 2, "days": 1, "quorum": True},
    "gap_does_not_fit": {"meetings": 2, "gap": 9, "first": "2027-01-01", "last": "2027-01-05"},
    "too_many_fixed": {"fixed": 3, "meetings": 2},
    "fixed_too_close": {"first": "2027-01-01", "last": "2027-01-02", "apart": 1, "gap": 7},
    "period_too_many": {**PERIOD, "meetings": 1},
    "period_too_few_days": {**PERIOD, "days": 1}, "period_gap": {**PERIOD, "gap": 60},
    "no_plan_in_time": {}, "cannot_all_hold": {"rules": [{"key": "one_a_day"}, {"key": "fixed"}]},
}


def test_every_key_the_solver_and_planner_give_has_swedish_words():
    import re
    from pathlib import Path

    root = Path(__file__).parent.parent
    given = set(re.findall(r'"([a-z_]+)",\s*\n?\s*\{', (root / "solver/feasibility.py").read_text()))
    given |= set(re.findall(r'reason_key="([a-z_]+)"', (root / "solver/solve.py").read_text()
                            + (root / "scheduler/planning.py").read_text()))
    given |= set(re.findall(r'Infeasibility\([^)]*?"([a-z_]+)"\)', (root / "solver/feasibility.py")
                            .read_text()))
    assert given <= set(EVERY_KEY), sorted(given - set(EVERY_KEY))
    for key, values in EVERY_KEY.items():
        assert explain(key, values, "ENGLISH", "sv") != "ENGLISH", key


def view(**given):
    from scheduler.proposal import CalendarView

    return CalendarView(**{"party": "nora", "party_name": "Nora kommun", "member": "Anna Ek",
                           "role": "representative", "has_calendar": True, **given})


@pytest.mark.parametrize(("given", "swedish", "english"), [
    ({"has_calendar": False}, "ingen kalender; räknas som okänd", "no calendar; counted as unknown"),
    ({}, "kalendern täcker hela perioden", "the calendar covers the whole period"),
    ({"horizon": dt.date(2027, 3, 1), "declared": True, "weeks": 3},
     "kalendern visar till 1 mars 2027 (angivet); därefter okänd (för få veckor att lära av)",
     "calendar published to 1 March 2027 (declared); after that unknown (too few weeks to learn "
     "from)"),
    ({"horizon": dt.date(2027, 3, 1), "weeks": 12},
     "kalendern visar till 1 mars 2027; därefter: inga återkommande vanor under 12 veckor",
     "calendar published to 1 March 2027; after that: no habits over 12 weeks"),
    ({"bodies": ("Nora kommunfullmäktige",)},
     "kalendern täcker hela perioden; sammanträdesplaner: Nora kommunfullmäktige",
     "the calendar covers the whole period; meeting plans: Nora kommunfullmäktige"),
])
def test_what_a_calendar_shows_is_said_in_swedish_and_english(given, swedish, english):
    from scheduler.wording import calendar_sentence

    assert calendar_sentence(view(**given), "sv") == swedish
    assert calendar_sentence(view(**given), "en") == english


def test_habits_are_named_by_weekday_and_part_of_the_day():
    from scheduler.horizon import Habit
    from scheduler.wording import calendar_sentence

    habits = (Habit(1, "afternoon", 9.0, 12), Habit(3, "morning", 6.5, 12))
    shown = view(horizon=dt.date(2027, 3, 1), weeks=12, habits=habits)
    assert calendar_sentence(shown, "sv") == (
        "kalendern visar till 1 mars 2027; därefter: tisdagseftermiddagar upptagen 9 av 12 "
        "veckor, torsdagsförmiddagar upptagen 6,5 av 12 veckor")
    assert calendar_sentence(shown, "en") == (
        "calendar published to 1 March 2027; after that: Tuesday afternoons busy 9 of 12 weeks, "
        "Thursday mornings busy 6.5 of 12 weeks")
