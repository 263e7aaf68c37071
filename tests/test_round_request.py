"""A round as asked: the round file and its council files, the API's JSON, the people
shared across councils, and bad input named by the round's council and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scheduler.council import Council, Member, Party
from scheduler.errors import InputError
from scheduler.persons import shared_people
from scheduler.round_request import load_round, parse_round

COUNCIL = '''name = "{name}"
timezone = "Europe/Stockholm"

[[parties]]
id = "kumla"
[[parties.members]]
name = "{rep}"
role = "representative"
email = "{email}"
[[parties.members]]
name = "Sub {name}"
role = "substitute"
{person}
'''


def _write(folder: Path, files: dict[str, str], round_text: str) -> Path:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    path = folder / "round.toml"
    path.write_text(round_text, encoding="utf-8")
    return path


ROUND = '''name = "Omgång"
from = 2027-01-01
to = 2028-01-01
between = "90m"
[[councils]]
id = "kultur"
file = "kultur.toml"
meetings = 4
min_gap = "42d"
[[councils]]
id = "folkhalsa"
file = "folkhalsa.toml"
meetings = 5
min_gap = "6w"
earliest = 10:00:00
'''


def _files(extra: str = "") -> dict[str, str]:
    return {"kultur.toml": COUNCIL.format(name="Kultur", rep="Irja G", email="IRJA@kumla.se",
                                          person='person = "sub-1"'),
            "folkhalsa.toml": COUNCIL.format(name="Folkhälsa", rep="Irja Gustafsson",
                                             email="irja@kumla.se", person=extra)}


def test_a_round_file_reads_its_councils_and_their_options(tmp_path: Path) -> None:
    request = load_round(_write(tmp_path, _files(), ROUND))
    assert request.name == "Omgång" and request.between == dt.timedelta(minutes=90)
    assert [c.id for c in request.councils] == ["kultur", "folkhalsa"]
    assert [c.request.meetings for c in request.councils] == [4, 5]
    assert [c.request.min_gap_days for c in request.councils] == [42, 42]
    assert request.councils[1].request.earliest == dt.time(10)
    assert request.councils[0].request.start == dt.date(2027, 1, 1)


def test_people_are_matched_by_email_ignoring_case_or_by_person_id(tmp_path: Path) -> None:
    request = load_round(_write(tmp_path, _files('person = "sub-1"'), ROUND))
    people = shared_people([(c.id, c.council) for c in request.councils])
    assert [(p.name, sorted(p.councils)) for p in people] == [
        ("Irja G", [0, 1]), ("Sub Kultur", [0, 1])]


def test_a_person_twice_in_one_party_is_refused_by_name() -> None:
    twice = Council("Kultur", "Europe/Stockholm", (Party("kumla", "Kumla", (
        Member("Ann", "representative", email="a@x.se"),
        Member("Ann Again", "substitute", email="A@X.SE"))),))
    with pytest.raises(InputError) as caught:
        shared_people([("kultur", twice)])
    assert "Ann (kumla)" in str(caught.value) and "'kultur'" in str(caught.value)


@pytest.mark.parametrize(("change", "field"), [
    (("meetings = 4", "meetings = 0"), "councils[0].meetings"),
    (('min_gap = "42d"', 'min_gap = "36h"'), "councils[0].min_gap"),
    (('between = "90m"', 'between = "2d"'), "between"),
    (('between = "90m"', 'between = "soon"'), "between"),
    (('file = "kultur.toml"', 'file = "saknas.toml"'), None),
])
def test_bad_input_names_the_round_council_and_the_field(tmp_path: Path, change: tuple[str, str],
                                                         field: str | None) -> None:
    path = _write(tmp_path, _files(), ROUND.replace(*change))
    with pytest.raises(InputError) as caught:
        load_round(path)
    if field:
        assert caught.value.field == field
    else:
        assert "saknas.toml" in str(caught.value) and "kultur" in str(caught.value)


def test_a_council_file_that_fails_is_named_by_the_round(tmp_path: Path) -> None:
    files = _files()
    files["folkhalsa.toml"] = files["folkhalsa.toml"].replace('role = "substitute"',
                                                              'role = "chair"')
    with pytest.raises(InputError) as caught:
        load_round(_write(tmp_path, files, ROUND))
    assert (caught.value.field or "").startswith("councils[1] (folkhalsa): parties[0].members[1]")


def test_the_api_document_names_stored_councils() -> None:
    council = Council("K", "Europe/Stockholm", (Party("p", "P", (Member("A", "representative"),)),))
    document = {"from": "2027-01-01", "to": "2027-07-01",
                "councils": [{"council": "abc", "meetings": 2, "min_gap_days": 30}]}
    request = parse_round(document, lambda i, entry: (entry["council"], council))
    assert request.councils[0].id == "abc" and request.councils[0].request.min_gap_days == 30
    with pytest.raises(InputError) as caught:
        parse_round({**document, "councils": [{"council": "abc", "meetings": 2, "colour": 1}]},
                    lambda i, entry: (entry["council"], council))
    assert caught.value.field == "councils[0].colour"
    with pytest.raises(InputError) as caught:
        parse_round({**document, "councils": [{"council": "abc", "meetings": 2}] * 2},
                    lambda i, entry: (entry["council"], council))
    assert caught.value.field == "councils[1]"
