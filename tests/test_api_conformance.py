"""The HTTP API against its own OpenAPI document: Schemathesis with every check, operation by
operation and along the document's links, on a real server with real resources; and
the defects it found, each reproduced as a small request."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import schemathesis
import schemathesis.engine
from flask import Flask
from schemathesis.engine import events

import api.openapi
from api import create_app

from .conformance_server import COUNCIL, Seeded, running_server, seed

pytestmark = pytest.mark.network

EXAMPLES = 6  # per operation and phase: modest, so the whole run stays well under two minutes
STATEFUL_STEPS = 12
SEED = 20270111

# Rules the service checks that JSON Schema cannot say (each answers 400 with a field named):
# references to other resources by id, a party's one representative, a calendar's contents,
# a member without a calendar URL, dates that must be in order. Valid-looking data may be
# refused for these on these operations only; everything else must be accepted.
SEMANTIC_400 = (
    "POST /api/councils",  # one representative a party, unique ids
    "POST /api/councils/{council_id}/parties",  # one representative, a new party id
    "POST /api/councils/{council_id}/members",  # the party must exist
    "POST /api/meetings/{meeting_id}/attendance",  # the member must exist
    "POST /api/members/{member_id}/calendar/refresh",  # the member must have a calendar URL
    "PUT /api/members/{member_id}/calendar",  # the body must be an iCalendar file
    "POST /api/councils/{council_id}/proposals",  # dates in order, durations, a feasible plan
    "PATCH /api/meetings/{meeting_id}",  # start and end in order
    "PATCH /api/members/{member_id}",  # the bodies named must be the council's
    "PUT /api/councils/{council_id}/bodies/{body_id}/calendar",  # an iCalendar file
    "POST /api/councils/{council_id}/bodies/{body_id}/calendar/refresh",  # a plan URL
    "POST /api/proposals/{proposal_id}/poll",  # a deadline not yet passed
    "PUT /api/my/{token}/absences",  # each absence ends after it starts, within a year
    "PUT /api/my/{token}/polls/{poll_id}",  # the starts must be the poll's slots
    "PUT /api/my/{token}/calendar",  # a URL that can be fetched, or an iCalendar file
    "POST /api/rounds",  # options each council's proposal accepts, councils named once
)

# jobs: an Idempotency-Key sent again with another body is refused (422), as documented;
# a calendar URL the run stored earlier that cannot be fetched is 422, as documented
MAY_422 = ("POST /api/councils/{council_id}/proposals", "POST /api/rounds",
              "POST /api/members/{member_id}/calendar/refresh",
              "POST /api/councils/{council_id}/bodies/{body_id}/calendar/refresh")


def _config(seeded: Seeded) -> schemathesis.Config:
    positive = ["2xx", "3xx", "401", "403", "404", "409", "429"]
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "headers": {"Authorization": f"Bearer {seeded.token}"},
        "generation": {"max-examples": EXAMPLES, "deterministic": True},
        "phases": {"stateful": {"max-steps": STATEFUL_STEPS}},
        "request-timeout": 60,
        "parameters": {"path.council_id": seeded.council_id, "path.party_id": seeded.party_id,
                       "path.member_id": seeded.member_id, "path.proposal_id": seeded.proposal_id,
                       "path.meeting_id": seeded.meeting_id, "path.secret": seeded.feed_secret,
                       "path.body_id": "kf", "path.token": seeded.page_token,
                       "path.poll_id": seeded.poll_id, "path.job_id": seeded.job_id},
        "operations": [
            # removals take resources of their own, so the others keep theirs
            {"include-name": "DELETE /api/councils/{council_id}",
             "parameters": {"path.council_id": seeded.spare_council_id}},
            {"include-name": "DELETE /api/councils/{council_id}/parties/{party_id}",
             "parameters": {"path.party_id": seeded.spare_party_id}},
            {"include-name": "DELETE /api/members/{member_id}",
             "parameters": {"path.member_id": seeded.substitute_id}},
            *({"include-name": name,
               "checks": {"positive_data_acceptance": {"expected-statuses": [
                   *positive, "400", *(["422"] if name in MAY_422 else [])]}}}
              for name in SEMANTIC_400),
        ],
    })


def _failures(schema: Any) -> tuple[list[str], set[str]]:
    """Run every phase (examples, coverage, fuzzing, stateful) with every check; the
    failures found, one line each, and the phases that ran."""
    found: dict[tuple[str, str, str], str] = {}
    phases: set[str] = set()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.PhaseFinished) and event.phase.is_enabled:
            phases.add(event.phase.name.value)
        elif isinstance(event, events.ScenarioFinished):
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    info = node.failure_info
                    if info is None:
                        continue
                    failure = info.failure
                    key = (event.recorder.label, node.name, failure.title)
                    found.setdefault(key, f"{event.recorder.label} [{event.phase.value}]: "
                                          f"{failure.title}: {failure.message}\n{info.code_sample}")
        elif isinstance(event, events.NonFatalError):
            found[("error", str(event.id), "")] = f"error: {event.info.format()}"
        elif isinstance(event, events.FatalError):
            found[("error", str(event.id), "")] = f"fatal error: {event.exception!r}"
    return list(found.values()), phases


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    with running_server(tmp_path_factory.mktemp("conformance")) as (base, token):
        yield seed(base, token)


def test_every_operation_and_every_linked_sequence_answers_as_the_document_says(seeded: Seeded) -> None:
    schema = schemathesis.openapi.from_url(f"{seeded.base}/api/openapi.json", config=_config(seeded))
    assert len(list(schema.get_all_operations())) >= 22
    started = time.monotonic()
    failures, phases = _failures(schema)
    assert {"examples", "coverage", "fuzzing", "stateful"} <= phases, phases
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
    assert time.monotonic() - started < 120


# the document itself --------------------------------------------------------------------------
@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "TESTING": True})
    yield app
    app.extensions["council_engine"].dispose()


def test_the_document_is_built_once_per_app_and_served_as_the_same_bytes(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[Flask] = []
    build = api.openapi.openapi_document

    def counted(app: Flask) -> dict[str, Any]:
        builds.append(app)
        return build(app)

    monkeypatch.setattr(api.openapi, "openapi_document", counted)
    client = app.test_client()
    answers = [client.get("/api/openapi.json") for _ in range(3)]
    assert client.get("/api/docs").status_code == 200
    assert len(builds) == 1
    assert {a.data for a in answers} == {answers[0].data} and answers[0].get_json()["openapi"] == "3.1.0"
    again = client.get("/api/openapi.json", headers={"If-None-Match": answers[0].headers["ETag"]})
    assert again.status_code == 304


def test_a_method_the_path_does_not_have_is_405_with_allow(app: Flask) -> None:
    answer = app.test_client().open("/api/councils", method="TRACE")
    assert answer.status_code == 405 and answer.mimetype == "application/problem+json"
    assert set(answer.headers["Allow"].split(", ")) >= {"POST"}


def test_every_operation_documents_its_problems_and_feeds_their_not_modified(app: Flask) -> None:
    document = api.openapi.openapi_document(app)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "404"} <= codes, (method, path)
            if operation.get("security") != []:
                assert {"401", "403", "409", "413", "415", "422"} <= codes, (method, path)
    assert "304" in document["paths"]["/feeds/{secret}.ics"]["get"]["responses"]


def test_a_new_council_links_to_the_operations_on_its_ids(app: Flask) -> None:
    document = api.openapi.openapi_document(app)
    created = document["paths"]["/api/councils"]["post"]["responses"]["201"]
    targets = {link["operationId"] for link in created["links"].values()}
    operation_ids = {operation["operationId"] for operations in document["paths"].values()
                     for operation in operations.values()}
    assert {"api_read_council", "api_create_proposal", "api_change_member"} <= targets
    assert targets <= operation_ids


# defects found by the run, outside the API layer ------------------------------------------------
def _document_accepts(document: dict[str, Any], name: str, body: Any) -> bool:
    validator = jsonschema.Draft202012Validator({**document, "$ref": f"#/components/schemas/{name}"})
    return bool(validator.is_valid(body))


def _council(app: Flask) -> tuple[dict[str, str], dict[str, Any]]:
    token = app.extensions["council_services"].create_token("admin")[1]
    headers = {"Authorization": f"Bearer {token}"}
    answer = app.test_client().post("/api/councils", json=COUNCIL, headers=headers)
    council: dict[str, Any] = answer.get_json()
    assert answer.status_code == 201, council
    return headers, council


def test_a_council_renamed_to_null_is_refused_as_bad_input(app: Flask) -> None:
    headers, council = _council(app)
    answer = app.test_client().patch(f"/api/councils/{council['id']}", json={"name": None},
                                     headers=headers)
    assert answer.status_code == 400


def test_the_document_refuses_an_empty_council_change_as_the_service_does(app: Flask) -> None:
    headers, council = _council(app)
    answer = app.test_client().patch(f"/api/councils/{council['id']}", json={}, headers=headers)
    assert answer.status_code == 400
    assert not _document_accepts(api.openapi.openapi_document(app), "CouncilChange", {})


def test_the_document_refuses_a_calendar_that_is_not_a_url_as_the_service_does(app: Flask) -> None:
    headers, council = _council(app)
    member = council["parties"][0]["members"][0]["id"]
    answer = app.test_client().patch(f"/api/members/{member}", json={"calendar": ""},
                                     headers=headers)
    assert answer.status_code == 400
    assert not _document_accepts(api.openapi.openapi_document(app), "MemberChange", {"calendar": ""})


def test_the_document_refuses_a_proposal_without_dates_as_the_service_does(app: Flask) -> None:
    headers, council = _council(app)
    body = {"from": "", "to": "", "meetings": 1}
    answer = app.test_client().post(f"/api/councils/{council['id']}/proposals", json=body,
                                    headers=headers)
    assert answer.status_code == 400
    assert not _document_accepts(api.openapi.openapi_document(app), "ProposalOptions", body)


def test_the_document_refuses_a_move_without_an_end_as_the_service_does(app: Flask) -> None:
    body = {"start": "2027-01-12T09:00:00+01:00", "end": None, "status": None}
    assert not _document_accepts(api.openapi.openapi_document(app), "MeetingChange", body)


def test_a_problem_a_view_documents_itself_is_described_as_a_problem(app: Flask) -> None:
    document = api.openapi.openapi_document(app)
    refresh = document["paths"]["/api/members/{member_id}/calendar/refresh"]["post"]
    assert list(refresh["responses"]["422"]["content"]) == ["application/problem+json"]
    for operations in document["paths"].values():
        for operation in operations.values():
            for code, response in operation["responses"].items():
                if int(code) >= 400 and "content" in response:
                    assert "application/problem+json" in response["content"], code


def test_a_whole_number_written_with_a_fraction_of_zero_counts_as_the_integer_it_is(
        app: Flask) -> None:
    headers, council = _council(app)
    client = app.test_client()
    path = f"/api/councils/{council['id']}"
    changed = client.patch(path, json={"answer_days": 12.0}, headers=headers)
    assert changed.status_code == 200 and changed.get_json()["answer_days"] == 12
    document = api.openapi.openapi_document(app)
    assert _document_accepts(document, "CouncilChange", {"answer_days": 12.0})
    for refused in (12.5, "12", True):
        answer = client.patch(path, json={"answer_days": refused}, headers=headers)
        assert answer.status_code == 400, refused
        assert not _document_accepts(document, "CouncilChange", {"answer_days": refused})
    assert client.get(path, headers=headers).get_json()["answer_days"] == 12
