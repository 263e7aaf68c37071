"""What members say themselves: the newest statement decides a slot over the calendar,
habits or no calendar at all; who covers a party; when answers close."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendars import BusyInterval, BusyStatus
from scheduler.availability import presence
from scheduler.council import Council, Member, Party
from scheduler.cover import cover, says_absent
from scheduler.deadlines import answer_deadline, poll_closes
from scheduler.statements import Statement, absence_span, apply_statements

ZONE = "Europe/Stockholm"
BASE = dt.datetime(2027, 3, 8, 9, tzinfo=dt.UTC)


def _at(hours: int) -> dt.datetime:
    return BASE + dt.timedelta(hours=hours)


words = st.sampled_from(["yes", "if_need_be", "no", "coming", "absent", "absence"])
statements = st.lists(st.tuples(st.integers(0, 30), st.integers(1, 6), words,
                                st.integers(0, 1000)), max_size=8)
slots = st.lists(st.tuples(st.integers(0, 30), st.integers(1, 4)), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(statements, slots)
def test_the_newest_overlapping_statement_decides_each_slot(raw, raw_slots):
    said = [Statement(_at(s), _at(s + n), word, BASE + dt.timedelta(seconds=made))
            for s, n, word, made in raw]
    starts = np.array([_at(s).timestamp() for s, _ in raw_slots])
    ends = np.array([_at(s + n).timestamp() for s, n in raw_slots])
    codes, hit = apply_statements(said, starts, ends)
    for k, (lo, hi) in enumerate(zip(starts, ends, strict=True)):
        over = [x for x in said if x.start.timestamp() < hi and x.end.timestamp() > lo]
        assert hit[k] == bool(over)
        if over:  # ties in time: the later in the list wins, as a stable sort keeps them
            newest = max(over, key=lambda x: (x.made_at, said.index(x)))
            assert codes[k] == newest.code


def _council(calendar: bool) -> tuple[Council, dict]:
    party = Party("p", "P", (Member("Rep", "representative"), Member("Sub", "substitute")))
    busy = {("p", 0): [BusyInterval(_at(0), _at(3), BusyStatus.BUSY, "u")] if calendar else None,
            ("p", 1): None}
    return Council("C", ZONE, (party,)), busy


@pytest.mark.parametrize("calendar", [True, False])
def test_a_yes_overrides_a_busy_calendar_or_no_calendar_and_an_absence_wins_when_newer(calendar):
    council, busy = _council(calendar)
    slot = [(_at(0), _at(3))]
    plain = presence(council, slot, busy)
    assert plain.probability[("p", 0)][0] == pytest.approx(0.95 * (0.05 if calendar else 0.70))
    yes = Statement(_at(0), _at(3), "yes", _at(-100))
    said = presence(council, slot, busy, statements={("p", 0): [yes]})
    assert said.probability[("p", 0)][0] == pytest.approx(0.95)
    assert said.basis[("p", 0)][0] == 3  # "statement"
    day = absence_span(dt.date(2027, 3, 8), dt.date(2027, 3, 8), ZONE)
    away = Statement(*day, "absence", _at(-50))
    later = presence(council, slot, busy, statements={("p", 0): [yes, away]})
    assert later.probability[("p", 0)][0] == 0.0
    older = presence(council, slot, busy, statements={
        ("p", 0): [yes, Statement(*day, "absence", _at(-200))]})
    assert older.probability[("p", 0)][0] == pytest.approx(0.95)


def test_an_absence_covers_whole_local_days():
    start, end = absence_span(dt.date(2027, 3, 8), dt.date(2027, 3, 9), ZONE)
    assert start.isoformat() == "2027-03-08T00:00:00+01:00"
    assert end.isoformat() == "2027-03-10T00:00:00+01:00"


def test_cover_calls_the_first_substitute_who_can_come_else_nobody():
    party = Party("p", "P", (Member("R", "representative"), Member("S1", "substitute"),
                             Member("S2", "substitute")))
    assert cover(party, {}).called is None
    assert cover(party, {0: True}).called == 1
    assert cover(party, {0: True, 1: True}).called == 2
    gone = cover(party, {0: True, 1: True, 2: True})
    assert (gone.called, gone.uncovered, gone.absent) == (None, True, (0, 1, 2))
    assert not cover(party, {1: True, 2: True}).uncovered  # the representative comes


def test_a_later_coming_answer_takes_back_an_absence_and_a_notice_counts_without_one():
    meeting = (_at(0), _at(3))
    day = absence_span(dt.date(2027, 3, 8), dt.date(2027, 3, 8), ZONE)
    away = Statement(*day, "absence", _at(-10))
    assert says_absent([away], *meeting)
    assert not says_absent([away, Statement(*meeting, "coming", _at(-5))], *meeting)
    assert says_absent([], *meeting, notice=True)
    assert not says_absent([Statement(*meeting, "coming", _at(-5))], *meeting, notice=True)
    assert not says_absent([Statement(*meeting, "no", _at(-5))], *meeting)  # a poll answer


def test_answers_close_working_days_before_the_meeting_skipping_holidays():
    thursday = dt.datetime(2027, 3, 11, 13, tzinfo=dt.UTC)
    assert answer_deadline(thursday, None, ZONE) == thursday
    assert answer_deadline(thursday, 0, ZONE) == thursday
    # three working days before Thursday 11 March: Monday 8 March, answers until its end
    assert answer_deadline(thursday, 3, ZONE).isoformat() == "2027-03-09T00:00:00+01:00"
    # Tuesday after Easter 2027: Easter Monday 29 and Good Friday 26 March are holidays,
    # so two working days before are Thursday 25 and Wednesday 24 March
    tuesday = dt.datetime(2027, 3, 30, 9, tzinfo=dt.UTC)
    assert answer_deadline(tuesday, 2, ZONE).isoformat() == "2027-03-25T00:00:00+01:00"
    assert poll_closes(dt.date(2027, 3, 1), ZONE).isoformat() == "2027-03-02T00:00:00+01:00"
