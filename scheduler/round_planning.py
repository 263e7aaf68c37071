"""A planning round: councils that share people planned together (MODEL.md), beside the
two baselines — each council alone (blind to the others: the clashes its plans make) and
in turn (each seeing the earlier ones' meetings as busy for its shared people: what the
later councils lose) — and who the joint plan spares a clash."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from calendars import BusyInterval, BusyStatus
from solver import Problem, Solution, solve
from solver.problem import Objective
from solver.progress import READING, ProgressCallback, Reporter
from solver.round import RoundProblem, RoundSolution, clashes, solve_round

from .availability import PlanMap, StatementMap
from .bodies import load_plans
from .calendar_sources import calendar_bytes
from .council import Council
from .persons import Person, shared_people
from .planning import (
    BusyMap,
    Prepared,
    load_busy,
    planning_problem,
    prepare,
    proposal_for,
    reading_window,
)
from .proposal import Proposal
from .round_request import RoundRequest

__all__ = ["RoundPlan", "Sources", "plan_round"]

Sources = Callable[[int], tuple[BusyMap, PlanMap, StatementMap]]
"""Council position -> its members' busy time, bodies' plans and members' statements."""

_BASELINE_SHARE = 0.3  # of the time limit, for the two baselines together
_READING_SHARE = 0.1  # of a round's progress, for reading calendars (the solves: the rest)


@dataclass(frozen=True)
class Outcome:
    """A plan of every council judged on the round's terms."""

    chosen: tuple[tuple[str, ...], ...]
    worst_share: float
    total_expected: float
    clashes: tuple[dict[str, Any], ...]
    per_council: tuple[dict[str, Any], ...]

    def as_json(self, ids: Sequence[str]) -> dict[str, Any]:
        """Its figures as the contract names them."""
        return {"worst_share": round(self.worst_share, 4),
                "total_expected": round(self.total_expected, 4),
                "person_clashes": len(self.clashes), "clashes": list(self.clashes),
                "councils": [{"id": i, **c} for i, c in zip(ids, self.per_council, strict=True)]}


