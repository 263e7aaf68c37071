"""Councils that share people, planned together: the round solver against brute force,
its reasons when there is no plan, and the separation it keeps (MODEL.md, a round)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import solver.round as round_module
from solver import Period, ProblemError, RoundProblem, clashes, solve, solve_round, violations

from .solver_helpers import (
    DAY0,
    problem,
    round_brute_force,
    round_floor,
    round_key,
    round_plans,
    round_problem,
    round_worst,
    slot,
    too_close,
)

PROBABILITIES = st.sampled_from([0.0, 0.05, 0.3, 0.5, 0.7, 0.9, 0.95, 1.0])
HOUR = dt.timedelta(hours=1)


@st.composite
def councils(draw: st.DrawFn, index: int):
    n_slots = draw(st.integers(1, 6))
    days = draw(st.lists(st.integers(0, 6), min_size=n_slots, max_size=n_slots))
    hours = draw(st.lists(st.sampled_from([1, 8, 9, 11, 13, 16, 22]), min_size=n_slots,
                          max_size=n_slots))
    prefs = draw(st.lists(st.integers(0, 1), min_size=n_slots, max_size=n_slots))
    unique = {(d, h): slot(d, h, f"c{index}d{d}h{h}", p)
              for d, h, p in zip(days, hours, prefs, strict=True)}
    slots = list(unique.values())
    n_parties = draw(st.integers(1, 3))
    presence = [[draw(PROBABILITIES) for _ in slots] for _ in range(n_parties)]
    rules: dict[str, object] = {"meetings": draw(st.integers(1, min(2, len(slots)))),
                                "min_gap_days": draw(st.integers(0, 3))}
    if draw(st.integers(0, 4)) == 0:
        rules["fixed"] = (draw(st.sampled_from(slots)).id,)
    if draw(st.integers(0, 4)) == 0:
        rules["min_quorum_probability"] = draw(st.sampled_from([0.3, 0.8]))
    if draw(st.integers(0, 4)) == 0:
        rules["max_gap_days"] = draw(st.integers(max(1, int(rules["min_gap_days"])), 4))  # type: ignore[call-overload]
    if draw(st.integers(0, 4)) == 0:
        start = draw(st.integers(0, 5))
        rules["periods"] = (Period(DAY0 + dt.timedelta(days=start),
                                   DAY0 + dt.timedelta(days=start + draw(st.integers(1, 4))),
                                   draw(st.integers(0, 1))),)
    meetings = rules.pop("meetings")
    return problem(slots, presence, meetings, **rules)


@st.composite
def rounds(draw: st.DrawFn):
    n = draw(st.integers(2, 3))
    members = [draw(councils(i)) for i in range(n)]
    possible = [frozenset(g) for g in ([0, 1], [0, 2], [1, 2], [0, 1, 2]) if max(g) < n]
    groups = draw(st.lists(st.sampled_from(possible), min_size=1, max_size=3, unique=True))
    return round_problem(members, groups,
                         between=draw(st.sampled_from([dt.timedelta(0), HOUR, 2 * HOUR])),
                         objective=draw(st.sampled_from(["fair", "attendance"])),
                         fairness_tolerance=draw(st.sampled_from([0.0, 0.005, 0.05, 0.2])))


def assert_plan_keeps_every_rule(case: RoundProblem, chosen) -> None:
    for council, plan in zip(case.councils, chosen, strict=True):
        assert violations(council, plan) == []
    assert clashes(case, chosen) == []
    for group in case.groups:
        for a in group:
            for b in group:
                if a < b:
                    for x in chosen[a]:
                        for y in chosen[b]:
                            one = case.councils[a].slots[case.councils[a].index[x]]
                            other = case.councils[b].slots[case.councils[b].index[y]]
                            assert not too_close(one, other, case.between)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_the_round_solver_matches_brute_force_on_small_rounds(case):
    best = round_brute_force(case)
    found = solve_round(case)
    if best is None:
        assert found.status == "infeasible", found
        assert found.reason
        alone = [solve(c).status == "infeasible" for c in case.councils]
        if any(alone):
            assert found.council is not None and alone[found.council]
        else:  # those groups alone leave no plan; without any one of them there is one
            assert found.council is None and found.groups_at_fault
            at_fault = [case.groups[g] for g in found.groups_at_fault]
            assert round_brute_force(dataclasses.replace(case, groups=tuple(at_fault))) is None
            for g in range(len(at_fault)):
                fewer = tuple(at_fault[:g] + at_fault[g + 1:])
                assert round_brute_force(dataclasses.replace(case, groups=fewer)) is not None
        return
    assert found.status == "optimal", found
    assert_plan_keeps_every_rule(case, found.chosen)
    assert round_key(case, found.chosen) == best
    if case.objective == "fair":
        plans = round_plans(case)
        assert round_worst(case, found.chosen) >= round_floor(case, plans)
        assert found.worst_optimum == pytest.approx(
            max(round_worst(case, p) for p in plans) / case.unit)
        assert found.fairness_tolerance == case.fairness_tolerance


@st.composite
def crowded_rounds(draw: st.DrawFn):
    """Three councils that all share one person, meeting on the same few days: the
    separation binds, so the councils' own best plans clash more often than not."""
    members = []
    for index in range(3):
        slots = [slot(d, h, f"c{index}d{d}h{h}") for d in range(3) for h in (9, 11, 13)
                 if draw(st.booleans())] or [slot(0, 9, f"c{index}d0h9")]
        presence = [[draw(PROBABILITIES) for _ in slots] for _ in range(draw(st.integers(1, 2)))]
        members.append(problem(slots, presence, draw(st.integers(1, min(2, len({s.day for s in slots}))))))
    return round_problem(members, [[0, 1, 2]], objective=draw(st.sampled_from(["fair", "attendance"])),
                         fairness_tolerance=draw(st.sampled_from([0.0, 0.01, 0.1])))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crowded_rounds())
