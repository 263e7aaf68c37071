"""How far a long piece of work has come: its stage, a fraction of the whole, and for an
optimisation stage the best value found, the bound it cannot exceed and the gap between.

``Reporter`` hands ``Progress`` to a caller's callback: a new stage and the end always
pass, updates within a stage at most once per ``every`` seconds, and without a callback
nothing is computed at all. While CP-SAT searches, the callback is called from the
solver's own thread; a callback that raises stops the work with its exception.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .round_problem import RoundSolution
from .solution import Solution

__all__ = ["ALTERNATIVES", "DONE", "READING", "Progress", "ProgressCallback", "Reporter",
           "as_reporter", "final_values", "relative_gap", "stage_name"]

READING = "reading calendars"
ALTERNATIVES = "alternatives"
DONE = "done"
_STAGES = {  # (objective, the solver's name of a stage) -> the stage as reported
    ("fair", "worst_party_expected"): "stage 1: worst-off party",
    ("fair", "worst_share"): "stage 1: worst-off party",
    ("fair", "total_expected"): "stage 2: total",
    ("fair", "tie_break"): "stage 3: preferred dates",
    ("attendance", "total_expected"): "stage 1: total",
    ("attendance", "tie_break"): "stage 2: preferred dates",
}


def stage_name(objective: str, stage: str) -> str:
    """The reported name of an optimisation stage of an objective."""
    return _STAGES.get((objective, stage), stage)


@dataclass(frozen=True, slots=True)
class Progress:
    """A report: ``fraction`` of the whole work in 0..1 (an estimate from the time used
    within the time limit while a stage runs); ``best`` the current stage's best value so
    far, ``bound`` the most it can reach, ``gap`` = (bound - best) / bound, 0 once proven
    (each None when not known)."""

    stage: str
    fraction: float
    bound: float | None = None
    best: float | None = None
    gap: float | None = None


ProgressCallback = Callable[[Progress], None]


def relative_gap(bound: float | None, best: float | None) -> float | None:
    """(bound - best) / bound, at least 0; 0 when the bound is 0; None when either is
    unknown."""
    if bound is None or best is None:
        return None
    if bound <= 0:
        return 0.0
    return max(0.0, (bound - best) / bound)


class _Channel:
    """What the parts of one piece of work share: the callback, when it was last called,
    the fraction and stage reported so far."""

    def __init__(self, callback: ProgressCallback, every: float):
        self.callback = callback
        self.every = every
        self.sent_at = -float("inf")
        self.fraction = 0.0
        self.stage = ""


class Reporter:
    """Progress of one piece of work over the part [low, high] of the whole, to a callback.

    ``seconds``: the time the work may take, from which the fraction is estimated. Parts
    (``part``) share the callback, its throttle and the fraction so far, which never falls.
    """

    def __init__(self, callback: ProgressCallback | None, seconds: float = 1.0, *,
                 low: float = 0.0, high: float = 1.0, every: float = 0.25):
        self.channel = _Channel(callback, every) if callback is not None else None
        self.low, self.high = low, high
        self.seconds = max(seconds, 1e-6)
        self.started = time.perf_counter()

    @property
    def active(self) -> bool:
        """True when a callback listens."""
        return self.channel is not None

    @property
    def finished(self) -> bool:
        """True once the end was reported."""
        return self.channel is not None and self.channel.stage == DONE

    def part(self, low: float, high: float, seconds: float) -> Reporter:
        """A reporter for the share [low, high] of this one's span (0..1 of it)."""
        span = self.high - self.low
        child = Reporter(None, seconds, low=self.low + low * span, high=self.low + high * span)
        child.channel = self.channel
        return child

    def used(self) -> float:
        """The share of this part's time used so far (at most 1)."""
        return min(1.0, (time.perf_counter() - self.started) / self.seconds)

    def stage(self, name: str, *, bound: float | None = None, best: float | None = None,
              done: float | None = None) -> None:
        """A new stage begins (always reported); ``done``: the share of this part done."""
        if self.channel is None:
            return
        self.channel.stage = name
        self._send(self.channel, done, bound, best)

    def update(self, *, bound: float | None = None, best: float | None = None,
               done: float | None = None) -> None:
        """The current stage went on; reported when ``every`` seconds passed since the
        last report."""
        channel = self.channel
        if channel is None or time.perf_counter() - channel.sent_at < channel.every:
            return
        self._send(channel, done, bound, best)

    def finish(self, *, bound: float | None = None, best: float | None = None) -> None:
        """The work is done (always reported, at the top of this part)."""
        if self.channel is None:
            return
        self.channel.stage = DONE
        self._send(self.channel, 1.0, bound, best)

    def _send(self, channel: _Channel, done: float | None, bound: float | None,
              best: float | None) -> None:
        if done is None:  # by the time used, short of the end until the work says so
            done = min(0.99, self.used())
        share = self.low + max(0.0, min(1.0, done)) * (self.high - self.low)
        channel.fraction = max(channel.fraction, share)
        channel.sent_at = time.perf_counter()
        channel.callback(Progress(channel.stage, round(channel.fraction, 4), bound, best,
                                  relative_gap(bound, best)))

    def attach(self, solver: cp_model.CpSolver, scale: float) -> _Watch | None:
        """A CP-SAT solution callback (and the solver's bound callback) that report the
        stage's best value and bound (objective / ``scale``); None without a callback:
        the solver then runs as before."""
        if self.channel is None:
            return None
        watch = _Watch(self, scale)
        solver.best_bound_callback = watch.on_bound
        return watch


class _Watch(cp_model.CpSolverSolutionCallback):
    """Each solution CP-SAT finds, as a throttled update of the current stage."""

    def __init__(self, reporter: Reporter, scale: float):
        super().__init__()
        self.reporter = reporter
        self.scale = scale
        self.best: float | None = None

    def on_solution_callback(self) -> None:
        """Report the best value and bound of the search so far."""
        self.best = self.objective_value / self.scale
        self.reporter.update(bound=self.best_objective_bound / self.scale, best=self.best)

    def on_bound(self, bound: float) -> None:
        """Report a better bound with the best value so far."""
        self.reporter.update(bound=bound / self.scale, best=self.best)


def as_reporter(progress: ProgressCallback | Reporter | None, seconds: float) -> Reporter:
    """``progress`` as a reporter over the whole work of ``seconds``."""
    if isinstance(progress, Reporter):
        return progress
    return Reporter(progress, seconds)


def final_values(solution: Solution | RoundSolution) -> tuple[float | None, float | None]:
    """(bound, best) of a solution's first stage that was not proven, or of its first
    stage when all were (bound = best); (None, None) without a plan. For ``fair`` the
    first stage's best is the worst-off party's optimum found (``worst_optimum``), or the
    plan's worst-off party when the stage ended without one."""
    if solution.status == "infeasible":
        return None, None
    fair = solution.fairness_tolerance is not None
    worst = solution.worst_party_expected if isinstance(solution, Solution) \
        else solution.worst_share
    found = solution.worst_optimum if solution.worst_optimum is not None else worst
    first = found if fair else solution.total_expected
    if solution.bound is not None:
        best = first if solution.bound_of != "total_expected" or not fair \
            else solution.total_expected
        return solution.bound, best
    if solution.status == "optimal":
        return first, first
    return None, first
