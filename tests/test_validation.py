"""Names and free text of councils, parties and members: no control characters, no null
where a value is required, and a JSON schema that says as much as the validation does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel

from scheduler.cli import main
from scheduler.council_file import CouncilDocument, council_from_mapping
from scheduler.errors import InputError
from scheduler.service_models import CouncilChange, MeetingChange, MemberChange, NewSubstitute
from scheduler.validation import as_input_error, is_calendar_url, plain_text, validated

from .council_helpers import council, ics

CONTROL = ["a\nb", "a\rb", "a\tb", "a\x00b", "a\x1bb", "a\x7fb", "a\x85b", "a\u2028b", "a\u2029b"]


def document(where: str | None = None, value: object = None) -> dict[str, object]:
    """A council as JSON; ``where`` (``council.name``, ``party.id``, ``member.email``)
    set to ``value``."""
    member: dict[str, Any] = {"name": "Anna Ek", "role": "representative", "email": "anna@x.example",
              "calendar": "https://cal.example.invalid/anna.ics"}
    party: dict[str, Any] = {"id": "nora", "name": "Nora kommun", "members": [member]}
    raw: dict[str, Any] = {"name": "Kulturrådet", "venue": "Slottet", "parties": [party]}
    if where:
        kind, key = where.split(".")
        targets: dict[str, dict[str, Any]] = {"council": raw, "party": party, "member": member}
        targets[kind][key] = value
    return raw


def refused(raw: object) -> InputError:
    with pytest.raises(InputError) as caught:
        council_from_mapping(raw, base=None)
    return caught.value


@pytest.mark.parametrize(("url", "expected"), [
    ("https://cal.example/a.ics", True), ("HTTP://cal.example/a.ics", True),
    ("webcal://cal.example/a.ics", True), ("webcals://cal.example/a.ics", True),
    ("calendars/a.ics", False), ("/etc/passwd", False), ("javascript:alert(1)", False),
    ("file:///etc/passwd", False),
])
def test_a_calendar_url_is_http_or_webcal(url: str, expected: bool) -> None:
    assert is_calendar_url(url) is expected


@pytest.mark.parametrize("text", CONTROL)
def test_plain_text_refuses_control_characters_and_line_breaks(text: str) -> None:
    with pytest.raises(ValueError, match="control characters"):
        plain_text(text)


def test_plain_text_keeps_swedish_letters_dashes_and_quotes() -> None:
    text = "Ljusnarsbergs kommun – Kopparberg, \"Bergslagen\" & Örebro"
    assert plain_text(text) == text


@pytest.mark.parametrize("text", CONTROL)
@pytest.mark.parametrize(("where", "field"), [
    ("council.name", "name"), ("council.venue", "venue"), ("party.id", "parties[0].id"),
    ("party.name", "parties[0].name"), ("member.name", "parties[0].members[0].name"),
    ("member.email", "parties[0].members[0].email"),
    ("member.calendar", "parties[0].members[0].calendar"),
])
def test_a_council_refuses_control_characters_naming_the_field(where: str, field: str, text: str) -> None:
    error = refused(document(where, text))
    assert error.field == field


def test_a_council_file_with_a_line_break_in_a_name_is_bad_input(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = council(tmp_path, [{"id": "a", "members": [("Rep", "representative", ics())]}])
    path.write_text(path.read_text().replace('name = "Testrådet"', 'name = "Test\\nrådet"'))
    assert main(["propose", str(path), "--from", "2027-01-11", "--to", "2027-01-12",
                 "--meetings", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: name: ") and err.count("\n") == 1


def test_a_party_needs_at_least_one_member_and_the_schema_says_so() -> None:
    error = refused(document("party.members", []))
    assert error.field == "parties[0].members"
    schema = CouncilDocument.model_json_schema()
    assert schema["$defs"]["PartyDocument"]["properties"]["members"]["minItems"] == 1


def test_travel_of_more_than_a_day_is_refused_not_an_overflow() -> None:
    assert refused(document("party.travel", "99999999999w")).field == "parties[0].travel"
    assert refused(document("party.travel", "25h")).field == "parties[0].travel"


def test_the_council_schema_states_the_text_rule() -> None:
    schema = CouncilDocument.model_json_schema()
    assert "pattern" in schema["properties"]["name"]
    member = schema["$defs"]["MemberDocument"]["properties"]
    assert "pattern" in member["name"] and member["name"]["minLength"] == 1


@pytest.mark.parametrize(("model", "body", "field"), [
    (CouncilChange, {"name": None}, "name"),
    (CouncilChange, {"name": ""}, "name"),
    (CouncilChange, {"name": "Kultur\r\nrådet"}, "name"),
    (CouncilChange, {"venue": "Slottet\u2028"}, "venue"),
    (CouncilChange, {}, "body"),
    (MemberChange, {"name": None}, "name"),
    (MemberChange, {"email": "anna@x.example\r\nBcc: all@x.example"}, "email"),
    (MemberChange, {"calendar": "/etc/passwd"}, "calendar"),
    (MemberChange, {"calendar": "https://cal.example/a.ics\r\nHost: evil"}, "calendar"),
    (MemberChange, {}, "body"),
    (NewSubstitute, {"party": "nora", "name": "Kim\tNy"}, "name"),
    (NewSubstitute, {"party": "no\nra", "name": "Kim Ny"}, "party"),
    (NewSubstitute, {"party": "nora"}, "name"),
])
def test_changes_refuse_null_names_empty_bodies_and_control_characters(model: type[BaseModel],
                                                                       body: dict[str, object],
                                                                       field: str) -> None:
    with pytest.raises(InputError) as caught:
        validated(model, body)
    assert caught.value.field == field


def test_null_clears_a_venue_an_email_and_a_calendar() -> None:
    assert validated(CouncilChange, {"venue": None}).model_dump(exclude_unset=True) == \
        {"venue": None}
    change = validated(MemberChange, {"email": None, "calendar": None})
    assert change.model_dump(exclude_unset=True) == {"email": None, "calendar": None}


@pytest.mark.parametrize("model", [CouncilChange, MemberChange])
def test_the_change_schemas_need_a_property_and_refuse_null_names(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    assert schema["minProperties"] == 1 and schema["additionalProperties"] is False
    name = schema["properties"]["name"]
    assert name["type"] == "string" and "anyOf" not in name and "default" not in name
    assert "pattern" in name


def test_errors_name_nested_fields_as_the_caller_knows_them() -> None:
    class Inner(BaseModel):
        count: int

    class Outer(BaseModel):
        min_gap_days: int = 0
        items: list[Inner] = []

    with pytest.raises(Exception) as caught:
        Outer.model_validate({"items": [{"count": 1}, {"count": "x"}]})
    assert as_input_error(caught.value).field == "items[1].count"  # type: ignore[arg-type]
    with pytest.raises(Exception) as caught:
        Outer.model_validate({"min_gap_days": "x"})
    error = as_input_error(caught.value, names={"min_gap_days": "--min-gap"})  # type: ignore[arg-type]
    assert error.field == "--min-gap"


@pytest.mark.parametrize(("body", "accepted"), [
    ({"start": "2027-01-12T09:00:00+01:00", "end": "2027-01-12T12:00:00+01:00"}, True),
    ({"status": "cancelled"}, True),
    ({"start": "2027-01-12T09:00:00+01:00", "end": None, "status": None}, False),
    ({"start": "2027-01-12T09:00:00+01:00"}, False),
    ({"start": "2027-01-12T09:00:00+01:00", "end": "2027-01-12T12:00:00+01:00",
      "status": "cancelled"}, False),
    ({}, False),
])
def test_a_meeting_is_moved_or_cancelled_and_the_schema_agrees(body: dict[str, object],
                                                               accepted: bool) -> None:
    schema = MeetingChange.model_json_schema()
    assert jsonschema.Draft202012Validator(schema).is_valid(body) is accepted
    if accepted:
        validated(MeetingChange, body)
    else:
        with pytest.raises(InputError):
            validated(MeetingChange, body)