def test_the_round_solver_matches_brute_force_when_the_separation_binds(case):
    best = round_brute_force(case)
    found = solve_round(case)
    assert (found.status == "infeasible") == (best is None)
    if best is not None:
        assert found.status == "optimal"
        assert_plan_keeps_every_rule(case, found.chosen)
        assert round_key(case, found.chosen) == best
        if case.objective == "fair":
            assert round_worst(case, found.chosen) >= round_floor(case, round_plans(case))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crowded_rounds())
def test_the_fallbacks_for_many_plans_match_brute_force_too(case):
    # as if every council had too many plans to list: probes search them depth first,
    # and CP-SAT over all councils decides the total and the tie-break
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(round_module, "_LIST_UP_TO", 0)
        patch.setattr(round_module, "_BEST_UP_TO", 0)
        found = solve_round(case)
    best = round_brute_force(case)
    assert (found.status == "infeasible") == (best is None)
    if best is not None:
        assert found.status == "optimal"
        assert_plan_keeps_every_rule(case, found.chosen)
        assert round_key(case, found.chosen) == best


def shared(*councils_, between=HOUR, **options):
    return round_problem(councils_, [range(len(councils_))], between=between, **options)


def test_planning_each_council_alone_clashes_and_the_joint_plan_does_not():
    first = problem([slot(0, 9, "a0"), slot(1, 9, "a1")], [[1.0, 0.9]], 1)
    second = problem([slot(0, 9, "b0"), slot(2, 9, "b2")], [[1.0, 0.5]], 1)
    case = shared(first, second)
    alone = [solve(first).chosen, solve(second).chosen]
    assert alone == [("a0",), ("b0",)]
    assert clashes(case, alone) == [(0, "a0", 1, "b0")]
    found = solve_round(case)
    assert found.status == "optimal"
    assert found.chosen == (("a1",), ("b0",))
    assert clashes(case, found.chosen) == []
    assert found.worst_share == pytest.approx(0.9)
    assert found.worst_optimum == pytest.approx(0.9)
    assert found.total_expected == pytest.approx(1.9)
    assert found.per_party == ({"p0": pytest.approx(0.9)}, {"p0": pytest.approx(1.0)})


def test_meetings_of_one_day_may_share_a_person_when_between_is_left():
    # 9-12 and 13-16 leave exactly one hour; 11-14 leaves none
    first = problem([slot(0, 9, "a9"), slot(0, 11, "a11")], [[0.9, 1.0]], 1)
    second = problem([slot(0, 13, "b13")], [[1.0]], 1)
    found = solve_round(shared(first, second))
    assert found.status == "optimal" and found.chosen == (("a9",), ("b13",))
    # a slot that the council alone would never need, needed together
    assert solve(first).chosen == ("a11",)
    later = problem([slot(0, 15, "b15")], [[1.0]], 1)
    assert solve_round(shared(first, later)).chosen == (("a11",), ("b15",))
    assert solve_round(shared(first, second, between=dt.timedelta(minutes=61))).status == \
        "infeasible"


