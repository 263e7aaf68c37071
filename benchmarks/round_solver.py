"""A planning round: the region's councils that share politicians, planned together.

Presence follows MODEL.md from generated calendars (members busy whole days or in 1-3 h
blocks, a board afternoon every other week, four weeks of summer), as the solver
benchmark makes them; a shared person has one calendar, seen by every council they sit
in. Reported: time to a proven optimum (or the gap when stopped), and the joint plan
beside the two baselines of MODEL.md: *alone* (each council by itself: the clashes it
makes) and *in turn* (each council seeing the earlier councils' meetings as busy for
its shared people: what the later councils lose).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
import sys
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from solver import Problem, RoundProblem, RoundSolution, Slot, clashes, solve, solve_round

from .common import report
from .solver_instances import ZONE, member_calendar_q, weekday_slots

BUSY = 0.05
Seat = tuple[int, float]  # a person and their reliability


@dataclasses.dataclass
class Region:
    """The round, and what it was made of: who sits where, and their calendars."""

    round: RoundProblem
    seats: list[list[list[Seat]]]  # council -> party -> members
    calendars: dict[int, npt.NDArray[np.float64]]  # person -> q per slot
    shared: set[int]  # people in more than one council


def presence(parties: list[list[Seat]], calendars: dict[int, npt.NDArray[np.float64]],
             shared: set[int], busy: npt.NDArray[np.bool_] | None = None
             ) -> npt.NDArray[np.float64]:
    """Parties x slots of one council; ``busy`` marks slots where shared people are busy."""
    slots = next(iter(calendars.values())).size
    matrix = np.empty((len(parties), slots))
    for p, members in enumerate(parties):
        absent = np.ones(slots)
        for person, reliability in members:
            q = calendars[person]
            if busy is not None and person in shared:
                q = np.where(busy, np.minimum(q, BUSY), q)
            absent *= 1 - reliability * q
        matrix[p] = 1 - absent
    return matrix


def region(*, councils: int = 5, parties: int = 13, members: int = 2, shared: int = 20,
           meetings: tuple[int, ...] = (6, 4, 5, 4, 6), days: int = 364, step: int = 30,
           seed: int = 1, time_limit: float = 30.0, noise: bool = False) -> Region:
    """The region's round: ``councils`` councils of ``parties`` parties, ``members`` a party,
    ``shared`` people each in 2-5 councils; a year of weekdays, 3-hour meetings 09-16.
    ``noise``: every person's q drawn uniformly per slot instead (no structure: the worst
    case)."""
    rng = np.random.default_rng(seed)
    slots = weekday_slots(dt.date(2027, 1, 4), days, step, duration_minutes=180,
                          last_start=dt.time(13))
    origin = dt.datetime.combine(slots[0].day, dt.time(), tzinfo=ZONE)
    start = np.array([(s.start - origin).total_seconds() / 3600 for s in slots])
    end = np.array([(s.end - origin).total_seconds() / 3600 for s in slots])
    n_days = int(start.max() // 24) + 2
    places = {c: [(p, m) for p in range(parties) for m in range(members)] for c in range(councils)}
    for spots in places.values():
        rng.shuffle(spots)
    seats: list[list[list[Seat]]] = [[[] for _ in range(parties)] for _ in range(councils)]
    person = 0
    groups: set[frozenset[int]] = set()
    shared_people: set[int] = set()
    for _ in range(shared):
        open_councils = [c for c in range(councils) if places[c]]
        if len(open_councils) < 2:
            break  # every seat of all but one council is taken
        size = int(rng.integers(2, min(5, len(open_councils)) + 1))
        sits = sorted(int(c) for c in rng.choice(open_councils, size=size, replace=False))
        reliability = float(rng.choice([0.95, 0.9, 0.8]))
        for c in sits:
            p, _m = places[c].pop()
            seats[c][p].append((person, reliability))
        groups.add(frozenset(sits))
        shared_people.add(person)
        person += 1
    for c in range(councils):
        for p, _m in places[c]:
            seats[c][p].append((person, float(rng.choice([0.95, 0.9, 0.8]))))
            person += 1
    calendars = {i: rng.uniform(0, 1, start.size) if noise
                 else member_calendar_q(rng, start, end, n_days) for i in range(person)}
    problems = []
    for c in range(councils):
        k = meetings[c % len(meetings)]
        problems.append(Problem(tuple(slots), tuple(f"c{c}p{p:02d}" for p in range(parties)),
                                presence(seats[c], calendars, shared_people), k,
                                min_gap_days=min(42, 250 // k), time_limit_s=time_limit,
                                alternatives=0))
    round_ = RoundProblem(tuple(problems), tuple(f"council {c}" for c in range(councils)),
                          tuple(sorted(groups, key=sorted)), time_limit_s=time_limit)
    return Region(round_, seats, calendars, shared_people)


def _near(slots: tuple[Slot, ...], chosen: list[Slot], between: dt.timedelta
          ) -> npt.NDArray[np.bool_]:
    """Slots that come closer than ``between`` to any chosen meeting."""
    return np.array([any(s.start < m.end + between and m.start < s.end + between for m in chosen)
                     for s in slots], dtype=bool)


def _shares(problem: Problem, chosen: tuple[str, ...]) -> tuple[float, float]:
    sums = problem.presence[:, [problem.index[s] for s in chosen]].sum(axis=1)
    return float(sums.min()) / problem.meetings, float(sums.sum())


def baselines(reg: Region, found: RoundSolution) -> dict[str, Any]:
    """Alone and in turn beside the joint plan: clashes, worst share, total per council;
    what the later councils lose in turn against their plans alone; what the joint plan
    gains over planning in turn."""
    round_ = reg.round
    alone = [solve(c) for c in round_.councils]
    turn: list[tuple[str, ...]] = []
    held: dict[int, list[Slot]] = {}
    for c, council in enumerate(round_.councils):
        partners = [o for g in round_.groups if c in g for o in g if o < c]
        earlier = [m for o in sorted(set(partners)) for m in held.get(o, [])]
        busy = _near(council.slots, earlier, round_.between)
        seen = dataclasses.replace(council, presence=presence(reg.seats[c], reg.calendars,
                                                              reg.shared, busy))
        plan = solve(seen)
        turn.append(plan.chosen)
        held[c] = [council.slots[council.index[s]] for s in plan.chosen]

    def describe(plans: list[tuple[str, ...]]) -> dict[str, Any]:
        values = [_shares(p, chosen) for p, chosen in zip(round_.councils, plans, strict=True)]
        return {"clashes": len(clashes(round_, plans)),
                "worst_share": round(min(v[0] for v in values), 4),
                "total_expected": round(sum(v[1] for v in values), 3),
                "per_council_worst_share": [round(v[0], 4) for v in values],
                "per_council_total": [round(v[1], 3) for v in values]}

    joint = describe(list(found.chosen))
    by_itself = describe([a.chosen for a in alone])
    in_turn = describe(turn)
    later = slice(1, None)
    in_turn["later_councils_lose_total_vs_alone"] = round(
        sum(by_itself["per_council_total"][later]) - sum(in_turn["per_council_total"][later]), 3)
    in_turn["later_councils_lose_worst_share_vs_alone"] = round(
        min(by_itself["per_council_worst_share"][later])
        - min(in_turn["per_council_worst_share"][later]), 4)
    joint["gain_over_in_turn"] = {
        "worst_share": round(joint["worst_share"] - in_turn["worst_share"], 4),
        "total_expected": round(joint["total_expected"] - in_turn["total_expected"], 3)}
    return {"joint": joint, "alone": by_itself, "in_turn": in_turn}


def _one(reg: Region) -> dict[str, Any]:
    started = time.perf_counter()
    found = solve_round(reg.round)
    seconds = time.perf_counter() - started
    gap = None
    if found.bound is not None:
        value = found.worst_share if found.bound_of == "worst_share" else found.total_expected
        gap = round((found.bound - value) / found.bound * 100, 3) if found.bound else None
    return {"councils": len(reg.round.councils), "parties": len(reg.round.councils[0].parties),
            "meetings": [c.meetings for c in reg.round.councils],
            "slots_per_council": len(reg.round.councils[0].slots),
            "groups": len(reg.round.groups), "status": found.status,
            "seconds": round(seconds, 2), "gap_percent": gap, "bound_of": found.bound_of,
            "worst_share": round(found.worst_share, 4),
            "total_expected": round(found.total_expected, 3)}


def run(quick: bool = False) -> dict[str, Any]:
    """Measure and return the figures."""
    figures: dict[str, Any] = {}
    limit = 10.0 if quick else 30.0
    headline = region(time_limit=limit)
    runs = []
    found = None
    for _ in range(1 if quick else 3):
        started = time.perf_counter()
        found = solve_round(headline.round)
        runs.append(time.perf_counter() - started)
    assert found is not None
    figures["region_round"] = {
        **_one(headline), "median_seconds": round(statistics.median(runs), 2),
        "runs": len(runs), "shared_people": len(headline.shared),
        "goal": "proven optimal in under 30 s on 2 cores",
        "bound": found.bound, "worst_optimum": found.worst_optimum,
        "versus": baselines(headline, found)}
    figures["region_round_seeds"] = _seeds(range(1, 4 if quick else 11), limit)
    table = []
    sizes = [(2, 13, (4, 5), 8), (3, 13, (4, 5, 6), 12), (5, 13, (4, 5), 20),
             (5, 13, (6, 4, 5, 4, 6), 20)]
    if not quick:
        sizes += [(5, 13, (6, 4, 5, 4, 6), 60), (8, 13, (6, 4, 5, 4, 6), 32),
                  (13, 13, (4, 5, 6), 52), (5, 25, (6, 4, 5, 4, 6), 20),
                  (5, 13, (8, 10, 12), 20)]
    for councils, parties, meetings, shared in sizes:
        reg = region(councils=councils, parties=parties, meetings=meetings,
                     shared=shared, time_limit=limit, seed=2)
        table.append({**_one(reg), "shared_people": len(reg.shared)})
    noise = region(time_limit=limit, seed=2, noise=True)
    table.append({**_one(noise), "shared_people": len(noise.shared), "presence": "noise"})
    figures["scale"] = table
    figures["demo_round"] = demo_round(runs=1 if quick else 3)
    return figures


def demo_round(runs: int = 3, year: int = 2027) -> dict[str, Any]:
    """The demo round (``scheduler demo --round``: the region's five cooperation councils
    with realistic calendars) planned as the CLI plans it: status and seconds, median of
    ``runs``, and the joint solve's gap when a stage was stopped."""
    import tempfile

    from scheduler import round_planning
    from scheduler.demo_round import write_round_demo
    from scheduler.round_request import load_round

    joint: list[RoundSolution] = []
    planning: Any = round_planning  # its joint solve is recorded for the gap
    solve_joint = planning.solve_round

    def recorded(problem: RoundProblem) -> RoundSolution:
        found: RoundSolution = solve_joint(problem)
        joint.append(found)
        return found

    seconds: list[float] = []
    statuses: list[str] = []
    with tempfile.TemporaryDirectory() as directory:
        request = load_round(write_round_demo(directory, year))
        planning.solve_round = recorded
        try:
            for _ in range(runs):
                started = time.perf_counter()
                planned = round_planning.plan_round(request)
                seconds.append(time.perf_counter() - started)
                statuses.append(planned.status)
        finally:
            planning.solve_round = solve_joint
    last = joint[-1]
    gap = None
    if last.bound is not None and last.bound:
        value = last.worst_share if last.bound_of == "worst_share" else last.total_expected
        gap = round((last.bound - value) / last.bound * 100, 3)
    return {"status": statuses[-1], "statuses": statuses,
            "median_seconds": round(statistics.median(seconds), 2),
            "seconds": [round(s, 2) for s in seconds],
            "joint_seconds": [round(j.solve_seconds, 2) for j in joint],
            "gap_percent": gap, "bound_of": last.bound_of,
            "worst_optimum": last.worst_optimum, "worst_share": round(last.worst_share, 5),
            "total_expected": round(last.total_expected, 3),
            "goal": "proven optimal in under 30 s on 2 cores"}


def _seeds(seeds: range, limit: float) -> dict[str, Any]:
    """The region's round on other generated calendars: proven share and median time."""
    runs = [_one(region(time_limit=limit, seed=seed)) for seed in seeds]
    return {"seeds": len(runs), "proven_optimal": sum(r["status"] == "optimal" for r in runs),
            "median_seconds": round(statistics.median(r["seconds"] for r in runs), 2),
            "max_seconds": max(r["seconds"] for r in runs),
            "worst_gap_percent": max((r["gap_percent"] or 0.0) for r in runs)}


def main() -> None:
    """Run, print and write the figures."""
    report("round_solver", run(quick="--quick" in sys.argv))


if __name__ == "__main__":
    main()
