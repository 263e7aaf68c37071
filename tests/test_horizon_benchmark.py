"""The horizon benchmark's machinery on one tiny seed: truth, published view, three plans,
scores on the truth."""

from __future__ import annotations

import datetime as dt

import pytest

from benchmarks.horizon import (
    PLANS,
    PUBLISHED_AHEAD,
    Setting,
    evaluate,
    generate,
    published,
    run,
)
from calendars import BusyStatus

YEAR = 2027
TINY = Setting(parties=3, seeds=(4,), meetings=(2,), objectives=("attendance",), year=YEAR,
               end=dt.date(YEAR, 4, 1), min_gap_days=14, time_limit_s=3.0)


def test_true_calendars_hold_next_year_and_its_habits() -> None:
    scenario = generate(4, parties=3, year=YEAR)
    assert len(scenario.council.parties) == 3
    assert all(len(p.members) == 2 for p in scenario.council.parties)
    for intervals in scenario.truth.values():
        assert intervals
        assert any(i.recurring for i in intervals)  # the weekly standing meeting
        assert any(not i.recurring and i.start.year == YEAR and i.start.month > 6 for i in intervals)
        assert {BusyStatus.BUSY, BusyStatus.OOF} <= {i.status for i in intervals}
        assert min(i.start for i in intervals).date() < scenario.as_of


def test_published_view_keeps_series_and_three_months_of_one_offs() -> None:
    scenario = generate(4, parties=3, year=YEAR)
    limit = dt.datetime.combine(scenario.as_of, dt.time(), tzinfo=dt.UTC) + PUBLISHED_AHEAD \
        + dt.timedelta(days=1)
    for key, truth in scenario.truth.items():
        view = scenario.published[key]
        assert view is not None and truth is not None
        assert set(view) <= set(truth)
        assert [i for i in truth if i.recurring and i.end.date() > scenario.as_of] == \
            [i for i in view if i.recurring and i.end.date() > scenario.as_of]
        if key not in scenario.full_year:
            assert max(i.start for i in view if not i.recurring) < limit
    for plan in scenario.plans.values():  # boards and councils known a year ahead
        assert all(i.recurring and i.start.date() >= scenario.as_of for i in plan)
        assert any(i.start.year == YEAR and i.start.month > 6 for i in plan) or not plan
    assert any(scenario.plans.values())
    everything = published(scenario.truth[("p00", 0)] or [], scenario.as_of, full_year=True)
    assert max(i.start for i in everything).year == YEAR


def test_three_plans_scored_on_the_truth() -> None:
    result = run(TINY)
    (case,) = result["cases"]
    for which in PLANS:
        plan = case[which]
        assert plan["status"] in ("optimal", "feasible")
        assert len(plan["dates"]) == 2
        assert 0 < plan["worst"] <= plan["total"] <= 3 * 2
    if case["truth"]["status"] == "optimal":  # the truth's own plan is the best on the truth
        assert case["truth"]["total"] >= max(case[w]["total"] for w in PLANS) - 0.01
        assert case["share_total"] is None or case["share_total"] <= 1.01
    assert set(case) >= {"share_total", "share_worst", "share_total_bodies", "share_worst_bodies"}
    assert "attendance/2" in result["summary"]


def test_evaluation_of_nothing_is_nothing() -> None:
    scenario = generate(4, parties=3, year=YEAR)
    assert evaluate(scenario, []) == (0.0, 0.0)


@pytest.mark.parametrize("seed", [1, 2])
def test_generation_is_deterministic(seed: int) -> None:
    assert generate(seed, parties=3).truth == generate(seed, parties=3).truth
