"""Propose a council's meetings: calendars in, availability, the solver, an explained plan."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import zoneinfo
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from calendars import BusyCalendar, BusyInterval, CalendarError, CalendarFetchError, redact_url
from calendars.batch import CalendarRequest, read_many
from solver import Problem, ProblemError, Slot, Solution, quorum_probability, solve
from solver.progress import READING, ProgressCallback, Reporter

from .availability import BASES, STATUSES, Availability, PlanMap, StatementMap, presence
from .bodies import load_plans
from .calendar_sources import calendar_bytes, calendar_limits, ingest_cache
from .council import Council, Party, PlanningRequest
from .errors import InputError
from .horizon import HISTORY, habits, missing_history, whole_calendar
from .proposal import (
    AlternativeView,
    CalendarView,
    MeetingView,
    MemberView,
    PartyView,
    Proposal,
    coverage,
)
from .proposal_request import check_limits
from .slots import candidate_slots
from .validation import is_calendar_url

__all__ = [
    "BusyMap",
    "Prepared",
    "TimeLimitError",
    "load_busy",
    "member_views",
    "no_slots",
    "planning_problem",
    "prepare",
    "proposal_for",
    "propose",
]

BusyMap = dict[tuple[str, int], Sequence[BusyInterval] | None]
Loader = Callable[[str], bytes]
_READING_SHARE = 0.1  # of a proposal's progress, for reading calendars (the solve: the rest)


def load_busy(council: Council, start: dt.datetime, end: dt.datetime,
              loader: Loader = calendar_bytes,
              deadline: float | None = None,
              progress: Reporter | None = None) -> tuple[BusyMap, list[str]]:
    """Every member's busy intervals over [start, end), with what their horizon and habits
    need from the whole calendar (``horizon.missing_history``, as the service reads its
    stored calendars); warnings for URLs that failed.

    A calendar file that cannot be read is bad input (InputError naming it); a URL
    that cannot be fetched leaves its member unknown, with a warning. Past ``deadline``
    (a ``time.monotonic()`` instant) no further calendar is fetched: TimeLimitError.
    ``progress`` is told the share of the calendars fetched and read.
    """
    report = progress or Reporter(None)
    linked, seen = sum(m.calendar is not None for p in council.parties for m in p.members), 0
    busy: BusyMap = {}
    warnings: list[str] = []
    wanted: list[tuple[tuple[str, int], str, CalendarRequest]] = []
    for party in council.parties:
        for i, member in enumerate(party.members):
            busy[(party.id, i)] = None
            if member.calendar is None:
                continue
            who = f"{member.name} ({party.id})"
            _check_time(deadline, "reading the calendars")
            source = redact_url(member.calendar) if is_calendar_url(member.calendar) \
                else member.calendar
            report.update(done=0.3 * seen / linked)  # fetching; reading them is the rest
            seen += 1
            try:
                data = loader(member.calendar)
            except CalendarFetchError as exc:
                warnings.append(f"{who}: calendar not fetched, counted as unknown: {exc}")
                continue
            except CalendarError as exc:  # an answer that is not a calendar at all
                raise InputError(str(exc), source=source) from None
            wanted.append(((party.id, i), who, CalendarRequest(data, source, member.email)))
    results = read_many([request for _, _, request in wanted], start, end,
                        zone=council.timezone, cache=ingest_cache(), limits=calendar_limits(),
                        read=lambda count: report.update(done=0.3 + 0.6 * count / len(wanted)))
    read: dict[tuple[str, int], BusyCalendar] = {}
    for (key, who, _), result in zip(wanted, results, strict=True):
        if isinstance(result, CalendarError):
            raise InputError(str(result))
        read[key] = result
        warnings += [f"{who}: {w}" for w in result.warnings]
    _check_time(deadline, "reading the calendars")
    whole, history_warnings = _whole_calendars(council, wanted, read, start, end, report)
    busy.update(whole)
    return busy, warnings + history_warnings


def _whole_calendars(council: Council,
                     wanted: Sequence[tuple[tuple[str, int], str, CalendarRequest]],
                     read: dict[tuple[str, int], BusyCalendar], start: dt.datetime,
                     end: dt.datetime, report: Reporter) -> tuple[BusyMap, list[str]]:
    """Each calendar read over [start, end) with its last one-off interval and the half
    year before a horizon earlier than the window (``missing_history``), read in one batch;
    a calendar whose earlier weeks cannot be read keeps what the window holds, warned of."""
    more: list[tuple[tuple[str, int], str, CalendarRequest]] = []
    for key, who, request in wanted:
        member = council.party(key[0]).members[key[1]]
        more += [(key, who, dataclasses.replace(request, window=window))
                 for window in missing_history(read[key].intervals, read[key].last_one_off,
                                               member.horizon, council.timezone, start, end,
                                               beyond=False)]
    results = read_many([request for _, _, request in more], start, end,
                        zone=council.timezone, cache=ingest_cache(), limits=calendar_limits(),
                        read=lambda count: report.update(done=0.9 + 0.1 * count / len(more)))
    found: dict[tuple[str, int], list[BusyInterval]] = {key: [] for key, _, _ in wanted}
    warnings: list[str] = []
    for (key, who, _), result in zip(more, results, strict=True):
        if isinstance(result, CalendarError):
            warnings.append(f"{who}: the half year before where the calendar ends cannot be "
                            f"read ({result.message}); its habits are learned from the weeks "
                            "read for the period")
        else:
            found[key] += result.intervals
    return {key: whole_calendar(read[key].intervals, read[key].last_one_off, found[key])
            for key, _, _ in wanted}, warnings


class TimeLimitError(InputError):
    """The request's time ran out before a plan could be looked for."""


