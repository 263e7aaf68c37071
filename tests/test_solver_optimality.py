"""The solver against brute force on random small instances, both objectives, all rules."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import Period, solve, violations

from .solver_helpers import DAY0, brute_force, floor_of, key, problem, slot, worst_of

PROBABILITIES = st.sampled_from([0.0, 0.05, 0.3, 0.475, 0.5, 0.7, 0.95, 0.9975, 1.0])
TOLERANCES = st.sampled_from([0.0, 0.02, 0.1, 0.5])


@st.composite
def instances(draw: st.DrawFn):
    n_slots = draw(st.integers(2, 8))
    days = draw(st.lists(st.integers(0, 20), min_size=n_slots, max_size=n_slots))
    hours = draw(st.lists(st.sampled_from([9, 13]), min_size=n_slots, max_size=n_slots))
    prefs = draw(st.lists(st.integers(0, 2), min_size=n_slots, max_size=n_slots))
    unique = {(d, h): slot(d, h, preference=p)
              for d, h, p in zip(days, hours, prefs, strict=True)}
    slots = list(unique.values())
    n_parties = draw(st.integers(1, 4))
    presence = [[draw(PROBABILITIES) for _ in slots] for _ in range(n_parties)]
    meetings = draw(st.integers(1, min(3, len(slots))))
    rules: dict[str, object] = {
        "objective": draw(st.sampled_from(["fair", "attendance"])),
        "min_gap_days": draw(st.integers(0, 6)),
        "alternatives": 0,
        "fairness_tolerance": draw(TOLERANCES),
    }
    if draw(st.booleans()):
        rules["max_gap_days"] = draw(st.integers(max(1, int(rules["min_gap_days"])), 14))  # type: ignore[call-overload]
    if draw(st.booleans()):
        start = draw(st.integers(0, 15))
        length = draw(st.integers(1, 10))
        rules["periods"] = (Period(DAY0 + dt.timedelta(days=start),
                                   DAY0 + dt.timedelta(days=start + length),
                                   draw(st.integers(0, meetings))),)
    if draw(st.booleans()):
        rules["fixed"] = (draw(st.sampled_from(slots)).id,)
    if draw(st.booleans()):
        rules["min_quorum_probability"] = draw(st.sampled_from([0.1, 0.5, 0.9]))
    return problem(slots, presence, meetings, **rules)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solver_matches_brute_force_on_small_instances(case):
    best = brute_force(case)
    found = solve(case)
    if best is None:
        assert found.status == "infeasible", found
        assert found.reason
        return
    assert found.status == "optimal"
    assert violations(case, found.chosen) == []
    assert key(case, found.chosen) == best
    if case.objective == "fair":
        assert worst_of(case, found.chosen) >= floor_of(case)


@st.composite
def wider_instances(draw: st.DrawFn):
    """More slots, parties and meetings: exercises the pruning bounds and lazy rows."""
    n_slots = draw(st.integers(6, 12))
    days = draw(st.lists(st.integers(0, 40), min_size=n_slots, max_size=n_slots, unique=True))
    slots = [slot(d) for d in days]
    n_parties = draw(st.integers(2, 6))
    presence = [[draw(PROBABILITIES) for _ in slots] for _ in range(n_parties)]
    return problem(slots, presence, draw(st.integers(2, 4)),
                   objective=draw(st.sampled_from(["fair", "attendance"])),
                   min_gap_days=draw(st.integers(0, 10)), alternatives=0,
                   fairness_tolerance=draw(TOLERANCES))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wider_instances())
def test_solver_matches_brute_force_on_wider_instances(case):
    best = brute_force(case)
    found = solve(case)
    assert (found.status == "infeasible") == (best is None)
    if best is not None:
        assert key(case, found.chosen) == best
        if case.objective == "fair":
            assert worst_of(case, found.chosen) >= floor_of(case)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_fair_mode_reports_the_attendance_optimum_it_gave_up(case):
    if case.objective != "fair" or brute_force(case) is None:
        return
    found = solve(case)
    other = found.attendance_optimum
    assert other is not None and other.status == "optimal"
    assert other.total_expected >= found.total_expected - 1e-9
    # the worst-off party keeps within the tolerance of what the attendance plan gives it
    assert found.worst_party_expected >= other.worst_party_expected - case.fairness_tolerance - 1e-9
