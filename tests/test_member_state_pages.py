"""The member's own page says each member's state in a meeting, as the feed does, and the
place; after "Jag kan inte komma" it says who stands in, or that nobody can."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from scheduler.services import Services

from .council_helpers import ics

OPTIONS = {"from": "2027-01-11", "to": "2027-01-16", "meetings": 1, "min_gap_days": 1,
           "time_limit_s": 10}
AWAY = ics(("resa", "20270110T000000", "20270117T000000")).encode()
REPRESENTATIVE = "Anna <b>Ek</b>"  # a name is text, never markup
COUNCIL = {"name": "Kulturrådet", "timezone": "Europe/Stockholm", "venue": "Länsmuseet, Örebro",
           "parties": [
               {"id": "nora", "name": "Nora kommun", "members": [
                   {"name": REPRESENTATIVE, "role": "representative"},
                   {"name": "Erik Åkesson", "role": "substitute"},
                   {"name": "Eva Ek", "role": "substitute"}]},
               {"id": "kumla", "name": "Kumla kommun", "members": [
                   {"name": "Karin Berg", "role": "representative"}]}]}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    made = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", "TESTING": True,
                       "WTF_CSRF_ENABLED": False, "SECRET_KEY": "tests"})
    yield made
    made.extensions["council_engine"].dispose()


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    services: Services = app.extensions["council_services"]
    council = services.create_council(COUNCIL)
    _made, (meeting,) = services.confirm(services.create_proposal(council["id"], OPTIONS).id)
    ids = {m["name"]: m["id"] for p in council["parties"] for m in p["members"]}
    return {"services": services, "meeting": meeting.id, "ids": ids,
            "pages": {name: services.page_secret(i) for name, i in ids.items()}}


def card(client: FlaskClient, secret: str, meeting: str, language: str = "sv") -> str:
    """The text of the meeting's card on the member's page (in the reader's language),
    tags and spacing left out."""
    page = client.get(f"/my/{secret}", headers={"Accept-Language": language}).get_data(
        as_text=True)
    found = re.search(rf'<li id="meeting-{meeting}".*?</li>', page, re.S)
    assert found is not None
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found[0])).split())


def flashed(page: Any) -> list[str]:
    return [unescape(m) for m in re.findall(r'<p class="flash [a-z]+" role="\w+">([^<]*)</p>',
                                            page.get_data(as_text=True))]


def test_each_member_reads_their_state_and_the_place_on_their_card(
        client: FlaskClient, world: dict[str, Any]) -> None:
    pages, meeting = world["pages"], world["meeting"]
    rep = card(client, pages[REPRESENTATIVE], meeting)
    assert "Plats: Länsmuseet, Örebro" in rep and "Du väntas komma." in rep
    assert "För kännedom: din ledamot väntas komma." in card(client, pages["Erik Åkesson"], meeting)
    english = card(client, pages["Eva Ek"], meeting, "en")
    assert "For information: your representative is expected to come." in english
    assert "Place: Länsmuseet, Örebro" in english
    world["services"].upload_calendar(world["ids"][REPRESENTATIVE], AWAY)
    standby = card(client, pages["Erik Åkesson"], meeting)
    assert (f"Du är i beredskap: din ledamot {REPRESENTATIVE} kan troligen inte komma – "
            "räkna med att du behövs.") in standby
    raw = client.get(f"/my/{pages['Erik Åkesson']}").get_data(as_text=True)
    assert "Anna &lt;b&gt;Ek&lt;/b&gt;" in raw and "<b>Ek</b>" not in raw


def test_after_i_cannot_come_the_page_says_who_is_called_in(
        client: FlaskClient, world: dict[str, Any]) -> None:
    pages, meeting = world["pages"], world["meeting"]
    answer = client.post(f"/my/{pages[REPRESENTATIVE]}/meetings/{meeting}",
                         data={"answer": "absent"})
    assert answer.status_code == 303
    assert flashed(client.get(answer.location)) == ["Tack! Ditt svar är sparat.",
                                                    "Erik Åkesson är inkallad."]
    assert "Du har meddelat förhinder." in card(client, pages[REPRESENTATIVE], meeting)
    assert (f"Du är inkallad – du ersätter {REPRESENTATIVE}."
            in card(client, pages["Erik Åkesson"], meeting))
    assert "För kännedom: din ledamot väntas komma." in card(
        client, pages["Eva Ek"], meeting)  # another substitute is called in: told, not needed
    # the substitute called in cannot come either: the next one is
    answer = client.post(f"/my/{pages['Erik Åkesson']}/meetings/{meeting}",
                         data={"answer": "absent"})
    assert flashed(client.get(answer.location))[1:] == ["Eva Ek är inkallad."]


def test_when_nobody_can_stand_in_the_page_says_so(client: FlaskClient,
                                                   world: dict[str, Any]) -> None:
    answer = client.post(f"/my/{world['pages']['Karin Berg']}/meetings/{world['meeting']}",
                         data={"answer": "absent"})
    assert flashed(client.get(answer.location)) == [
        "Tack! Ditt svar är sparat.",
        "Ingen ersättare kan komma i ditt ställe. Sekreteraren får besked."]


def test_a_declared_absence_shows_as_the_members_own_notice_not_as_unanswered(
        client: FlaskClient, world: dict[str, Any]) -> None:
    pages, meeting = world["pages"], world["meeting"]
    client.post(f"/my/{pages['Erik Åkesson']}/absences",
                data={"from": "2027-01-10", "to": "2027-01-17"})
    text = card(client, pages["Erik Åkesson"], meeting)
    assert "Du har meddelat förhinder." in text and "inte besvarat ännu" not in text
