"""Progress of a proposal, a solve and a round: stages in order, a fraction that never
falls and ends at 1, the final gap from the solution's own bound, and no cost without a
callback."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from scheduler.council_file import load_council
from scheduler.planning import propose
from scheduler.proposal_request import parse_proposal_request
from scheduler.round_planning import plan_round
from solver import solve
from solver.progress import DONE, Progress, Reporter, relative_gap

from .council_helpers import council, ics
from .solver_helpers import problem, slot
from .test_round_planning import WEEK, _day, _round, _sources
from .test_solver_deadline import year_of_slots


def _stages(seen: list[Progress]) -> list[str]:
    """The stages in the order they were first reported."""
    return list(dict.fromkeys(p.stage for p in seen))


def _check_fractions(seen: list[Progress]) -> None:
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and all(0 <= f <= 1 for f in fractions)
    assert seen[-1].stage == DONE and seen[-1].fraction == 1.0
    assert [p.stage for p in seen].count(DONE) == 1


def test_a_solve_stopped_by_its_time_limit_ends_with_the_gap_to_its_own_bound() -> None:
    slots, presence = year_of_slots()  # random presence: stage 1 takes half a minute to prove
    hard = problem(slots, presence.tolist(), 6, min_gap_days=42, time_limit_s=2.0,
                   alternatives=1)
    seen: list[Progress] = []
    solution = solve(hard, seen.append)
    assert solution.status == "feasible" and solution.bound_of == "worst_party_expected"
    stages = _stages(seen)  # stage 2 is left out when stage 1 takes all the time
    assert stages in (["stage 1: worst-off party", "stage 2: total", "alternatives", DONE],
                      ["stage 1: worst-off party", "alternatives", DONE])
    _check_fractions(seen)
    last = seen[-1]
    assert solution.bound is not None
    # by hand: the bound of the stopped stage and the best value that stage found (or,
    # when it found none in time, the plan's worst-off party)
    best = solution.worst_optimum if solution.worst_optimum is not None \
        else solution.worst_party_expected
    assert last.bound == solution.bound and last.best == best
    assert last.gap == pytest.approx((solution.bound - best) / solution.bound)
    assert 0 < last.gap < 1
    # the bound is a real one: above the plan, below what the worst-off party gets alone
    alone = np.sort(presence, axis=1)[:, -6:].sum(axis=1).min()
    assert solution.worst_party_expected <= solution.bound <= alone + 1e-4
    # while stage 1 ran, CP-SAT's best value and bound came through, never above the end
    # (a better bound may come before any plan: its best is then unknown)
    searching = [p for p in seen if p.stage == "stage 1: worst-off party" and p.bound]
    assert any(p.best is not None for p in searching)
    assert all(p.best is None or p.best <= p.bound for p in searching)
    assert all(p.gap == relative_gap(p.bound, p.best) for p in searching)


def test_a_proposal_reports_reading_then_each_stage_and_a_proven_end(tmp_path: Path) -> None:
    busy = ics(("m", "20270111T080000", "20270111T170000"))
    path = council(tmp_path, [
        {"id": "a", "members": [("Rep A", "representative", busy)]},
        {"id": "b", "members": [("Rep B", "representative", ics())]}])
    request = parse_proposal_request({"from": "2027-01-11", "to": "2027-01-30", "meetings": 2,
                                      "min_gap_days": 3, "time_limit_s": 10})
    seen: list[Progress] = []
    proposal = propose(load_council(path), request, progress=seen.append)
    assert proposal.status == "optimal"
    assert _stages(seen) == ["reading calendars", "stage 1: worst-off party", "stage 2: total",
                             "stage 3: preferred dates", "alternatives", DONE]
    _check_fractions(seen)
    assert seen[0].fraction == 0.0
    last = seen[-1]
    assert last.bound == last.best == proposal.worst_optimum and last.gap == 0.0


def test_without_a_callback_the_solve_is_the_same_and_nothing_is_reported() -> None:
    slots = [slot(d) for d in range(10)]
    presence = [[0.9, 0.5, 0.8, 0.9, 0.2, 0.9, 0.7, 0.9, 0.6, 0.9],
                [0.4, 0.9, 0.9, 0.3, 0.9, 0.8, 0.9, 0.5, 0.9, 0.7]]
    small = problem(slots, presence, 3, min_gap_days=2, time_limit_s=5.0)
    seen: list[Progress] = []
    assert solve(small).chosen == solve(small, seen.append).chosen
    assert seen and Reporter(None).attach(None, 1.0) is None  # type: ignore[arg-type]


def test_updates_within_a_stage_are_throttled_and_stages_always_pass() -> None:
    seen: list[Progress] = []
    report = Reporter(seen.append, 10.0, every=0.2)
    report.stage("one")
    for n in range(10_000):
        report.update(best=n, bound=10_000)
    report.stage("two")
    time.sleep(0.25)
    report.update(best=1.0, bound=2.0)
    report.finish()
    assert [p.stage for p in seen] == ["one", "two", "two", DONE]
    assert seen[2].gap == 0.5


def test_a_part_maps_its_fraction_into_its_share_of_the_whole() -> None:
    seen: list[Progress] = []
    whole = Reporter(seen.append, 1.0)
    whole.part(0.0, 0.1, 1.0).stage("reading", done=0.5)
    whole.part(0.1, 1.0, 1.0).stage("solving", done=0.5)
    whole.part(0.0, 0.1, 1.0).stage("late", done=1.0)  # never below what was reported
    assert [p.fraction for p in seen] == [0.05, 0.55, 0.55]


def test_a_round_reports_reading_the_baselines_the_joint_stages_and_its_end() -> None:
    a = {("kumla", 0): [], ("askersund", 0): [_day(d) for d in WEEK[2:]]}
    b = {("kumla", 0): [], ("boxholm", 0): [_day(WEEK[1])] + [_day(d) for d in WEEK[2:]]}
    seen: list[Progress] = []
    plan = plan_round(_round([a, b]), sources=_sources([a, b]), progress=seen.append)
    assert plan.status == "optimal"
    stages = _stages(seen)
    assert stages[:4] == ["reading calendars", "baselines: each council alone",
                          "baselines: in turn", "councils alone"]
    assert stages.index("stage 1: worst-off party") < stages.index("stage 2: total") \
        < stages.index(DONE)
    _check_fractions(seen)
    assert seen[-1].gap == 0.0 and seen[-1].best == plan.worst_optimum


def test_a_callback_that_raises_stops_the_solve_with_its_exception() -> None:
    slots, presence = year_of_slots()
    hard = problem(slots, presence.tolist(), 6, min_gap_days=42, time_limit_s=5.0)

    def stop_once_searching(report: Progress) -> None:
        if report.bound is not None:  # inside CP-SAT's search, from its own thread
            raise KeyboardInterrupt

    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        solve(hard, stop_once_searching)
    assert time.perf_counter() - started < 4.0


def test_the_final_figures_come_from_the_stage_the_time_limit_stopped() -> None:
    from solver import RoundSolution, Solution
    from solver.progress import final_values

    fair = dict(worst_party_expected=2.5, total_expected=30.0, fairness_tolerance=0.02)
    assert final_values(Solution("optimal", worst_optimum=2.6, **fair)) == (2.6, 2.6)
    stopped = Solution("feasible", worst_optimum=2.6, bound=2.9, bound_of="worst_party_expected",
                       **fair)
    assert final_values(stopped) == (2.9, 2.6)
    no_optimum = Solution("feasible", bound=3.1, bound_of="worst_party_expected", **fair)
    assert final_values(no_optimum) == (3.1, 2.5)  # the plan's worst-off party
    total = Solution("feasible", worst_optimum=2.6, bound=31.0, bound_of="total_expected", **fair)
    assert final_values(total) == (31.0, 30.0)
    attendance = Solution("feasible", (), 2.0, 40.0, bound=42.0, bound_of="total_expected")
    assert final_values(attendance) == (42.0, 40.0)
    assert final_values(Solution("infeasible")) == (None, None)
    joint = RoundSolution("feasible", worst_share=0.5, total_expected=9.0, worst_optimum=None,
                          fairness_tolerance=0.005, bound=0.75, bound_of="worst_share")
    assert final_values(joint) == (0.75, 0.5)
