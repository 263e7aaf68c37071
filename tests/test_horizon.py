"""MODEL.md's "beyond a calendar's horizon", by hand-derived numbers: the horizon (declared
or detected), the covered weeks, the Beta prior toward 30 %, tentative halves, fewer than
four weeks, and recurring series read as they are."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from calendars import BusyInterval, BusyStatus
from scheduler.availability import BASES, STATUSES, presence
from scheduler.council import Council, Member, Party
from scheduler.horizon import calendar_horizon

ZONE = zoneinfo.ZoneInfo("Europe/Stockholm")
FIRST_TUESDAY = dt.date(2027, 1, 5)  # weeks run Monday to Sunday; the Tuesdays are ours


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZONE)


def tuesdays(weeks: int, status=BusyStatus.BUSY, recurring=False, first=FIRST_TUESDAY):
    """One 13-16 interval every Tuesday for ``weeks`` weeks."""
    return [BusyInterval(at(first + dt.timedelta(weeks=w), 13), at(first + dt.timedelta(weeks=w), 16),
                         status, f"t{w}", recurring) for w in range(weeks)]


def one_member(horizon=None, travel=dt.timedelta()):
    return Council("R", "Europe/Stockholm", (Party("p", "P", (Member("A", "representative",
                                                                     horizon=horizon),), travel),))


def after_horizon(weeks: int, weekday: int = 1) -> tuple[dt.datetime, dt.datetime]:
    """A 13-16 slot on ``weekday`` of the week after ``weeks`` weeks of Tuesdays."""
    monday = FIRST_TUESDAY - dt.timedelta(days=1) + dt.timedelta(weeks=weeks + 2)
    day = monday + dt.timedelta(days=weekday)
    return at(day, 13), at(day, 16)


def read(intervals, slot, horizon=None, travel=dt.timedelta()):
    council = one_member(horizon, travel)
    found = presence(council, [slot], {("p", 0): intervals})
    key = ("p", 0)
    return (STATUSES[found.status[key][0]], BASES[found.basis[key][0]],
            float(found.probability[key][0]))


def test_the_detected_horizon_is_the_end_of_the_latest_one_off_interval():
    intervals = tuesdays(12) + tuesdays(30, recurring=True, first=dt.date(2027, 1, 6))
    horizon = calendar_horizon(intervals, None, "Europe/Stockholm")
    assert horizon.until == at(FIRST_TUESDAY + dt.timedelta(weeks=11), 16)
    assert not horizon.declared
    # whole weeks Monday to Sunday ending by the horizon (the 12th week is cut by it): 11
    assert len(horizon.weeks) == 11 and horizon.weeks[0] == dt.date(2027, 1, 4)


def test_a_declared_horizon_wins_and_covers_the_whole_declared_day():
    horizon = calendar_horizon(tuesdays(12), dt.date(2027, 2, 14), "Europe/Stockholm")
    assert horizon.declared and horizon.until == at(dt.date(2027, 2, 15), 0)
    assert horizon.weeks == (dt.date(2027, 1, 4), dt.date(2027, 1, 11), dt.date(2027, 1, 18),
                             dt.date(2027, 1, 25), dt.date(2027, 2, 1), dt.date(2027, 2, 8))


def test_no_one_off_events_and_nothing_declared_means_the_calendar_speaks_everywhere():
    assert calendar_horizon(tuesdays(5, recurring=True), None, "Europe/Stockholm").until is None
    assert read(tuesdays(5, recurring=True), after_horizon(20, weekday=2))[:2] == ("free", "calendar")


def test_a_habit_taken_every_covered_week_gives_b_of_the_prior_formula():
    # 12 Tuesdays; the horizon cuts the 12th week, so |W| = 11 and c = 11 for Tuesdays 13-16
    status, basis, p = read(tuesdays(12), after_horizon(12))
    b = (11 + 2 * 0.3) / (11 + 2)
    assert (status, basis) == ("unknown", "pattern")
    assert p == pytest.approx(0.95 * ((1 - b) * 1.0 + b * 0.05))


def test_a_weekday_never_taken_is_still_smoothed_toward_thirty_percent():
    status, basis, p = read(tuesdays(12), after_horizon(12, weekday=2))  # Wednesdays
    b = (0 + 0.6) / 13
    assert (status, basis) == ("unknown", "pattern")
    assert p == pytest.approx(0.95 * ((1 - b) + b * 0.05))


def test_tentative_intervals_count_a_half():
    intervals = tuesdays(12, BusyStatus.TENTATIVE)
    _, _, p = read(intervals, after_horizon(12))
    b = (11 * 0.5 + 0.6) / 13
    assert p == pytest.approx(0.95 * ((1 - b) + b * 0.05))


def test_fewer_than_four_covered_weeks_give_q_unknown():
    status, basis, p = read(tuesdays(4), after_horizon(4))  # |W| = 3
    assert (status, basis, p) == ("unknown", "none", pytest.approx(0.95 * 0.7))


def test_a_recurring_series_is_read_as_it_is_beyond_the_horizon():
    day = after_horizon(12)[0].date()
    series = BusyInterval(at(day, 13), at(day, 16), BusyStatus.OOF, "weekly", recurring=True)
    status, basis, p = read([*tuesdays(12), series], after_horizon(12))
    assert (status, basis, p) == ("oof", "calendar", 0.0)


def test_before_the_horizon_the_calendar_is_read_as_it_is():
    day = FIRST_TUESDAY + dt.timedelta(weeks=3, days=1)  # a Wednesday inside the covered weeks
    assert read(tuesdays(12), (at(day, 13), at(day, 16)))[:2] == ("free", "calendar")


def test_one_offs_after_a_declared_horizon_are_not_read():
    intervals = tuesdays(12)
    slot = (intervals[-1].start, intervals[-1].end)
    declared = FIRST_TUESDAY + dt.timedelta(weeks=6)
    status, basis, _ = read(intervals, slot, horizon=declared)
    assert (status, basis) == ("unknown", "pattern")


def test_the_pattern_window_includes_travel():
    # busy 13-16 every Tuesday; a slot 16:30-18 with 45 minutes' travel meets it each week
    day = after_horizon(12)[0].date()
    _, _, near = read(tuesdays(12), (at(day, 16) + dt.timedelta(minutes=30), at(day, 18)),
                      travel=dt.timedelta(minutes=45))
    _, _, far = read(tuesdays(12), (at(day, 16) + dt.timedelta(minutes=30), at(day, 18)))
    assert near < 0.5 < far