@dataclass(frozen=True)
class RoundPlan:
    """The joint plan of a round with its proposals per council and the baselines."""

    request: RoundRequest
    people: tuple[Person, ...]
    status: str
    proposals: tuple[Proposal, ...] = ()
    joint: Outcome | None = None
    alone: Outcome | None = None
    in_turn: Outcome | None = None
    reason: str | None = None
    reason_key: str | None = None
    reason_values: dict[str, Any] = dataclasses.field(default_factory=dict)
    solve_seconds: float = 0.0
    worst_optimum: float | None = None
    fairness_tolerance: float | None = None

    @property
    def spared(self) -> list[str]:
        """The people a clash of the baselines would have hit, whom the joint plan spares."""
        seen: dict[str, None] = {}
        for outcome in (self.alone, self.in_turn):
            for clash in outcome.clashes if outcome else ():
                seen.setdefault(clash["person"], None)
        return list(seen)

    def as_json(self) -> dict[str, Any]:
        """The ``scheduler round --format json`` document of the contract (and more)."""
        ids = [c.id for c in self.request.councils]
        doc: dict[str, Any] = {
            "status": self.status, "name": self.request.name,
            "between_minutes": int(self.request.between.total_seconds() // 60),
            "shared_people": [{"name": p.name,
                               "councils": [ids[c] for c in sorted(p.councils)]}
                              for p in self.people]}
        if not self.people:
            doc["note"] = "no person sits in two of these councils: each is planned alone"
        if self.reason:
            doc["reason"] = self.reason
            doc["explanation"] = {"key": self.reason_key, "values": self.reason_values}
        doc["councils"] = []
        for i, (entry, proposal) in enumerate(zip(self.request.councils, self.proposals,
                                                  strict=False)):
            found = proposal.as_json()
            k = entry.request.meetings
            doc["councils"].append({
                "id": entry.id, "name": entry.council.name, "meetings_asked": k,
                "meetings": found["meetings"],
                "summary": {"status": found["status"], **found.get("summary", {}),
                            "worst_share": round(min(proposal.per_party.values(), default=0.0)
                                                 / k, 4),
                            "in_turn_position": i + 1}})
        for name in ("joint", "alone", "in_turn"):
            outcome = getattr(self, name)
            if outcome is not None:
                doc[name] = outcome.as_json(ids)
        if self.worst_optimum is not None:
            doc["joint"]["worst_optimum"] = round(self.worst_optimum, 4)
            doc["joint"]["fairness_tolerance"] = self.fairness_tolerance
        doc["spared"] = self.spared
        doc["solve_seconds"] = round(self.solve_seconds, 2)
        return doc


def _file_sources(request: RoundRequest, loader: Callable[[str], bytes]) -> Sources:
    def sources(i: int) -> tuple[BusyMap, PlanMap, StatementMap]:
        entry = request.councils[i]
        start, end = reading_window(entry.council, entry.request)
        busy, _warnings = load_busy(entry.council, start, end, loader)
        plans: PlanMap = {}
        if entry.council.bodies:
            plans, _plan_warnings = load_plans(entry.council, start, end, loader)
        return busy, plans, {}
    return sources


def _outcome(problems: Sequence[Problem], chosen: Sequence[Sequence[str]],
             found: list[dict[str, Any]]) -> Outcome:
    worst, total, per_council = np.inf, 0.0, []
    for problem, plan in zip(problems, chosen, strict=True):
        positions = [problem.index[s] for s in plan]
        sums = problem.presence[:, positions].sum(axis=1)
        share = float(sums.min()) / problem.meetings if sums.size else 0.0
        worst = min(worst, share)
        total += float(sums.sum())
        per_council.append({"worst_share": round(share, 4),
                            "total_expected": round(float(sums.sum()), 4),
                            "dates": [problem.slots[p].start.isoformat() for p in positions]})
    return Outcome(tuple(tuple(c) for c in chosen), float(worst) if chosen else 0.0, total,
                   tuple(found), tuple(per_council))


def _person_clashes(round_problem: RoundProblem, people: Sequence[Person], ids: Sequence[str],
                    chosen: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    found = []
    for c1, s1, c2, s2 in clashes(round_problem, chosen):
        for person in people:
            if {c1, c2} <= person.councils:
                found.append({"person": person.name, "councils": [ids[c1], ids[c2]],
                              "meetings": [s1, s2]})
    return found


def _seen_as_busy(plans: PlanMap, council: Council, people: Sequence[Person], here: int,
                  earlier: Sequence[tuple[int, list[tuple[dt.datetime, dt.datetime]]]],
                  between: dt.timedelta) -> PlanMap:
    """The plans of council ``here`` with the earlier councils' meetings added as busy
    for each member who also sits in those councils."""
    added: dict[tuple[str, int], list[BusyInterval]] = {}
    for person in people:
        mine = [s for s in person.seats if s.council == here]
        if not mine:
            continue
        for other, meetings in earlier:
            if other in person.councils:
                for start, end in meetings:
                    for seat in mine:
                        added.setdefault((seat.party, seat.index), []).append(BusyInterval(
                            start - between, end + between, BusyStatus.BUSY, "round"))
    merged = {key: list(value) for key, value in plans.items()}
    for key, intervals in added.items():
        merged[key] = [*merged.get(key, ()), *intervals]
    return merged


def plan_round(request: RoundRequest, sources: Sources | None = None,
               loader: Callable[[str], bytes] = calendar_bytes,
               progress: ProgressCallback | None = None) -> RoundPlan:
    """The round planned together, with the baselines alone and in turn. ``sources`` gives
    each council's busy time (default: read from the council files' calendars);
    ``progress`` is told of each stage (reading calendars, the baselines, the joint
    solve's stages) and the end."""
    report = Reporter(progress)
    plan = _plan_round(request, sources or _file_sources(request, loader), report)
    if not report.finished:
        report.finish()
    return plan


def _plan_round(request: RoundRequest, read: Sources, report: Reporter) -> RoundPlan:
    started = time.perf_counter()
    ids = [c.id for c in request.councils]
    people = shared_people([(c.id, c.council) for c in request.councils])
    budget = request.time_limit_s
    reading = report.part(0.0, _READING_SHARE, 1.0)
    reading.stage(READING, done=0.0)
    inputs = []
    for i in range(len(request.councils)):
        inputs.append(read(i))
        reading.update(done=(i + 1) / len(request.councils))
    solving = report.part(_READING_SHARE, 1.0, budget)
    solving.stage("baselines: each council alone", done=0.0)
    prepared: list[Prepared] = []
    problems: list[Problem] = []
    for entry, (busy, plans, said) in zip(request.councils, inputs, strict=True):
        ready = prepare(entry.council, entry.request, busy=busy, plans=plans, statements=said)
        if not ready.slots:
            return _infeasible(request, people, "round_council", {
                "council": entry.council.name, "key": "no_candidate_slots"},
                f"{entry.council.name}: no candidate slots in the period", started)
        prepared.append(ready)
        problems.append(dataclasses.replace(
            planning_problem(entry.council, entry.request, ready, budget),
            objective=request.objective, alternatives=0))  # type: ignore[arg-type]
    groups = tuple(dict.fromkeys(p.councils for p in people))
    tolerance = request.fairness_tolerance
    if tolerance is None:  # 0.02 expected meetings of the council that meets most
        tolerance = 0.02 / max(p.meetings for p in problems)
    share = max(1.0, budget * _BASELINE_SHARE / (2 * len(problems)))

    # alone: each council blind to the others
    alone: list[Solution] = []
    for entry, problem in zip(request.councils, problems, strict=True):
        found = solve(dataclasses.replace(problem, time_limit_s=share))
        if found.status == "infeasible":
            return _infeasible(request, people, "round_council", {
                "council": entry.council.name, "key": found.reason_key,
                "values": dict(found.reason_values)},
                f"{entry.council.name}: {found.reason}", started)
        alone.append(found)
    shell = RoundProblem(tuple(problems), tuple(ids), groups, request.between,
                         objective=cast(Objective, request.objective),
                         fairness_tolerance=tolerance, time_limit_s=budget)
    alone_plans = [s.chosen for s in alone]
    alone_outcome = _outcome(problems, alone_plans,
                             _person_clashes(shell, people, ids, alone_plans))

    # in turn: each council sees the earlier ones' meetings as busy for its shared people
    solving.stage("baselines: in turn")
    turn_plans: list[tuple[str, ...]] = []
    earlier: list[tuple[int, list[tuple[dt.datetime, dt.datetime]]]] = []
    for i, (entry, (busy, plans, said)) in enumerate(zip(request.councils, inputs, strict=True)):
        if people and i:
            seen = _seen_as_busy(plans, entry.council, people, i, earlier, request.between)
            again = prepare(entry.council, entry.request, busy=busy, plans=seen, statements=said)
            problem = dataclasses.replace(problems[i], presence=again.available.presence,
                                          time_limit_s=share)
            found = solve(problem)
            plan = found.chosen if found.status != "infeasible" else alone_plans[i]
        else:
            plan = alone_plans[i]
        turn_plans.append(tuple(plan))
        earlier.append((i, [(problems[i].slots[problems[i].index[s]].start,
                             problems[i].slots[problems[i].index[s]].end) for s in plan]))
    turn_outcome = _outcome(problems, turn_plans,
                            _person_clashes(shell, people, ids, turn_plans))

    # together
    hints = tuple(turn_plans) if not turn_outcome.clashes else None
    left = max(1.0, budget - (time.perf_counter() - started))
    joint = solve_round(dataclasses.replace(shell, time_limit_s=left, hints=hints),
                        solving.part(min(0.9, solving.used()), 1.0, left))
    if joint.status == "infeasible":
        return _joint_infeasible(request, people, joint, started, alone_outcome, turn_outcome)
    proposals = tuple(
        proposal_for(entry.council, entry.request, ready, problem, Solution(
            joint.status, chosen, min(per.values(), default=0.0), sum(per.values()), per,
            bound=joint.bound, bound_of=joint.bound_of))
        for entry, ready, problem, chosen, per in zip(
            request.councils, prepared, problems, joint.chosen, joint.per_party, strict=True))
    joint_outcome = _outcome(problems, joint.chosen,
                             _person_clashes(shell, people, ids, joint.chosen))
    return RoundPlan(request, tuple(people), joint.status, proposals, joint_outcome,
                     alone_outcome, turn_outcome, solve_seconds=time.perf_counter() - started,
                     worst_optimum=joint.worst_optimum, fairness_tolerance=tolerance)


def _infeasible(request: RoundRequest, people: Sequence[Person], key: str,
                values: dict[str, Any], reason: str, started: float) -> RoundPlan:
    return RoundPlan(request, tuple(people), "infeasible", reason=reason, reason_key=key,
                     reason_values=values, solve_seconds=time.perf_counter() - started)


def _joint_infeasible(request: RoundRequest, people: Sequence[Person], joint: RoundSolution,
                      started: float, alone: Outcome, in_turn: Outcome) -> RoundPlan:
    """Every council can be planned alone, but not all together: name the councils and
    the people whose separation the rules leave no room for."""
    names = [c.council.name for c in request.councils]
    councils: set[int] = set()
    who: list[str] = []
    for g in joint.groups_at_fault or tuple(range(len(dict.fromkeys(
            p.councils for p in people)))):
        group = list(dict.fromkeys(p.councils for p in people))[g]
        councils |= group
        who += [p.name for p in people if p.councils == group]
    minutes = int(request.between.total_seconds() // 60)
    listed = [names[c] for c in sorted(councils)]
    reason = (f"{', '.join(listed)} share {', '.join(who)}: with at least {minutes} minutes "
              "between their meetings, the councils' own rules cannot all hold")
    plan = _infeasible(request, people, "round_people", {
        "councils": listed, "people": who, "between_minutes": minutes}, reason, started)
    return dataclasses.replace(plan, alone=alone, in_turn=in_turn)
