"""Several councils that share people, planned together (a round).

MODEL.md, "Several councils planned together": each council keeps its own slots,
meetings and rules; two chosen meetings of different councils that share a person
leave at least ``between`` from the end of one to the start of the other. ``fair``
maximises the worst (council, party) share of its council's meetings, then the total
over councils (expected party-meetings), then preferred and earlier slots;
``attendance`` the total, then the same tie-breaks.

Shares are compared exactly in integers: council c's scaled presence times L / k_c, L
the least common multiple of the councils' meeting counts, so a share of 1 is
``SCALE * L`` units.

How a round is solved (measured on the region's round, benchmarks/round_solver.py):

1. each council alone by ``solve``: its reason when it has no plan, its plan, and
   bounds of its worst share and total (the round can do no better);
2. a first plan: the caller's hints when valid, the councils' own plans when they do
   not clash, otherwise the councils planned in turn;
3. the worst share by probes on a floor t: is there a plan whose every share reaches
   t? Only slots that can be in such a plan are kept (``reduce.bound_prune``), and
   each council's plans are searched depth first with each party's best completion as
   the bound (``round_picks.Picks``), then together (``round_search.joint_plan``). Found, the floor rises;
   proven empty, the bound falls. On realistic presence a probe takes milliseconds
   where CP-SAT took seconds to find the same plan, and its linear bound (shared by
   all plans near the optimum) proved nothing within 30 s;
4. the total, then the tie-break: each council's best total under the floor bounds
   the round's; every council's plans near that bound are listed and searched
   together by branch and bound (``round_search.best_together``); CP-SAT over one model of all
   councils (``round_model.RoundModel``, separation as cliques) when the plans are too many;
5. why there is no plan: a council alone (``solve``'s reason), or the groups whose
   separation cannot hold, by CP-SAT's assumptions (``round_diagnose.groups_at_fault``).
"""
from __future__ import annotations

import math
import time

from .problem import SCALE
from .progress import ProgressCallback, Reporter, as_reporter, final_values, stage_name
from .round_context import PROBE_SHARE, OutOfTime, Plan, RoundContext, seconds_left
from .round_councils import Alone, CouncilBest, council_alone, council_best, in_turn, repaired
from .round_diagnose import infeasible, why_not_together
from .round_model import RoundModel
from .round_picks import Picks
from .round_problem import RoundProblem, RoundSolution, clashes
from .round_reduce import reduce_round
from .round_search import best_together, joint_plan

__all__ = ["RoundProblem", "RoundSolution", "clashes", "solve_round"]

_ALONE_SHARE = 0.3  # of the time limit, for the councils solved alone
_ALONE_MAX_SHARE = 0.02  # of the time limit (at least half a second), for one council alone
_TURN_SHARE = 0.1  # of the time limit, for the councils planned in turn
_STEP_SHARE = 0.1  # of the time left, for one council planned while others are held
_WORST_SHARE = 0.7  # of the time left, for the worst share (the later stages are quick)
_LIST_UP_TO = 300  # plans listed per council in a probe; more: the council is searched last
_BEST_UP_TO = 2000  # plans listed per council for the total; more: CP-SAT decides instead
_FIRST_PROBE_S = 2.0  # at most, for the worst share's first probe (just above the plan in hand)
_FIRST_GAP = 0.25  # party-meetings below the bound of the total, for the first search together


def solve_round(problem: RoundProblem,
                progress: ProgressCallback | Reporter | None = None) -> RoundSolution:
    """The best plans for all councils of the round together, with how they were proven,
    or why there are none (a council alone, or the groups whose separation cannot hold).

    Keeps to ``problem.time_limit_s``; a stage stopped by it keeps the best plan found,
    with the stage's bound. ``progress`` is told of each stage and the end.
    """
    report = as_reporter(progress, problem.time_limit_s)
    solution = _solve_round(problem, report)
    bound, best = final_values(solution)
    report.finish(bound=bound, best=best)
    return solution


