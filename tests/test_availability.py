"""Member status per slot: the vectorised overlap test against a plain loop."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from calendars import BusyInterval, BusyStatus
from scheduler.availability import member_status

BASE = dt.datetime(2027, 1, 11, tzinfo=dt.UTC)
LEVEL = {BusyStatus.TENTATIVE: 1, BusyStatus.BUSY: 2, BusyStatus.OOF: 3}

intervals = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 8),
                               st.sampled_from(list(BusyStatus))), max_size=12)
windows = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 8)), min_size=1, max_size=10)


@settings(max_examples=300, deadline=None)
@given(intervals, windows)
def test_vectorised_status_matches_a_plain_loop(raw_intervals, raw_windows):
    busy = [BusyInterval(BASE + dt.timedelta(hours=s), BASE + dt.timedelta(hours=s + n), status, "u")
            for s, n, status in raw_intervals]
    starts = np.array([(BASE + dt.timedelta(hours=s)).timestamp() for s, _ in raw_windows])
    ends = np.array([(BASE + dt.timedelta(hours=s + n)).timestamp() for s, n in raw_windows])
    expected = []
    for lo, hi in zip(starts, ends, strict=True):
        hits = [LEVEL[i.status] for i in busy
                if i.start.timestamp() < hi and i.end.timestamp() > lo and i.end > i.start]
        expected.append(max(hits, default=0))
    assert member_status(busy, starts, ends).tolist() == expected


def test_touching_end_to_start_is_not_an_overlap():
    busy = [BusyInterval(BASE, BASE + dt.timedelta(hours=1), BusyStatus.BUSY, "u")]
    start = np.array([(BASE + dt.timedelta(hours=1)).timestamp()])
    assert member_status(busy, start, start + 3600).tolist() == [0]
