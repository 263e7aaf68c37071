"""The council's and members' newer fields: the secretary's address, the answer deadline
and a person id — a bad value is a 400 problem naming the field, and nothing changes."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .conftest import bearer

COUNCIL = {"name": "Råd", "secretary_email": "kansli@region.example", "answer_days": 3,
           "parties": [{"id": "p", "members": [{"name": "A", "role": "representative",
                                                "person": "anna-a"}]}]}


def test_the_new_fields_are_kept_and_shown(client: FlaskClient, app: Flask) -> None:
    made = client.post("/api/councils", json=COUNCIL, headers=bearer(app)).json
    assert (made["secretary_email"], made["answer_days"]) == ("kansli@region.example", 3)
    assert made["parties"][0]["members"][0]["person"] == "anna-a"


@pytest.mark.parametrize(("where", "body", "field"), [
    ("council", {"answer_days": 31}, "answer_days"),
    ("council", {"answer_days": "3"}, "answer_days"),
    ("council", {"secretary_email": "a\nb@x.se"}, "secretary_email"),
    ("member", {"person": "två ord"}, "person"),
    ("member", {"person": 7}, "person"),
])
def test_a_bad_value_is_named_and_nothing_changes(client: FlaskClient, app: Flask, where: str,
                                                   body: dict, field: str) -> None:
    headers = bearer(app)
    made = client.post("/api/councils", json=COUNCIL, headers=headers).json
    member = made["parties"][0]["members"][0]["id"]
    url = f"/api/councils/{made['id']}" if where == "council" else f"/api/members/{member}"
    answer = client.patch(url, json=body, headers=headers)
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert field in [p["name"] for p in answer.json["invalid-params"]]
    after = client.get(f"/api/councils/{made['id']}", headers=headers).json
    assert (after["answer_days"], after["secretary_email"]) == (3, "kansli@region.example")
    assert after["parties"][0]["members"][0]["person"] == "anna-a"