def _solve_round(problem: RoundProblem, report: Reporter) -> RoundSolution:
    report.stage("councils alone")
    started = time.perf_counter()
    ctx = RoundContext(problem)
    n = len(problem.councils)
    alone: list[Alone] = []
    until = started + _ALONE_SHARE * problem.time_limit_s
    most = max(0.5, _ALONE_MAX_SHARE * problem.time_limit_s)
    for c in range(n):
        found = council_alone(ctx, c, min(most, max(0.0, until - time.perf_counter()) / (n - c)))
        solution = found.solution
        if solution.status == "infeasible" and solution.reason_key != "no_plan_in_time":
            return infeasible(started, f"{problem.names[c]}: {solution.reason}",
                               solution.reason_key or "unknown",
                               {**solution.reason_values, "council": problem.names[c]}, council=c)
        alone.append(found)
    reduce_round(ctx)
    search = _Search(ctx, alone, started)
    search.report = report
    return search.run()


class _Search:
    """The round's stages over all councils, after each council was solved alone."""

    def __init__(self, ctx: RoundContext, alone: list[Alone], started: float):
        self.ctx = ctx
        self.alone = alone
        self.started = started
        self.deadline = started + ctx.problem.time_limit_s
        self.totals = [a.total_upper for a in alone]
        self.candidates: list[Plan] = []
        self.hint: Plan | None = None
        self.proven = True
        self.bound: float | None = None
        self.bound_of: str | None = None
        self.worst_upper = 0  # fair: the proven bound of the worst share, once stage 1 ran
        self.report = Reporter(None)

    def first_plans(self) -> None:
        """The caller's hints when valid; the councils' own plans when they do not clash,
        otherwise the councils planned in turn (the most constrained first)."""
        ctx, problem = self.ctx, self.ctx.problem
        if problem.hints is not None:
            self.hint = ctx.positions(problem.hints)
            if ctx.valid(self.hint):
                self.candidates.append(ctx.lift(self.hint))
        own = [ctx.lift_one(c, a.plan) if a.plan is not None else None
               for c, a in enumerate(self.alone)]
        union = [p for p in own if p is not None]
        if len(union) == len(own) and ctx.valid(union):
            self.candidates.append(union)
            return
        order = sorted(range(len(own)), key=lambda c: self.alone[c].worst_upper) \
            if ctx.fair else list(range(len(own)))
        until = time.perf_counter() + _TURN_SHARE * problem.time_limit_s
        turn = in_turn(ctx, order, own, [a.worst_upper for a in self.alone], until)
        if turn is not None and ctx.valid(turn):
            self.candidates.append(turn)

    def stopped(self, name: str, bound: float) -> None:
        """A stage was stopped by the time limit; keep the bound of the first such stage."""
        if self.proven:
            self.bound, self.bound_of = bound, name
        self.proven = False

    def run(self) -> RoundSolution:
        """Every stage, each proven at once when a plan reaches its bound."""
        ctx, started, deadline = self.ctx, self.started, self.deadline
        n = len(ctx.councils)
        self.first_plans()
        best = max(self.candidates, key=ctx.key) if self.candidates else None
        worst_optimum: int | None = None
        floor: int | None = None
        if ctx.fair:  # stage 1: the worst (council, party) share
            outcome = self.worst_stage(best)
            if isinstance(outcome, RoundSolution):
                return outcome
            best = outcome
            worst_optimum = ctx.worst(best)
            floor = worst_optimum - ctx.tolerance
        # stage 2: the total; each council's best under the floor bounds it and may witness it
        self.report.stage(stage_name(ctx.problem.objective, "total_expected"))
        per_council = [self.council_best(c, floor, best) for c in range(n)]
        witness: Plan | None = None
        if all(b.plan is not None for b in per_council):
            witness = [b.plan for b in per_council if b.plan is not None]
            if not ctx.valid(witness):
                until = time.perf_counter() + seconds_left(deadline, 0.2)
                witness = repaired(ctx, witness, floor, until)
        if witness is not None and ctx.valid(witness) and (floor is None
                                                           or ctx.worst(witness) >= floor):
            self.candidates.append(witness)
        held = [p for p in [*self.candidates, *([best] if best else [])]
                if floor is None or ctx.worst(p) >= floor]
        best = max(held, key=lambda p: ctx.key(p)[-2:]) if held else best
        uppers = [b.total_upper if b.total_upper is not None else t
                  for b, t in zip(per_council, self.totals, strict=True)]
        total_upper = sum(uppers)
        proven_upper = total_upper  # no plan has a greater total
        if best is not None:  # every council's plans near its best total, searched together
            best, proven_upper, done = self.together(floor, uppers, best)
            if done:
                return self.answer(best, worst_optimum)
        needed = None  # each council's least total in a plan that reaches the best total
        if best is not None:
            needed = [ctx.key(best)[-2] - total_upper + u for u in uppers]
        joint = RoundModel(ctx, range(n), floor=floor, totals=needed)
        if floor is not None:
            joint.bound_worst(floor, self.worst_upper)
        total = joint.expression("total")
        joint.model.add(total <= proven_upper)
        if best is None or ctx.key(best)[-2] < proven_upper:
            stage = joint.maximise(total, seconds_left(deadline, 0.7), best or self.hint,
                                   proven_upper)
            if stage.infeasible:
                return why_not_together(ctx, started, deadline)
            if stage.plan is not None and (best is None or ctx.key(stage.plan)[-2:]
                                           > ctx.key(best)[-2:]):
                best = stage.plan
            if best is None:
                return infeasible(started, "no plan was found within the time limit",
                                   "no_plan_in_time", {})
            if not stage.proven:
                self.stopped("total_expected", (stage.bound or proven_upper) / SCALE)
        # stage 3: preferred, then earlier slots, with the total held
        best_total = ctx.key(best)[-2]
        self.report.stage(stage_name(ctx.problem.objective, "tie_break"))
        joint.model.add(total >= best_total)
        tie_upper = None
        if best_total == total_upper and all(b.total_upper is not None for b in per_council):
            ties = [self.council_tie(c, floor, b, best) for c, b in enumerate(per_council)]
            if all(t is not None for t in ties):
                tie_upper = sum(t for t in ties if t is not None)
        if tie_upper is None or ctx.key(best)[-1] < tie_upper:
            stage = joint.maximise(joint.expression("tie"), seconds_left(deadline, 1.0), best,
                                   tie_upper)
            if stage.plan is not None and ctx.key(stage.plan)[-2:] > ctx.key(best)[-2:]:
                best = stage.plan
            self.proven &= stage.proven
        return self.answer(best, worst_optimum)

    def together(self, floor: int | None, uppers: list[int], best: Plan
                 ) -> tuple[Plan, int, bool]:
        """The best total (then tie-break) by branch and bound over every council's plans
        near its bound: the best plan, the proven upper bound of the total, and whether
        the plan is proven best.

        A plan whose total reaches U - g (U the sum of the councils' bounds u_c) gives
        every council at least u_c - g, so the search over those plans finds it when it
        exists. The gap g starts small (few plans to list) and doubles until a plan
        reaches U - g, which is then the best, or until g covers the plan in hand (the
        search then proves it). Each gap searched in vain lowers the bound below U - g;
        too many plans, or the time out, leave the rest to CP-SAT.
        """
        ctx = self.ctx
        total_upper = proven_upper = sum(uppers)
        full = total_upper - ctx.key(best)[-2]
        gap = max(1, min(full, round(SCALE * _FIRST_GAP)))
        until = time.perf_counter() + seconds_left(self.deadline, 0.5)
        while True:
            try:
                picks = {c: Picks(ctx, c, floor, u - gap) for c, u in enumerate(uppers)}
                found = best_together(ctx, picks, best, until, _BEST_UP_TO)
            except OutOfTime:
                return best, proven_upper, False
            if ctx.key(found)[-2:] > ctx.key(best)[-2:]:
                best = found
            if ctx.key(best)[-2] >= total_upper - gap:
                return best, proven_upper, True
            proven_upper = min(proven_upper, total_upper - gap - 1)
            full = total_upper - ctx.key(best)[-2]
            gap = min(full, 2 * gap)

    def worst_stage(self, best: Plan | None) -> Plan | RoundSolution:
        """The best worst share, by probes: is there a plan whose every share reaches t?

        Each probe searches the councils' plans exhaustively (``joint_plan``); a plan
        found raises the floor, a search that ends without one lowers the bound. The
        first probe is just above the plan in hand (a proof at once when it is best),
        then the probes halve the range until they meet, or until the stage's time is
        out (the bound then stays with the plan).
        """
        ctx = self.ctx
        until = time.perf_counter() + seconds_left(self.deadline, _WORST_SHARE)
        upper = min(a.worst_upper for a in self.alone)
        low = ctx.worst(best) if best is not None else -1
        ceiling = upper  # the highest floor worth a probe
        first = best is not None  # first just above the plan in hand: often a proof at once
        self.report.stage(stage_name("fair", "worst_share"), bound=upper / ctx.unit,
                          best=max(low, 0) / ctx.unit)
        while low < ceiling and time.perf_counter() < until:
            self.report.update(bound=upper / ctx.unit, best=max(low, 0) / ctx.unit)
            floor = low + 1 if first else (low + 1 + ceiling) // 2
            picks = {c: Picks(ctx, c, floor) for c in range(len(ctx.councils))}
            seconds = max(min(1.0, until - time.perf_counter()), seconds_left(until, PROBE_SHARE))
            if first:  # a guess: its time-out proves nothing, so it takes little of the stage's
                seconds = min(seconds, _FIRST_PROBE_S)
            try:
                found = joint_plan(ctx, picks, time.perf_counter() + seconds,
                                   _LIST_UP_TO)
            except OutOfTime:  # undecided: a lower floor may still be found
                if not first:
                    ceiling = floor - 1
                first = False
                continue
            first = False
            if found is None:
                upper = ceiling = floor - 1
            else:
                if best is None or ctx.key(found) > ctx.key(best):
                    best = found
                low = ctx.worst(best)
        if best is None:
            if upper < 0:
                return why_not_together(ctx, self.started, self.deadline)
            return infeasible(self.started, "no plan was found within the time limit",
                               "no_plan_in_time", {})
        if low < upper:
            self.stopped("worst_share", upper / ctx.unit)
        self.worst_upper = upper
        return best

    def council_tie(self, c: int, floor: int | None, found: CouncilBest, best: Plan
                    ) -> int | None:
        """Council c's best tie-break alone, holding its best total under the floor."""
        if found.tie_upper is not None or found.total_upper is None:
            return found.tie_upper
        seconds = seconds_left(self.deadline, _STEP_SHARE)
        return council_best(self.ctx, c, set(), floor, best[c], seconds,
                             held=found.total_upper).tie_upper

    def council_best(self, c: int, floor: int | None, best: Plan | None) -> CouncilBest:
        """Council c's best under the floor: from its own solve when that was already
        the answer (attendance, proven), otherwise from a model of the council alone."""
        ctx, alone = self.ctx, self.alone[c]
        if not ctx.fair and alone.solution.status == "optimal" and alone.plan is not None:
            plan = ctx.lift_one(c, alone.plan)
            council = ctx.councils[c]
            return CouncilBest(plan, int(council.totals[plan].sum()), int(council.tie[plan].sum()))
        return council_best(ctx, c, set(), floor, best[c] if best else None,
                             seconds_left(self.deadline, _STEP_SHARE))

    def answer(self, best: Plan, worst_optimum: int | None) -> RoundSolution:
        """The solution of the best plan."""
        ctx = self.ctx
        worst_share, total_expected, per_party = _values(ctx, best)
        return RoundSolution(
            "optimal" if self.proven else "feasible",
            tuple(tuple(ctx.councils[c].problem.slots[s].id for s in chosen)
                  for c, chosen in enumerate(best)),
            worst_share, total_expected, per_party,
            worst_optimum=worst_optimum / ctx.unit if worst_optimum is not None else None,
            fairness_tolerance=ctx.problem.fairness_tolerance if ctx.fair else None,
            bound=self.bound, bound_of=self.bound_of,
            solve_seconds=time.perf_counter() - self.started)


def _values(ctx: RoundContext, plan: Plan) -> tuple[float, float, tuple[dict[str, float], ...]]:
    """A plan's worst share, total expected and each party's expected meetings, per council."""
    worst, total = math.inf, 0.0
    per_party = []
    for council, chosen in zip(ctx.councils, plan, strict=True):
        problem = council.problem
        sums = problem.presence[:, chosen].sum(axis=1)
        per_party.append({p: float(v) for p, v in zip(problem.parties, sums, strict=True)})
        if sums.size:
            worst = min(worst, float(sums.min()) / problem.meetings)
        total += float(sums.sum())
    return (0.0 if math.isinf(worst) else worst), total, tuple(per_party)