def _check_time(deadline: float | None, doing: str) -> None:
    if deadline is not None and time.monotonic() >= deadline:
        raise TimeLimitError(f"the time limit ran out while {doing}; allow more time "
                             "or ask for a shorter horizon", field="time_limit_s")


def _problem(council: Council, request: PlanningRequest,
             slots: list[tuple[dt.datetime, dt.datetime]], matrix: np.ndarray,
             time_limit_s: float) -> Problem:
    ids = [start.isoformat() for start, _ in slots]
    try:
        return Problem(
            slots=tuple(Slot(i, s, e) for i, (s, e) in zip(ids, slots, strict=True)),
            parties=tuple(p.id for p in council.parties), presence=matrix,
            meetings=request.meetings, objective=request.objective,
            min_gap_days=request.min_gap_days, max_gap_days=request.max_gap_days,
            min_quorum_probability=request.min_quorum_probability,
            time_limit_s=time_limit_s, alternatives=request.alternatives,
            fairness_tolerance=request.fairness_tolerance)
    except ProblemError as exc:
        raise InputError(exc.message, field=exc.field) from None


def period_window(council: Council, request: PlanningRequest) -> tuple[dt.datetime, dt.datetime]:
    """A request's horizon widened by the longest travel and a day at the end."""
    zone = zoneinfo.ZoneInfo(council.timezone)
    widest = max((p.travel for p in council.parties), default=dt.timedelta())
    start = dt.datetime.combine(request.start, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(request.end, dt.time(), tzinfo=zone)
    return start - widest, end + widest + dt.timedelta(days=1)


def reading_window(council: Council, request: PlanningRequest) -> tuple[dt.datetime, dt.datetime]:
    """The window calendars are read over for a request: its period, from half a year
    before, so that a calendar that stops speaking has covered weeks to learn its owner's
    habits from (MODEL.md)."""
    start, end = period_window(council, request)
    return start - HISTORY, end

_QUIET_END = dt.timedelta(days=14)  # a calendar quiet only over the last days is not told of


def calendar_views(council: Council, available: Availability, busy: BusyMap,
                   until: dt.datetime, *, every: bool = False) -> tuple[CalendarView, ...]:
    """What could and could not be seen of each member's calendar: those that stop speaking
    more than two weeks before ``until``, have none, or count a body's plan (``every``: all
    members)."""
    names = {body.id: body.name for body in council.bodies}
    views = []
    for party in council.parties:
        for i, member in enumerate(party.members):
            horizon = available.horizons.get((party.id, i))
            bodies = tuple(names.get(b, b) for b in member.bodies)
            if horizon is None:
                view = CalendarView(party.id, party.name, member.name, member.role, False,
                                    bodies=bodies)
            elif horizon.until is not None and (every or horizon.until < until - _QUIET_END):
                last = horizon.last_day(council.timezone)
                view = CalendarView(
                    party.id, party.name, member.name, member.role, True, last, horizon.declared,
                    len(horizon.weeks), tuple(habits(busy.get((party.id, i)) or (), horizon,
                                                     council.timezone)), bodies)
            elif bodies or every:
                view = CalendarView(party.id, party.name, member.name, member.role, True,
                                    bodies=bodies)
            else:
                continue
            views.append(view)
    return tuple(views)


def early_horizons(council: Council, request: PlanningRequest) -> list[str]:
    """Warnings for declared horizons that end before the planning period starts: every
    date of such a calendar is read from its owner's habits."""
    return [f"{member.name} ({party.id}): the declared horizon {member.horizon:%Y-%m-%d} is "
            "before the planning period; every date is read from the member's habits"
            for party in council.parties for member in party.members
            if member.horizon is not None and member.horizon < request.start]


@dataclass(frozen=True)
class Prepared:
    """A council's candidate slots and who can come to each, ready for the solver."""

    slots: list[tuple[dt.datetime, dt.datetime]]
    available: Availability
    calendars: tuple[CalendarView, ...]
    warnings: tuple[str, ...]


def prepare(council: Council, request: PlanningRequest, loader: Loader = calendar_bytes,
            busy: BusyMap | None = None, deadline: float | None = None,
            plans: PlanMap | None = None, statements: StatementMap | None = None,
            progress: Reporter | None = None) -> Prepared:
    """The candidate slots of the request and each member's and party's chances at them,
    from the calendars (read with ``loader`` unless ``busy`` is given; ``progress`` told
    of the calendars read)."""
    zone = zoneinfo.ZoneInfo(council.timezone)
    slots = candidate_slots(request, council.timezone, council.blackouts)
    warnings: list[str] = []
    if busy is None:
        start, end = reading_window(council, request)
        busy, warnings = load_busy(council, start, end, loader, deadline, progress)
        if plans is None and council.bodies:
            plans, plan_warnings = load_plans(council, start, end, loader)
            warnings += plan_warnings
    _check_time(deadline, "reading the calendars")
    available = presence(council, slots, busy, remote=request.remote, plans=plans,
                         statements=statements)
    calendars = calendar_views(council, available, busy,
                               dt.datetime.combine(request.end, dt.time(), tzinfo=zone))
    warnings += early_horizons(council, request)
    return Prepared(slots, available, tuple(calendars), tuple(warnings))


def no_slots(council: Council, request: PlanningRequest, prepared: Prepared) -> Proposal:
    """The answer when the request leaves no candidate slot at all."""
    return Proposal(council.name, "infeasible", request.objective,
                    reason="no candidate slots: every day of the horizon is a weekend, "
                    "holiday or blackout, or the times leave no room for the meeting",
                    warnings=prepared.warnings, reason_key="no_candidate_slots",
                    calendars=prepared.calendars)


def planning_problem(council: Council, request: PlanningRequest, prepared: Prepared,
                     time_limit_s: float) -> Problem:
    """The solver's problem for a prepared council."""
    return _problem(council, request, prepared.slots, prepared.available.presence, time_limit_s)


def propose(council: Council, request: PlanningRequest, loader: Loader = calendar_bytes,
            busy: BusyMap | None = None, deadline: float | None = None,
            plans: PlanMap | None = None, statements: StatementMap | None = None,
            progress: ProgressCallback | None = None) -> Proposal:
    """The best meetings for the request, explained per meeting, party and member.

    ``statements``: what members said themselves (absences, answers), over calendars.
    ``progress`` is told of each stage (reading calendars, the solver's stages) and the
    end, with the solver's best value, bound and gap.

    ``deadline`` (a ``time.monotonic()`` instant; default: the request's time limit
    from now) bounds the whole proposal: reading calendars, availability and solving.
    The solver gets the time that is left; a stage it cannot finish gives the best
    plan found so far, and no time left before solving is a TimeLimitError.
    """
    if deadline is None:
        deadline = time.monotonic() + request.time_limit_s
    check_limits(request)
    report = Reporter(progress)
    reading = report.part(0.0, _READING_SHARE, 1.0)
    reading.stage(READING, done=0.0)
    prepared = prepare(council, request, loader, busy, deadline, plans, statements, reading)
    if not prepared.slots:
        report.finish()
        return no_slots(council, request, prepared)
    _check_time(deadline, "working out who can attend")
    problem = planning_problem(council, request, prepared,
                               min(request.time_limit_s, deadline - time.monotonic()))
    solving = report.part(_READING_SHARE, 1.0, problem.time_limit_s)
    solution = solve(problem, solving) if solving.active else solve(problem)
    return proposal_for(council, request, prepared, problem, solution)


def proposal_for(council: Council, request: PlanningRequest, prepared: Prepared,
                 problem: Problem, solution: Solution) -> Proposal:
    """A solution of a prepared council as a proposal, explained per meeting, party and
    member."""
    slots, available, calendars = prepared.slots, prepared.available, prepared.calendars
    warnings = prepared.warnings
    if solution.status == "infeasible":
        return Proposal(council.name, "infeasible", request.objective, reason=solution.reason,
                        warnings=tuple(warnings), solve_seconds=solution.solve_seconds,
                        slots_considered=len(slots), reason_key=solution.reason_key,
                        reason_values=dict(solution.reason_values), calendars=calendars)
    quorum = quorum_probability(available.presence, problem.quorum_size)
    expected = available.presence.sum(axis=0)
    days: dict[str, float] = {}
    for (start, _), value in zip(slots, expected.tolist(), strict=True):
        key = start.date().isoformat()
        days[key] = max(days.get(key, 0.0), value)
    meetings = tuple(_meeting(council, problem, available, quorum, solution_id, solution)
                     for solution_id in solution.chosen)
    other = solution.attendance_optimum
    return Proposal(
        council.name, solution.status, request.objective, meetings,
        solution.total_expected, solution.worst_party_expected, solution.per_party,
        attendance_total=other.total_expected if other else None,
        attendance_worst=other.worst_party_expected if other else None,
        attendance_per_party=dict(other.per_party) if other else {},
        warnings=tuple(warnings), solve_seconds=solution.solve_seconds,
        slots_considered=len(slots), days=days, calendars=calendars,
        worst_optimum=solution.worst_optimum, fairness_tolerance=solution.fairness_tolerance)


def member_views(party: Party, available: Availability, column: int,
                 notices: Collection[tuple[str, int]] = ()) -> tuple[MemberView, ...]:
    """Each member of ``party`` at slot ``column`` of ``available``: status, probability
    (0 for a notice of absence), what it came from, the last day their calendar speaks of
    and what their habits say. The proposal, the chair's report and every other view of a
    meeting read members by this one function."""
    views = []
    for i, member in enumerate(party.members):
        key = (party.id, i)
        probability = float(available.probability[key][column])
        basis = BASES[int(available.basis[key][column])]
        horizon = available.horizons.get(key)
        ends = horizon.last_day(available.zone) if horizon is not None else None
        reliability = available.reliability.get(key)
        habit = probability / reliability if basis == "pattern" and reliability else None
        views.append(MemberView(member.name, member.role,
                                STATUSES[int(available.status[key][column])],
                                0.0 if key in notices else probability, notice=key in notices,
                                basis=basis, calendar_ends=ends, habit=habit))
    return tuple(views)


def _meeting(council: Council, problem: Problem, available: Availability, quorum: np.ndarray,
             slot_id: str, solution: object) -> MeetingView:
    index = problem.index[slot_id]
    slot = problem.slots[index]
    parties = []
    for p, party in enumerate(council.parties):
        members = member_views(party, available, index)
        covered_by, why = coverage(members)
        parties.append(PartyView(party.id, party.name, float(available.presence[p, index]),
                                 members, covered_by, why))
    options = getattr(solution, "alternatives", {}).get(slot_id, ())
    alternatives = tuple(AlternativeView(problem.slots[problem.index[a.slot]].start,
                                         problem.slots[problem.index[a.slot]].end,
                                         a.worst_change, a.total_change) for a in options)
    return MeetingView(slot.start, slot.end, float(available.presence[:, index].sum()),
                       float(quorum[index]), tuple(parties), alternatives)