@pytest.mark.parametrize("listed", [True, False])
def test_meetings_around_midnight_on_two_days_of_one_council_may_both_be_held(listed):
    # 22:00-01:00 and 01:00-04:00 are on two days of one council: both may be chosen,
    # though one clique of the other council's 23:00 meeting holds them both
    first = problem([slot(0, 22, "a22"), slot(1, 1, "a1")], [[1.0, 1.0]], 2, min_gap_days=1)
    second = problem([slot(0, 23, "b23"), slot(3, 9, "b9")], [[1.0, 0.5]], 1)
    with pytest.MonkeyPatch.context() as patch:
        if not listed:  # CP-SAT over all councils, with the separation as cliques
            patch.setattr(round_module, "_LIST_UP_TO", 0)
            patch.setattr(round_module, "_BEST_UP_TO", 0)
        found = solve_round(shared(first, second))
    assert found.status == "optimal"
    assert found.chosen == (("a22", "a1"), ("b9",))


def test_confirmed_meetings_stay_even_when_better_days_lie_around_them():
    first = problem([slot(0, 9, "a0"), slot(2, 9, "a2"), slot(5, 9, "a5")], [[1.0, 0.2, 1.0]],
                    2, min_gap_days=3, fixed=("a2",))
    second = problem([slot(2, 9, "b2"), slot(6, 9, "b6")], [[1.0, 0.9]], 1)
    for objective in ("fair", "attendance"):
        found = solve_round(shared(first, second, objective=objective))
        assert found.chosen == (("a2", "a5"), ("b6",))


def test_councils_that_share_no_one_may_meet_at_the_same_time():
    first = problem([slot(0, 9, "a0")], [[1.0]], 1)
    second = problem([slot(0, 9, "b0")], [[1.0]], 1)
    third = problem([slot(0, 9, "c0"), slot(1, 9, "c1")], [[1.0, 0.5]], 1)
    found = solve_round(round_problem([first, second, third], [[1, 2]]))
    assert found.chosen == (("a0",), ("b0",), ("c1",))


def test_shares_compare_councils_with_different_numbers_of_meetings():
    # c0: 2 meetings; party p0 attends 1.9 of them (share 0.95) or 1.0 (share 0.5);
    # c1: 1 meeting; its party attends 0.9 or 1.0; one person sits in both councils
    first = problem([slot(0, 9, "a0"), slot(1, 9, "a1"), slot(2, 9, "a2")],
                    [[1.0, 0.9, 0.0]], 2)
    second = problem([slot(1, 9, "b1"), slot(3, 9, "b3")], [[1.0, 0.9]], 1)
    found = solve_round(shared(first, second, fairness_tolerance=0.0))
    assert found.chosen == (("a0", "a1"), ("b3",))
    assert found.worst_share == pytest.approx(0.9)


def test_a_council_without_a_plan_even_alone_is_named():
    fine = problem([slot(0, 9, "a0"), slot(1, 9, "a1")], [[1.0, 1.0]], 1)
    hopeless = problem([slot(0, 9, "b0")], [[1.0]], 2)
    found = solve_round(round_problem([fine, hopeless], [[0, 1]], names=("Kultur", "Vård")))
    assert found.status == "infeasible" and found.council == 1
    assert found.reason.startswith("Vård: 2 meetings are needed but only 1 day")
    assert found.reason_key == "too_few_days"
    assert found.reason_values["council"] == "Vård"
    assert found.groups_at_fault == ()


def test_a_round_whose_councils_cannot_keep_apart_names_the_group_at_fault():
    first = problem([slot(0, 9, "a0")], [[1.0]], 1)
    second = problem([slot(0, 11, "b0")], [[1.0]], 1)
    third = problem([slot(0, 9, "c0"), slot(1, 9, "c1")], [[1.0, 1.0]], 1)
    found = solve_round(round_problem([first, second, third], [[1, 2], [0, 1]]))
    assert found.status == "infeasible" and found.council is None
    assert found.groups_at_fault == (1,)
    assert found.reason_key == "groups_cannot_all_hold"
    assert found.reason_values == {"between_minutes": 60, "groups": [["c0", "c1"]]}
    assert "c0, c1" in found.reason


