"""The ``scheduler solve`` problem document: what it accepts and how it names errors."""

from __future__ import annotations

import json

import pytest

from solver import ProblemError
from solver.problem_file import parse_problem

BASE = {
    "meetings": 1, "objective": "fair", "min_gap_days": 28,
    "slots": [{"id": "a", "start": "2027-02-10T09:00:00+01:00", "end": "2027-02-10T12:00:00+01:00"},
              {"id": "b", "start": "2027-02-01T09:00:00+01:00", "end": "2027-02-01T12:00:00+01:00"}],
    "parties": [{"id": "örebro", "presence": {"a": 0.95}}],
}


def parse(**changes: object):
    return parse_problem(json.dumps({**BASE, **changes}))


def test_a_valid_document_is_read_with_slots_in_order_and_missing_presence_zero():
    problem = parse()
    assert [s.id for s in problem.slots] == ["b", "a"]
    assert problem.presence.tolist() == [[0.0, 0.95]]
    assert problem.min_gap_days == 28 and problem.max_gap_days is None


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"meetings": 0}, "meetings", "greater than or equal to 1"),
    ({"objective": "speed"}, "objective", "'fair' or 'attendance'"),
    ({"slots": [{"id": "a", "start": "2027-02-10T09:00:00", "end": "2027-02-10T12:00:00+01:00"}]},
     "slots[0].start", "UTC offset"),
    ({"slots": [{"id": "a", "start": "soon", "end": "2027-02-10T12:00:00+01:00"}]},
     "slots[0].start", "datetime"),
    ({"parties": [{"id": "x", "presence": {"a": 1.5}}]}, "parties[0].presence.a", "less than or equal"),
    ({"parties": [{"id": "x", "presence": {"zz": 0.5}}]}, "parties[0].presence", "unknown slot 'zz'"),
    ({"periods": [{"from": "2027-02-01", "to": "2027-01-01", "meetings": 1}]}, "periods[0].to", "after"),
    ({"periods": [{"from": "2027-02-01", "meetings": 1}]}, "periods[0].to", "Field required"),
    ({"fixed": ["nope"]}, "fixed[0]", "unknown slot"),
    ({"surprise": 1}, "surprise", "Extra inputs"),
    ({"parties": []}, "parties", "at least 1"),
])
def test_bad_documents_name_the_field(changes, field, words):
    with pytest.raises(ProblemError) as err:
        parse(**changes)
    assert err.value.field == field
    assert words in err.value.message


def test_text_that_is_not_json_names_the_line():
    with pytest.raises(ProblemError) as err:
        parse_problem('{\n"meetings": 3,\n oops}')
    assert err.value.field == "line 3"
