"""Solver benchmark instances: presence from generated politicians' calendars, and noise.

Presence follows MODEL.md: a member's probability is r * q[status] over the slot, a
party is present when any of its members is. The calendars are generated directly as
busy intervals (no iCal), so the instance size, not parsing, is what is measured.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt

from solver import Problem, Slot

ZONE = dt.timezone(dt.timedelta(hours=1))
Q = {"free": 1.0, "tentative": 0.5, "busy": 0.05, "oof": 0.0}


def weekday_slots(start: dt.date, days: int, step_minutes: int, duration_minutes: int = 120,
                  first: dt.time = dt.time(9), last_start: dt.time = dt.time(15, 30)) -> list[Slot]:
    """Every weekday start from ``first`` to ``last_start`` at the given step."""
    slots: list[Slot] = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        moment = dt.datetime.combine(day, first, tzinfo=ZONE)
        end_of_starts = dt.datetime.combine(day, last_start, tzinfo=ZONE)
        while moment <= end_of_starts:
            slots.append(Slot(moment.strftime("%Y-%m-%dT%H:%M"), moment,
                              moment + dt.timedelta(minutes=duration_minutes)))
            moment += dt.timedelta(minutes=step_minutes)
    return slots


def member_calendar_q(rng: np.random.Generator, slot_start: npt.NDArray[np.float64],
                      slot_end: npt.NDArray[np.float64], n_days: int) -> npt.NDArray[np.float64]:
    """q[status] per slot for one generated member (hours since the first day)."""
    strength = np.zeros(slot_start.size)  # 0 free, 1 tentative, 2 busy, 3 oof
    blocks: list[tuple[float, float, int]] = []
    board_day = int(rng.integers(0, 5))
    for day in range(n_days):
        dow = (day + 0) % 7
        base = day * 24.0
        if dow == board_day and rng.random() < 0.5:  # board every other week
            blocks.append((base + 13, base + 16.5, 2))
        if dow < 5 and rng.random() < 0.08:  # a whole day away
            blocks.append((base, base + 24, 2))
        for _ in range(int(rng.poisson(1.2)) if dow < 5 else 0):  # 1-3 h meetings
            begin = base + rng.uniform(8, 16)
            blocks.append((begin, begin + rng.choice([1, 1.5, 2, 3]), int(rng.choice([1, 2, 2, 2]))))
    summer = int(rng.integers(180, 200))
    blocks.append((summer * 24.0, (summer + 28) * 24.0, 3))
    for begin, end, level in blocks:
        lo = np.searchsorted(slot_end, begin, side="right")
        hi = np.searchsorted(slot_start, end, side="left")
        if hi > lo:
            window = strength[lo:hi]
            mask = (slot_start[lo:hi] < end) & (slot_end[lo:hi] > begin)
            window[mask] = np.maximum(window[mask], level)
    q = np.array([Q["free"], Q["tentative"], Q["busy"], Q["oof"]])
    presence: np.ndarray = q[strength.astype(int)]
    return presence


def realistic_presence(slots: list[Slot], parties: int, members: int = 2, seed: int = 1
                       ) -> npt.NDArray[np.float64]:
    """Parties x slots presence from generated member calendars."""
    rng = np.random.default_rng(seed)
    origin = dt.datetime.combine(slots[0].day, dt.time(), tzinfo=ZONE)
    start = np.array([(s.start - origin).total_seconds() / 3600 for s in slots])
    end = np.array([(s.end - origin).total_seconds() / 3600 for s in slots])
    day_index = (start // 24).astype(np.int64)
    n_days = int(day_index.max()) + 2
    # calendars are generated from the first day's weekday onwards
    shift = slots[0].day.weekday()
    presence = np.empty((parties, len(slots)))
    for p in range(parties):
        absent = np.ones(len(slots))
        for _ in range(members):
            reliability = rng.choice([0.95, 0.9, 0.8])
            q = member_calendar_q(rng, start + shift * 24, end + shift * 24, n_days + shift)
            absent *= 1 - reliability * q
        presence[p] = 1 - absent
    return presence


def noise_presence(slots: list[Slot], parties: int, seed: int = 1) -> npt.NDArray[np.float64]:
    """Parties x slots presence drawn uniformly at random: no structure at all."""
    return np.random.default_rng(seed).uniform(0, 1, size=(parties, len(slots)))


def instance(kind: str, *, parties: int = 13, days: int = 365, step: int = 30, meetings: int = 4,
             min_gap: int = 42, time_limit: float = 30.0, objective: str = "fair",
             seed: int = 1) -> Problem:
    """A benchmark problem of the given kind (``realistic`` or ``noise``)."""
    slots = weekday_slots(dt.date(2027, 1, 1), days, step)
    presence = realistic_presence(slots, parties, seed=seed) if kind == "realistic" \
        else noise_presence(slots, parties, seed=seed)
    return Problem(tuple(slots), tuple(f"party{p:03d}" for p in range(parties)), presence,
                   meetings, objective=objective, min_gap_days=min_gap,  # type: ignore[arg-type]
                   time_limit_s=time_limit, alternatives=3)