def test_groups_at_fault_together_are_named_together_and_no_more():
    # c0 meets on day 0 or 1; c1 only on day 0, c2 only on day 1: either group alone can
    # be kept (c0 takes the other day), not both; the group of c1 and c2 is no trouble
    first = problem([slot(0, 9, "a0"), slot(1, 9, "a1")], [[1.0, 1.0]], 1)
    second = problem([slot(0, 9, "b0")], [[1.0]], 1)
    third = problem([slot(1, 9, "c1")], [[1.0]], 1)
    found = solve_round(round_problem([first, second, third], [[1, 2], [0, 1], [0, 2]]))
    assert found.status == "infeasible"
    assert found.groups_at_fault == (1, 2)


def test_a_valid_hint_that_reaches_the_bounds_is_proven_at_once():
    first = problem([slot(d, 9, f"a{d}") for d in range(6)],
                    [[1.0, 0.2, 0.95, 0.3, 0.9, 1.0], [0.9, 1.0, 0.95, 0.2, 1.0, 0.1]], 2,
                    min_gap_days=2)
    second = problem([slot(d, 9, f"b{d}") for d in range(6)],
                     [[0.5, 1.0, 0.95, 1.0, 0.9, 0.2]], 2, min_gap_days=2)
    case = shared(first, second)
    found = solve_round(case)
    assert found.status == "optimal"
    again = solve_round(shared(first, second, hints=found.chosen))
    assert again.chosen == found.chosen and again.status == "optimal"
    # a hint that breaks a rule is no incumbent, and does no harm
    broken = solve_round(shared(first, second, hints=(("a0", "a1"), ("b0", "b1"))))
    assert broken.chosen == found.chosen and broken.status == "optimal"


def test_clashes_lists_each_pair_of_meetings_too_close_once():
    first = problem([slot(0, 9, "a0"), slot(1, 9, "a1")], [[1.0, 1.0]], 2)
    second = problem([slot(0, 11, "b0"), slot(1, 13, "b1")], [[1.0, 1.0]], 2)
    case = round_problem([first, second], [[0, 1], [1, 0]])  # one pair, named twice
    assert clashes(case, [("a0", "a1"), ("b0", "b1")]) == [(0, "a0", 1, "b0")]
    assert clashes(case, [("a0", "a1"), ("b0", "b1")]) == clashes(
        round_problem([first, second], [[0, 1]]), [("a0", "a1"), ("b0", "b1")])
    wider = round_problem([first, second], [[0, 1]], between=dt.timedelta(hours=2))
    assert clashes(wider, [("a0", "a1"), ("b0", "b1")]) == [(0, "a0", 1, "b0"), (0, "a1", 1, "b1")]
    with pytest.raises(ProblemError) as caught:
        clashes(case, [("a0", "a1"), ("b0", "nope")])
    assert caught.value.field == "plans[1][1]"


@pytest.mark.parametrize(("change", "field"), [
    ({"groups": (frozenset({0, 2}),)}, "groups[0]"),
    ({"groups": (frozenset({1}),)}, "groups[0]"),
    ({"names": ("only one",)}, "names"),
    ({"between": -HOUR}, "between"),
    ({"between": dt.timedelta(days=1)}, "between"),
    ({"fairness_tolerance": -0.01}, "fairness_tolerance"),
    ({"objective": "loudest"}, "objective"),
    ({"time_limit_s": 0}, "time_limit_s"),
    ({"hints": (("a0",),)}, "hints"),
    ({"hints": (("a0",), ("nope",))}, "hints[1][0]"),
    ({"councils": ()}, "councils"),
])
def test_a_malformed_round_names_the_field(change, field):
    first = problem([slot(0, 9, "a0")], [[1.0]], 1)
    second = problem([slot(0, 9, "b0")], [[1.0]], 1)
    options = {"councils": (first, second), "names": ("a", "b"),
               "groups": (frozenset({0, 1}),), **change}
    with pytest.raises(ProblemError) as caught:
        RoundProblem(**options)  # type: ignore[arg-type]
    assert caught.value.field == field
