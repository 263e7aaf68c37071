"""Bodies and their meeting plans (sammanträdesplaner): the council file's ``[[bodies]]``,
members' ``bodies`` and ``horizon``, and each plan read once as busy time for the members
who sit in the body."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path
from typing import Any

import pytest

from calendars import BusyInterval, BusyStatus, CalendarFetchError
from scheduler.bodies import as_plan, load_plans, plans_for_members
from scheduler.calendar_sources import calendar_bytes
from scheduler.council import Body, Council, Member, Party
from scheduler.council_file import CouncilDocument, council_from_mapping, load_council
from scheduler.errors import InputError
from scheduler.validation import DATE_PATTERN

from .council_helpers import ics

ZONE = zoneinfo.ZoneInfo("Europe/Stockholm")
START = dt.datetime(2027, 1, 1, tzinfo=ZONE)
END = dt.datetime(2028, 1, 1, tzinfo=ZONE)

KF_PLAN = ics(("kf-1@lindesberg", "20270125T170000", "20270125T210000"),
              ("kf-2@lindesberg", "20270222T170000", "20270222T210000"),
              ("kf-3@lindesberg", "20270322T170000", "20270322T210000", "OOF"))


def document(**changes: Any) -> dict[str, Any]:
    """A council as JSON with two bodies; the first member sits in both."""
    member: dict[str, Any] = {"name": "Anna Ek", "role": "representative",
                              "bodies": ["lindesberg-kf", "regionstyrelsen"],
                              "horizon": "2027-03-01"}
    substitute: dict[str, Any] = {"name": "Per Ek", "role": "substitute"}
    raw: dict[str, Any] = {
        "name": "Kulturrådet",
        "bodies": [{"id": "lindesberg-kf", "name": "Lindesbergs kommunfullmäktige",
                    "calendar": "https://lindesberg.example.invalid/kf.ics"},
                   {"id": "regionstyrelsen", "name": "Regionstyrelsen", "draft": True}],
        "parties": [{"id": "lindesberg", "members": [member, substitute]}],
    }
    targets = {"council": raw, "member": member, "substitute": substitute,
               "body": raw["bodies"][0]}
    for where, value in changes.items():
        kind, key = where.split("__")
        target = targets[kind]
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return raw


def refused(raw: object) -> InputError:
    with pytest.raises(InputError) as caught:
        council_from_mapping(raw, base=None)
    return caught.value


# the council file -------------------------------------------------------------------------

def test_a_council_document_builds_its_bodies_and_members_horizons_and_bodies() -> None:
    council = council_from_mapping(document(), base=None)
    assert council.bodies == (
        Body("lindesberg-kf", "Lindesbergs kommunfullmäktige",
             "https://lindesberg.example.invalid/kf.ics", draft=False),
        Body("regionstyrelsen", "Regionstyrelsen", None, draft=True))
    anna, per = council.parties[0].members
    assert anna.horizon == dt.date(2027, 3, 1)
    assert anna.bodies == ("lindesberg-kf", "regionstyrelsen")
    assert per.horizon is None and per.bodies == ()


def test_a_council_without_bodies_has_none_and_its_members_sit_in_none() -> None:
    council = council_from_mapping(document(council__bodies=None, member__bodies=None), base=None)
    assert council.bodies == ()
    assert council.parties[0].members[0].bodies == ()


def test_a_body_without_a_name_is_named_by_its_id() -> None:
    council = council_from_mapping(document(body__name=None), base=None)
    assert council.bodies[0].name == "lindesberg-kf"


def test_a_toml_council_file_reads_bodies_with_calendar_paths_and_a_toml_date_horizon(
        tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "kf.ics").write_text(KF_PLAN)
    (tmp_path / "council.toml").write_text("\n".join([
        'name = "Kulturrådet"', "",
        "[[bodies]]", 'id = "lindesberg-kf"', 'name = "Lindesbergs kommunfullmäktige"',
        'calendar = "plans/kf.ics"', "draft = true", "",
        "[[parties]]", 'id = "lindesberg"', "",
        "[[parties.members]]", 'name = "Anna Ek"', 'role = "representative"',
        'bodies = ["lindesberg-kf"]', "horizon = 2027-03-01", ""]))
    council = load_council(tmp_path / "council.toml")
    assert council.bodies == (Body("lindesberg-kf", "Lindesbergs kommunfullmäktige",
                                   str((tmp_path / "plans" / "kf.ics").resolve()), draft=True),)
    assert council.parties[0].members[0].horizon == dt.date(2027, 3, 1)


def test_a_body_calendar_file_that_does_not_exist_is_named_by_its_field(tmp_path: Path) -> None:
    raw = document(body__calendar="plans/missing.ics")
    with pytest.raises(InputError) as caught:
        council_from_mapping(raw, base=tmp_path)
    assert caught.value.field == "bodies[0].calendar"
    assert "does not exist" in caught.value.message


def test_a_body_calendar_path_through_the_api_is_refused_naming_the_field() -> None:
    assert refused(document(body__calendar="plans/kf.ics")).field == "bodies[0].calendar"


def test_a_member_naming_an_unknown_body_is_refused_naming_the_list_entry() -> None:
    error = refused(document(member__bodies=["lindesberg-kf", "nora-kf"]))
    assert error.field == "parties[0].members[0].bodies[1]"
    assert "nora-kf" in error.message


def test_a_member_naming_a_body_twice_is_refused_naming_the_second() -> None:
    error = refused(document(substitute__bodies=["regionstyrelsen", "regionstyrelsen"]))
    assert error.field == "parties[0].members[1].bodies[1]"


def test_duplicate_body_ids_are_refused_naming_the_second() -> None:
    raw = document()
    raw["bodies"].append({"id": "lindesberg-kf", "name": "Igen"})
    assert refused(raw).field == "bodies[2].id"


@pytest.mark.parametrize("horizon", ["2027-02-30", "1 mars 2027", "1999-12-31", "", 20270301,
                                     "2027-03-01T10:00:00"])
def test_a_bad_horizon_is_refused_naming_the_member_field(horizon: object) -> None:
    assert refused(document(member__horizon=horizon)).field == "parties[0].members[0].horizon"


def test_a_toml_date_time_as_horizon_is_refused_naming_the_member_field(tmp_path: Path) -> None:
    (tmp_path / "council.toml").write_text("\n".join([
        'name = "R"', "[[parties]]", 'id = "a"', "[[parties.members]]", 'name = "A"',
        'role = "representative"', "horizon = 2027-03-01T10:00:00", ""]))
    with pytest.raises(InputError) as caught:
        load_council(tmp_path / "council.toml")
    assert caught.value.field == "parties[0].members[0].horizon"


@pytest.mark.parametrize(("where", "value", "field"), [
    ("body__id", "lindesberg kf", "bodies[0].id"),
    ("body__id", "", "bodies[0].id"),
    ("body__id", "kf\n", "bodies[0].id"),
    ("body__name", "Fullmäktige\r\n", "bodies[0].name"),
    ("body__name", "", "bodies[0].name"),
    ("body__draft", "yes", "bodies[0].draft"),
    ("body__draft", None, None),
    ("body__calendar", "https://x.example.invalid/a.ics\nHost: evil", "bodies[0].calendar"),
    ("body__colour", "red", "bodies[0].colour"),
    ("member__bodies", "lindesberg-kf", "parties[0].members[0].bodies"),
    ("member__bodies", ["lindesberg kf"], "parties[0].members[0].bodies[0]"),
    ("council__bodies", {"id": "x"}, "bodies"),
])
def test_a_bad_body_or_member_bodies_key_is_refused_naming_the_field(
        where: str, value: object, field: str | None) -> None:
    if field is None:  # leaving a key out is fine
        council_from_mapping(document(**{where: value}), base=None)
        return
    assert refused(document(**{where: value})).field == field


def test_body_id_and_draft_refuse_null_in_json() -> None:
    raw = document()
    raw["bodies"][0]["draft"] = None
    assert refused(raw).field == "bodies[0].draft"
    raw = document()
    raw["parties"][0]["members"][0]["bodies"] = None
    assert refused(raw).field == "parties[0].members[0].bodies"


def test_the_council_schema_is_as_strict_as_the_validation_for_bodies() -> None:
    schema = CouncilDocument.model_json_schema()
    body = schema["$defs"]["BodyDocument"]
    assert body["additionalProperties"] is False
    assert body["required"] == ["id"]
    assert body["properties"]["id"]["pattern"] == r"^[\w.-]+$"
    assert body["properties"]["id"]["minLength"] == 1
    assert body["properties"]["name"]["anyOf"][0]["minLength"] == 1
    assert body["properties"]["draft"]["type"] == "boolean"
    member = schema["$defs"]["MemberDocument"]["properties"]
    assert member["bodies"]["type"] == "array"
    assert member["bodies"]["items"]["pattern"] == r"^[\w.-]+$"
    assert member["horizon"]["anyOf"][0] == {"type": "string", "format": "date",
                                             "pattern": DATE_PATTERN}
    assert schema["properties"]["bodies"]["type"] == "array"


# reading the meeting plans ----------------------------------------------------------------

def _interval(day: int, status: BusyStatus = BusyStatus.BUSY) -> BusyInterval:
    return BusyInterval(dt.datetime(2027, 2, day, 17, tzinfo=ZONE),
                        dt.datetime(2027, 2, day, 21, tzinfo=ZONE), status, f"plan-{day}")


def _council(tmp_path: Path, *, draft: bool = False, calendar: str | None = None) -> Council:
    if calendar is None:
        (tmp_path / "kf.ics").write_text(KF_PLAN)
        calendar = str(tmp_path / "kf.ics")
    bodies = (Body("lindesberg-kf", "Lindesbergs kommunfullmäktige", calendar, draft),
              Body("regionstyrelsen", "Regionstyrelsen", None))
    return Council("R", "Europe/Stockholm", (
        Party("lindesberg", "Lindesberg", (
            Member("Anna", "representative", bodies=("lindesberg-kf",)),
            Member("Per", "substitute"))),
        Party("nora", "Nora", (Member("Eva", "representative", bodies=("lindesberg-kf",)),)),
    ), bodies=bodies)


def test_a_body_plan_is_busy_time_for_every_member_who_sits_in_it(tmp_path: Path) -> None:
    plans, warnings = load_plans(_council(tmp_path), START, END)
    anna = plans[("lindesberg", 0)]
    assert [(i.start.date(), i.status) for i in anna] == [
        (dt.date(2027, 1, 25), BusyStatus.BUSY), (dt.date(2027, 2, 22), BusyStatus.BUSY),
        (dt.date(2027, 3, 22), BusyStatus.OOF)]
    assert all(i.recurring for i in anna)
    assert plans[("nora", 0)] == anna
    assert plans[("lindesberg", 1)] == []  # a member of no body: present, empty
    assert warnings == []


def test_a_draft_plan_is_tentative_never_stronger(tmp_path: Path) -> None:
    plans, _ = load_plans(_council(tmp_path, draft=True), START, END)
    assert {i.status for i in plans[("lindesberg", 0)]} == {BusyStatus.TENTATIVE}
    assert all(i.recurring for i in plans[("lindesberg", 0)])


def test_a_plan_is_read_only_over_the_window(tmp_path: Path) -> None:
    plans, _ = load_plans(_council(tmp_path), START, dt.datetime(2027, 2, 1, tzinfo=ZONE))
    assert [i.start.date() for i in plans[("lindesberg", 0)]] == [dt.date(2027, 1, 25)]


def test_each_body_calendar_is_read_once_however_many_sit_in_it(tmp_path: Path) -> None:
    read: list[str] = []

    def loader(source: str) -> bytes:
        read.append(source)
        return calendar_bytes(source)

    load_plans(_council(tmp_path), START, END, loader=loader)
    assert read == [str(tmp_path / "kf.ics")]


def test_a_body_plan_that_cannot_be_fetched_is_a_warning_naming_the_body(tmp_path: Path) -> None:
    def loader(source: str) -> bytes:
        raise CalendarFetchError("HTTP 503", source="https://lindesberg.example.invalid/kf.ics")

    plans, warnings = load_plans(_council(tmp_path, calendar="https://lindesberg.example.invalid/kf.ics"),
                                 START, END, loader=loader)
    assert plans[("lindesberg", 0)] == [] and plans[("nora", 0)] == []
    assert len(warnings) == 1
    assert warnings[0].startswith("Lindesbergs kommunfullmäktige: the meeting plan could not be read (")
    assert "HTTP 503" in warnings[0]
    assert warnings[0].endswith("; its members are counted without it")


def test_a_body_plan_that_is_not_a_calendar_is_a_warning_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "kf.ics").write_text("<html>Sammanträdesplan 2027</html>")
    plans, warnings = load_plans(_council(tmp_path, calendar=str(tmp_path / "kf.ics")), START, END)
    assert plans[("lindesberg", 0)] == []
    assert len(warnings) == 1 and "Lindesbergs kommunfullmäktige" in warnings[0]
    assert "not a calendar" in warnings[0]


def test_a_body_plan_file_that_has_gone_is_a_warning_not_an_error(tmp_path: Path) -> None:
    plans, warnings = load_plans(_council(tmp_path, calendar=str(tmp_path / "gone.ics")), START, END)
    assert plans[("nora", 0)] == []
    assert warnings and "no such file" in warnings[0]


def test_a_body_nobody_sits_in_is_not_read(tmp_path: Path) -> None:
    council = _council(tmp_path, calendar=str(tmp_path / "gone.ics"))
    council = Council(council.name, council.timezone,
                      (Party("x", "X", (Member("Kim", "representative"),)),), bodies=council.bodies)
    plans, warnings = load_plans(council, START, END)
    assert plans == {("x", 0): []} and warnings == []


def test_a_body_without_a_calendar_gives_nothing_and_says_so(tmp_path: Path) -> None:
    council = _council(tmp_path)
    council = Council(council.name, council.timezone, (
        Party("region", "Region", (Member("Lo", "representative", bodies=("regionstyrelsen",)),)),),
        bodies=council.bodies)
    plans, warnings = load_plans(council, START, END)
    assert plans[("region", 0)] == []
    assert warnings == ["Regionstyrelsen: no meeting plan is given; its members are counted "
                        "without it"]


def test_plans_for_members_maps_stored_body_intervals_to_the_members_who_sit_in_them(
        tmp_path: Path) -> None:
    council = _council(tmp_path, draft=True)
    plans = plans_for_members(council, {"lindesberg-kf": [_interval(22), _interval(1, BusyStatus.OOF)],
                                        "regionstyrelsen": [_interval(9)]})
    anna = plans[("lindesberg", 0)]
    assert [i.start.day for i in anna] == [1, 22]  # sorted
    assert {i.status for i in anna} == {BusyStatus.TENTATIVE}  # the plan is a draft
    assert all(i.recurring for i in anna)
    assert plans[("lindesberg", 1)] == []


def test_plans_for_members_ignores_bodies_it_has_no_intervals_for(tmp_path: Path) -> None:
    plans = plans_for_members(_council(tmp_path), {})
    assert plans == {("lindesberg", 0): [], ("lindesberg", 1): [], ("nora", 0): []}


def test_as_plan_marks_an_adopted_plan_recurring_and_keeps_its_status() -> None:
    body = Body("kf", "KF")
    marked = as_plan(body, [_interval(1, BusyStatus.OOF)])
    assert marked == [BusyInterval(_interval(1).start, _interval(1).end, BusyStatus.OOF,
                                   "plan-1", recurring=True)]
    assert as_plan(body, marked) == marked  # marking twice changes nothing
