"""Dates in requests are in the years 2000 to 2200, in the API's document and in the
service alike: the document refuses year 1, 1999, 2201 and 9999 in every date, date and
time and DATE:DATE range (so the fuzzer never sends what is then refused with a generic
error), and the service answers 400 naming the field for them, on every body with a
date and on the pages' forms, before anything can overflow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from flask import Flask

import api.openapi
from api import create_app

from .conftest import bearer
from .test_scopes import OPTIONS, A

OUT = ("0001", "1999", "2201", "9999")
IN = ("2000", "2200")


def _example(where: str, schema: dict[str, Any], year: str) -> str:
    if where.replace(".anyOf", "").endswith("blackouts[]"):
        return f"{year}-01-01:{year}-12-31"
    if schema.get("format") == "date-time":
        return f"{year}-12-31T09:00:00+01:00"
    return f"{year}-12-31"


def _date_schemas(value: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every string schema of the document that holds a date: by format, or by name."""
    if isinstance(value, dict):
        named = where.replace(".anyOf", "").rsplit(".", 1)[-1]
        if value.get("type") == "string" and (
                value.get("format") in ("date", "date-time")
                or named in ("blackouts[]", "from", "to", "deadline", "start", "end", "date")):
            yield where, value
        for key, item in value.items():
            yield from _date_schemas(item, f"{where}.{key}" if key != "items" else f"{where}[]")
    elif isinstance(value, list):
        for item in value:
            yield from _date_schemas(item, where)


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    made = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", "TESTING": True,
                       "WTF_CSRF_ENABLED": False, "SECRET_KEY": "tests"})
    yield made
    made.extensions["council_engine"].dispose()


def test_every_date_in_the_document_is_in_the_years_2000_to_2200(app):
    document = api.openapi.openapi_document(app)
    found = [(where, schema) for where, schema in _date_schemas(document["components"])
             if "properties" not in where.rsplit(".", 1)[-1]]
    names = {(where.split(".")[2] + where.rsplit(".properties", 1)[-1]).replace(".anyOf", "")
             for where, _ in found}
    assert {"ProposalOptions.from", "ProposalOptions.blackouts[]", "RoundDocument.to",
            "MeetingChange.start", "PollRequest.deadline", "Absence.from", "PollAnswer.start",
            "CouncilDocument.blackouts[]", "RoundCouncilEntry.blackouts[]",
            "MemberChange.horizon"} <= names, names
    wrong = []
    for where, schema in found:
        check = jsonschema.Draft202012Validator(schema,
                                                format_checker=jsonschema.FormatChecker())
        wrong += [f"{where} accepts {year}" for year in OUT
                  if check.is_valid(_example(where, schema, year))]
        wrong += [f"{where} refuses {year}" for year in IN
                  if not check.is_valid(_example(where, schema, year))]
    assert wrong == []


@pytest.fixture
def world(app) -> dict[str, Any]:
    services = app.extensions["council_services"]
    council = services.create_council(A)
    proposal = services.create_proposal(council["id"], OPTIONS)
    poll = services.open_poll(proposal.id, {"deadline": "2027-01-10"})
    _created, meetings = services.confirm(proposal.id)
    member = council["parties"][0]["members"][0]["id"]
    return {"council": council["id"], "proposal": proposal.id, "poll": poll.id,
            "meeting": meetings[0].id, "member": member,
            "secret": services.page_secret(member)}


def _requests(w: dict[str, Any], year: str) -> list[tuple[str, str, Any, str]]:
    day, moment = f"{year}-01-12", f"{year}-01-12T10:00:00+01:00"
    return [
        ("POST", f"/api/councils/{w['council']}/proposals", {**OPTIONS, "from": day}, "from"),
        ("POST", f"/api/councils/{w['council']}/proposals",
         {**OPTIONS, "blackouts": [f"{day}:{day}"]}, "blackouts"),
        ("POST", "/api/rounds", {"from": day, "to": "2027-01-16", "councils": [
            {"council": w["council"], "meetings": 1}]}, "from"),
        ("POST", f"/api/proposals/{w['proposal']}/poll", {"deadline": day}, "deadline"),
        ("PATCH", f"/api/meetings/{w['meeting']}", {"start": moment}, "start"),
        ("PATCH", f"/api/members/{w['member']}", {"horizon": day}, "horizon"),
        ("POST", "/api/councils", {**A, "blackouts": [f"{day}:{day}"]}, "blackouts[0]"),
        ("PUT", f"/api/my/{w['secret']}/absences", [{"from": day, "to": day}], "[0].from"),
        ("PUT", f"/api/my/{w['secret']}/polls/{w['poll']}",
         {"answers": [{"start": moment, "answer": "no"}]}, "answers[0].start"),
    ]


@pytest.mark.parametrize("year", ["0001", "1999", "2201", "9999"])
def test_a_date_out_of_the_years_is_refused_400_naming_the_field_and_nothing_changes(
        app, world, year):
    client, services = app.test_client(), app.extensions["council_services"]
    admin = bearer(app)
    before = (services.council_document(world["council"], urls=True),
              services.meetings(world["council"]), services.proposals(world["council"]),
              services.job_counts(), services.my_absences(world["secret"]))
    wrong = []
    for method, path, body, field in _requests(world, year):
        answer = client.open(path, method=method, json=body, headers=admin)
        named = [p["name"] for p in (answer.json or {}).get("invalid-params", [])]
        if answer.status_code != 400 or not any(n.startswith(field) or field in n
                                                for n in named):
            wrong.append(f"{method} {path}: {answer.status_code} {answer.text[:160]}")
    assert wrong == []
    assert before == (services.council_document(world["council"], urls=True),
                      services.meetings(world["council"]), services.proposals(world["council"]),
                      services.job_counts(), services.my_absences(world["secret"]))


@pytest.mark.parametrize("start", ["9999-12-31T23:30", "0001-01-01T00:10", "2201-01-01T10:00"])
def test_moving_a_meeting_on_its_page_out_of_the_years_says_so_and_keeps_it(app, world, start):
    client, services = app.test_client(), app.extensions["council_services"]
    secret = services.create_token("secretary", world["council"])[1]
    assert client.post("/sign-in", data={"token": secret}).status_code == 302
    before = services.meeting(world["meeting"])
    answer = client.post(f"/meetings/{world['meeting']}/move", data={"start": start})
    assert answer.status_code == 302, answer.text[:300]
    assert services.meeting(world["meeting"]) == before
