"""A meeting's history: every change to a meeting and to each member's part in it, kept
append-only with who made it, in the same transaction as the change; read back through
``GET /api/meetings/{id}/history`` and shown to the secretary and the chair; and the
meeting itself through ``GET /api/meetings/{id}``, as the conflict report sees it."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from flask import Flask

import api.openapi
from api import create_app
from scheduler.council_file import parse_council
from scheduler.errors import Conflict, NotFound
from scheduler.services import Services, open_services
from scheduler.storage.history import HistoryRepository

from . import test_pages
from .conftest import Repositories, bearer
from .databases import database
from .fakes import FakeHistory, fake_services

TODAY = dt.date.today()  # the services take "now" from the clock: meetings must lie ahead
COUNCIL = {
    "name": "Kulturrådet", "timezone": "Europe/Stockholm",
    "parties": [
        {"id": "nora", "name": "Nora kommun", "members": [
            {"name": "Anna Ek", "role": "representative"},
            {"name": "Erik <b>Ek</b>", "role": "substitute"}]},
        {"id": "kumla", "name": "Kumla kommun", "members": [
            {"name": "Karin Berg", "role": "representative"}]},
    ],
}
OTHER = {"name": "Miljörådet", "timezone": "Europe/Stockholm",
         "parties": [{"id": "lekeberg", "members": [{"name": "Lena Lind",
                                                     "role": "representative"}]}]}


def week(offset: int) -> dict[str, Any]:
    """One three-hour slot a day over a week ``offset`` days ahead: one meeting."""
    return {"from": (TODAY + dt.timedelta(days=offset)).isoformat(),
            "to": (TODAY + dt.timedelta(days=offset + 7)).isoformat(), "meetings": 1,
            "duration": "3h", "step": "3h", "earliest": "09:00", "latest": "12:00",
            "time_limit_s": 10}


def ids(council: dict[str, Any]) -> dict[str, str]:
    return {m["name"]: m["id"] for p in council["parties"] for m in p["members"]}


# storage -----------------------------------------------------------------------------------
TOML = """
name = "Kulturrådet"
timezone = "Europe/Stockholm"

[[parties]]
id = "nora"

[[parties.members]]
name = "Anna Ek"
role = "representative"

[[parties.members]]
name = "Erik Ek"
role = "substitute"
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory) -> Iterator[Repositories]:
    with database(request.param, tmp_path_factory.mktemp(request.param)) as engine:
        yield Repositories(engine)


def stored_meeting(store: Repositories):
    record = store.councils.add(parse_council(TOML, base=Path(".")))
    proposal = store.plans.add_proposal(record.id, {}, {"status": "optimal"})
    start = dt.datetime(2027, 3, 3, 9, tzinfo=dt.UTC)
    _, (meeting,) = store.plans.confirm(proposal.id, [(start, start + dt.timedelta(hours=3))])
    return record, meeting


def test_the_history_is_read_back_oldest_first_with_its_detail_and_authors(store):
    record, meeting = stored_meeting(store)
    substitute = record.member_ids[("nora", 1)]
    store.history.add(meeting.id, "confirmed", by="token:abc",
                      detail={"start": "2027-03-03T09:00:00+00:00"})
    store.history.add(meeting.id, "called_in", by="system", member_id=substitute,
                      detail={"party": "nora", "after": "member:x", "nested": {"n": [1, 2]}})
    store.history.add(meeting.id, "cancelled", by="token:abc")
    found = store.history.of_meetings([meeting.id])
    assert [(h.kind, h.member_id, h.by) for h in found] == [
        ("confirmed", None, "token:abc"), ("called_in", substitute, "system"),
        ("cancelled", None, "token:abc")]
    assert found[1].detail == {"party": "nora", "after": "member:x", "nested": {"n": [1, 2]}}
    assert found[2].detail == {}
    assert found[0].at <= found[1].at <= found[2].at and found[0].at.tzinfo is not None
    assert store.history.of_meetings(["nothing"]) == [] and store.history.of_meetings([]) == []


def test_a_kind_the_history_does_not_know_is_refused_and_nothing_is_kept(store):
    _record, meeting = stored_meeting(store)
    with pytest.raises(ValueError, match="no history kind"):
        store.history.add(meeting.id, "rewritten", by="system")
    assert store.history.of_meetings([meeting.id]) == []


def test_the_history_offers_no_way_to_change_or_remove_a_row():
    for repository in (HistoryRepository, FakeHistory):
        public = {name for name in vars(repository) if not name.startswith("_")}
        assert public == {"add", "of_meetings"}, repository


def test_a_removed_substitute_leaves_their_part_in_the_history(store):
    record, meeting = stored_meeting(store)
    substitute = record.member_ids[("nora", 1)]
    store.history.add(meeting.id, "called_in", by="system", member_id=substitute)
    store.councils.remove_substitute(substitute)
    assert [h.member_id for h in store.history.of_meetings([meeting.id])] == [substitute]


def test_deleting_the_council_takes_its_meetings_histories_with_it(store):
    record, meeting = stored_meeting(store)
    _other, kept = stored_meeting(store)
    store.history.add(meeting.id, "confirmed", by="system")
    store.history.add(kept.id, "confirmed", by="system")
    store.councils.delete(record.id)
    assert store.history.of_meetings([meeting.id]) == []
    assert len(store.history.of_meetings([kept.id])) == 1


def test_tokens_are_found_by_id_revoked_ones_too(store):
    record, _meeting = stored_meeting(store)
    token, _secret = store.tokens.create("secretary", record.id, "Kansliet")
    store.tokens.revoke(token.id)
    found = store.tokens.by_ids([token.id, "nothing"])
    assert list(found) == [token.id]
    assert (found[token.id].label, found[token.id].active) == ("Kansliet", False)


# the use cases -----------------------------------------------------------------------------
@pytest.fixture(params=["fake", "sqlite"])
def services(request, tmp_path) -> Iterator[Services]:
    """The services over in-memory storage, then over an SQLite file."""
    if request.param == "fake":
        yield fake_services()
        return
    made, engine = open_services(f"sqlite:///{tmp_path}/x.sqlite", link_key="tests")
    yield made
    engine.dispose()


def rows(services: Services, meeting_id: str) -> list[tuple[Any, ...]]:
    """(kind, member id, who) of each change, oldest first."""
    return [(e["kind"], e.get("member_id"), e["by"]["kind"], e["by"].get("id"))
            for e in services.meeting_history(meeting_id)]


def test_confirm_move_an_absence_and_cancel_each_leave_their_mark_with_who_made_them(services):
    council = services.create_council(COUNCIL)
    members = ids(council)
    anna, erik = members["Anna Ek"], members["Erik <b>Ek</b>"]
    token, _secret = services.create_token("secretary", council["id"], "Kansliet")
    proposal = services.create_proposal(council["id"], week(21))
    _made, (meeting,) = services.confirm(proposal.id, by=token.id)
    later = meeting.start + dt.timedelta(days=7)
    moved = services.change_meeting(meeting.id, {"start": later.isoformat(),
                                                 "end": (later + dt.timedelta(hours=3)).isoformat()},
                                     by=token.id)
    services.answer_meeting_as(services.page_secret(anna), meeting.id, {"answer": "absent"})
    services.change_meeting(meeting.id, {"status": "cancelled"}, by=token.id)

    assert rows(services, meeting.id) == [
        ("confirmed", None, "token", token.id),
        ("moved", None, "token", token.id),
        ("answered", anna, "member", anna),
        ("called_in", erik, "system", None),
        ("cancelled", None, "token", token.id)]
    history = services.meeting_history(meeting.id)
    assert history[0]["by"] == {"kind": "token", "id": token.id, "role": "secretary",
                                "label": "Kansliet"}
    assert history[0]["detail"] == {"start": meeting.start.isoformat(),
                                    "end": meeting.end.isoformat()}
    assert history[1]["detail"] == {"old_start": meeting.start.isoformat(),
                                    "old_end": meeting.end.isoformat(),
                                    "start": moved.start.isoformat(), "end": moved.end.isoformat()}
    assert history[2]["detail"] == {"answer": "absent"}
    assert history[2]["by"] == {"kind": "member", "id": anna, "name": "Anna Ek"}
    assert history[3]["detail"] == {"party": "nora", "after": {"kind": "member", "id": anna,
                                                               "name": "Anna Ek"}}
    assert "member_id" not in history[0]


def test_what_changes_nothing_adds_nothing_to_the_history(services):
    council = services.create_council(COUNCIL)
    anna = ids(council)["Anna Ek"]
    proposal = services.create_proposal(council["id"], week(21))
    _made, (meeting,) = services.confirm(proposal.id)
    services.confirm(proposal.id)  # confirmed already: the same meetings, nothing new
    services.change_meeting(meeting.id, {"start": meeting.start.isoformat(),
                                         "end": meeting.end.isoformat()})  # the same times
    secret = services.page_secret(anna)
    services.answer_meeting_as(secret, meeting.id, {"answer": "coming"})
    services.answer_meeting_as(secret, meeting.id, {"answer": "coming"})  # said already
    services.change_meeting(meeting.id, {"status": "cancelled"})
    services.change_meeting(meeting.id, {"status": "cancelled"})  # cancelled already
    assert rows(services, meeting.id) == [
        ("confirmed", None, "system", None), ("answered", anna, "member", anna),
        ("cancelled", None, "system", None)]


def test_an_absence_declared_and_withdrawn_calls_in_and_releases_the_substitute(services):
    council = services.create_council(COUNCIL)
    members = ids(council)
    anna, erik = members["Anna Ek"], members["Erik <b>Ek</b>"]
    proposal = services.create_proposal(council["id"], week(21))
    _made, (meeting, ) = services.confirm(proposal.id)
    day = meeting.start.astimezone(dt.UTC).date()
    secret = services.page_secret(anna)
    span = {"from": (day - dt.timedelta(days=1)).isoformat(), "to": day.isoformat()}
    services.set_absences_as(secret, [span])
    services.set_absences_as(secret, [span])  # the same again: nothing changes
    far = (day + dt.timedelta(days=60)).isoformat()
    services.set_absences_as(secret, [span, {"from": far, "to": far}])  # not this meeting
    services.set_absences_as(secret, [])
    assert rows(services, meeting.id) == [
        ("confirmed", None, "system", None),
        ("absence", anna, "member", anna), ("called_in", erik, "system", None),
        ("absence", anna, "member", anna), ("released", erik, "system", None)]
    history = services.meeting_history(meeting.id)
    assert history[1]["detail"] == {"absent": True, **span}
    assert history[3]["detail"] == {"absent": False}


def test_an_absence_after_the_answers_closed_is_kept_as_late_and_calls_nobody_in(services):
    council = services.create_council({**COUNCIL, "answer_days": 30})  # closed already
    anna = ids(council)["Anna Ek"]
    _made, (meeting,) = services.confirm(services.create_proposal(council["id"], week(21)).id)
    day = meeting.start.astimezone(dt.UTC).date().isoformat()
    services.set_absences_as(services.page_secret(anna), [{"from": day, "to": day}])
    assert rows(services, meeting.id) == [("confirmed", None, "system", None),
                                          ("absence", anna, "member", anna)]
    assert services.meeting_history(meeting.id)[1]["detail"] == {
        "absent": True, "from": day, "to": day, "late": True}


def test_the_secretarys_notice_and_recorded_attendance_are_kept_by_their_token(services):
    council = services.create_council(COUNCIL)
    members = ids(council)
    token, _secret = services.create_token("secretary", council["id"])
    proposal = services.create_proposal(council["id"], week(21))
    _made, (meeting,) = services.confirm(proposal.id, by=token.id)
    for _ in range(2):  # the second time changes nothing
        services.record_attendance(meeting.id, {"member_id": members["Anna Ek"],
                                                "state": "absent_notice"}, by=token.id)
    services.record_attendance(meeting.id, {"member_id": members["Karin Berg"],
                                            "state": "present"}, by=token.id)
    assert rows(services, meeting.id)[1:] == [
        ("absence", members["Anna Ek"], "token", token.id),
        ("called_in", members["Erik <b>Ek</b>"], "system", None),
        ("recorded", members["Karin Berg"], "token", token.id)]
    history = services.meeting_history(meeting.id)
    assert history[1]["detail"] == {"absent": True, "notice": True}
    assert history[2]["detail"]["after"] == {"kind": "token", "id": token.id,
                                             "role": "secretary", "label": None}
    assert history[3]["detail"] == {"state": "present"}


def test_a_change_that_fails_leaves_no_history(services):
    council = services.create_council(COUNCIL)
    proposal = services.create_proposal(council["id"], week(21))
    _made, (meeting,) = services.confirm(proposal.id)
    services.change_meeting(meeting.id, {"status": "cancelled"})
    with pytest.raises(Conflict):
        services.change_meeting(meeting.id, {"start": meeting.start.isoformat(),
                                             "end": meeting.end.isoformat()})
    assert [r[0] for r in rows(services, meeting.id)] == ["confirmed", "cancelled"]


def test_the_history_of_a_meeting_that_does_not_exist_is_not_found(services):
    with pytest.raises(NotFound):
        services.meeting_history("0123456789abcdef")


# the API -----------------------------------------------------------------------------------
@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    made = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", "TESTING": True,
                       "WTF_CSRF_ENABLED": False, "SECRET_KEY": "tests"})
    yield made
    made.extensions["council_engine"].dispose()


@pytest.fixture
def world(app) -> dict[str, Any]:
    """A council with one confirmed meeting, moved, whose representative said she cannot
    come (her substitute called in); and a cancelled one; and another council."""
    services = app.extensions["council_services"]
    council = services.create_council(COUNCIL)
    token, secret = services.create_token("secretary", council["id"], "Kansliet")
    _made, (meeting,) = services.confirm(
        services.create_proposal(council["id"], week(21)).id, by=token.id)
    later = meeting.start + dt.timedelta(days=7)
    services.change_meeting(meeting.id, {"start": later.isoformat(),
                                         "end": (later + dt.timedelta(hours=3)).isoformat()},
                            by=token.id)
    services.answer_meeting_as(services.page_secret(ids(council)["Anna Ek"]), meeting.id,
                               {"answer": "absent"})
    _made, (cancelled,) = services.confirm(
        services.create_proposal(council["id"], week(60)).id, by=token.id)
    services.change_meeting(cancelled.id, {"status": "cancelled"}, by=token.id)
    other = services.create_council(OTHER)
    return {"council": council, "meeting": meeting.id, "cancelled": cancelled.id,
            "secretary": {"Authorization": f"Bearer {secret}"},
            "chair": bearer(app, "chair", council["id"]),
            "other": bearer(app, "secretary", other["id"]), "members": ids(council)}


def schema_of(app: Flask, path: str) -> dict[str, Any]:
    """The OpenAPI document's schema of a GET's 200 answer, resolvable on its own."""
    document = api.openapi.openapi_document(app)
    answer = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    return {**answer["schema"], "components": document["components"]}


def test_a_meeting_reads_as_the_conflict_report_sees_it_with_member_ids(app, world):
    client = app.test_client()
    for role in ("secretary", "chair"):
        answer = client.get(f"/api/meetings/{world['meeting']}", headers=world[role])
        assert answer.status_code == 200, role
        view = answer.get_json()
        jsonschema.validate(view, schema_of(app, "/api/meetings/{meeting_id}"))
    assert (view["id"], view["status"], view["sequence"]) == (world["meeting"], "confirmed", 1)
    report = client.get(f"/api/councils/{world['council']['id']}/reports/conflicts",
                        headers=world["chair"]).get_json()
    (reported,) = [m for m in report["meetings"] if m["id"] == world["meeting"]]
    assert view["parties"] == reported["parties"]
    assert (view["start"], view["end"]) == (reported["start"], reported["end"])
    assert {m["name"]: m["id"] for p in view["parties"] for m in p["members"]} == world["members"]
    nora = view["parties"][0]
    assert [m["called_in"] for m in nora["members"]] == [False, True]
    cancelled = client.get(f"/api/meetings/{world['cancelled']}", headers=world["chair"])
    assert (cancelled.get_json()["status"], cancelled.get_json()["parties"]) == ("cancelled", [])


def test_a_meetings_history_reads_oldest_first_as_its_document_says(app, world):
    client = app.test_client()
    for role in ("secretary", "chair"):
        answer = client.get(f"/api/meetings/{world['meeting']}/history", headers=world[role])
        assert answer.status_code == 200, role
        history = answer.get_json()
        jsonschema.validate(history, schema_of(app, "/api/meetings/{meeting_id}/history"))
    anna, erik = world["members"]["Anna Ek"], world["members"]["Erik <b>Ek</b>"]
    assert [(e["kind"], e.get("member_id")) for e in history] == [
        ("confirmed", None), ("moved", None), ("answered", anna), ("called_in", erik)]
    assert history[0]["by"]["label"] == "Kansliet"
    assert [e["at"] for e in history] == sorted(e["at"] for e in history)


@pytest.mark.parametrize("path", ["/api/meetings/{}", "/api/meetings/{}/history"])
def test_an_unknown_or_another_councils_meeting_is_not_found_and_no_token_is_401(app, world,
                                                                                 path):
    client = app.test_client()
    unknown = client.get(path.format("0123456789abcdef"), headers=world["secretary"])
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    theirs = client.get(path.format(world["meeting"]), headers=world["other"])
    assert theirs.status_code == 404 and theirs.mimetype == "application/problem+json"
    assert client.get(path.format(world["meeting"])).status_code == 401


def test_the_document_describes_both_answers_and_leads_to_them_from_a_confirmation(app):
    document = api.openapi.openapi_document(app)
    for path in ("/api/meetings/{meeting_id}", "/api/meetings/{meeting_id}/history"):
        assert {"200", "401", "403", "404"} <= set(document["paths"][path]["get"]["responses"])
    confirmed = document["paths"]["/api/proposals/{proposal_id}/confirm"]["post"]["responses"]
    assert {"read_meeting", "meeting_history"} <= set(confirmed["201"]["links"])
    entry = document["components"]["schemas"]["HistoryEntry"]
    assert set(entry["properties"]["kind"]["enum"]) >= {
        "confirmed", "moved", "cancelled", "answered", "absence", "called_in", "released",
        "mailed"}


# the pages ---------------------------------------------------------------------------------
def sign_in_as(client, app: Flask, role: str, council_id: str) -> None:
    secret = app.extensions["council_services"].create_token(role, council_id)[1]
    assert client.post("/sign-in", data={"token": secret}).status_code == 302


def history_table(text: str, meeting_id: str) -> list[list[str]]:
    """The rows of a meeting's history table, as read."""
    table = text.split(f'<table id="history-{meeting_id}">', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [[unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def local(moment: str) -> str:
    """A moment as the pages write it in Stockholm: ``8 jan 2027 kl. 14.05``."""
    months = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
    value = dt.datetime.fromisoformat(moment).astimezone(zoneinfo.ZoneInfo("Europe/Stockholm"))
    return f"{value.day} {months[value.month - 1]} {value.year} kl. {value:%H.%M}"


def test_the_secretary_reads_each_meetings_events_in_swedish(app, world):
    client = app.test_client()
    sign_in_as(client, app, "secretary", world["council"]["id"])
    page = client.get(f"/councils/{world['council']['id']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<summary>Händelser (4)</summary>" in text
    history = app.extensions["council_services"].meeting_history(world["meeting"])
    shown = history_table(text, world["meeting"])
    old, new = history[1]["detail"]["old_start"], history[1]["detail"]["start"]
    assert shown == [
        [local(history[0]["at"]), "Bekräftat", "Kansliet"],
        [local(history[1]["at"]), f"Flyttat från {local(old)} till {local(new)}", "Kansliet"],
        [local(history[2]["at"]), "Anna Ek svarade att hen inte kan komma", "Anna Ek"],
        [local(history[3]["at"]), "Erik <b>Ek</b> (Nora kommun) inkallad",
         "automatiskt, efter en ändring av Anna Ek"]]
    assert "<b>Ek</b>" not in text and "Erik &lt;b&gt;Ek&lt;/b&gt;" in text  # names are text
    assert [row[1] for row in history_table(text, world["cancelled"])] == ["Bekräftat", "Inställt"]


def test_the_chair_reads_the_events_in_the_report_cancelled_meetings_too(app, world):
    client = app.test_client()
    sign_in_as(client, app, "chair", world["council"]["id"])
    text = client.get(f"/councils/{world['council']['id']}/report").get_data(as_text=True)
    assert [row[1] for row in history_table(text, world["meeting"])][2:] == [
        "Anna Ek svarade att hen inte kan komma", "Erik <b>Ek</b> (Nora kommun) inkallad"]
    assert '<h2 id="cancelled-meetings">Inställda sammanträden</h2>' in text
    assert [row[1] for row in history_table(text, world["cancelled"])] == ["Bekräftat", "Inställt"]
    english = client.get(f"/councils/{world['council']['id']}/report",
                         headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert [row[1] for row in history_table(english, world["cancelled"])] == ["Confirmed",
                                                                             "Cancelled"]
    assert "Anna Ek answered they cannot come" in english


def test_a_history_record_that_cannot_be_kept_undoes_the_change_it_tells_of(monkeypatch):
    services = fake_services()
    council = services.create_council(COUNCIL)
    proposal = services.create_proposal(council["id"], week(21))
    _made, (meeting,) = services.confirm(proposal.id)

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the history could not be written")

    monkeypatch.setattr(FakeHistory, "add", refuse)
    with pytest.raises(RuntimeError):
        services.change_meeting(meeting.id, {"status": "cancelled"})
    assert services.meeting(meeting.id).status == "confirmed"


# in a real browser -------------------------------------------------------------------------
site = test_pages.site  # a demo server of this module's own, and the browser
browser = test_pages.browser


def test_the_events_on_the_council_page_and_the_report_have_no_accessibility_violations(
        site, browser):
    if not test_pages.AXE.exists():
        pytest.skip("axe-core is not installed (npm ci in tests/js)")
    base, tokens = site
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    council = httpx.post(f"{base}/api/councils", json=COUNCIL, headers=admin).json()
    made = httpx.post(f"{base}/api/councils/{council['id']}/proposals", json=week(21),
                      headers=admin, timeout=60)
    assert made.status_code == 201, made.text
    (meeting,) = httpx.post(f"{base}/api/proposals/{made.json()['id']}/confirm",
                            headers=admin).json()["meetings"]
    link = httpx.get(f"{base}/api/members/{ids(council)['Anna Ek']}/link", headers=admin).json()
    own = link["url"].rsplit("/my/", 1)[1]
    answered = httpx.put(f"{base}/api/my/{own}/meetings/{meeting['id']}",
                         json={"answer": "absent"})
    assert answered.status_code == 204
    context = browser.new_context(locale="sv-SE", bypass_csp=True)  # to inject axe-core
    page = context.new_page()
    test_pages.sign_in(page, base, tokens["admin"])
    found = {}
    for name, path in (("council", f"/councils/{council['id']}"),
                       ("report", f"/councils/{council['id']}/report")):
        page.goto(base + path)
        page.locator("details.history summary").first.click()
        table = page.locator(f"#history-{meeting['id']}")
        assert table.locator("tbody tr").count() == 3, name
        assert "Erik <b>Ek</b> (Nora kommun) inkallad" in table.inner_text()
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        found[name] = test_pages.violations(page)
        test_pages.shot(page, f"history-{name}")
    assert found == {name: [] for name in found}
    context.close()


def test_each_mail_about_a_meeting_is_noted_in_its_history_once(tmp_path):
    from scheduler.mail import MailSettings

    made, engine = open_services(
        f"sqlite:///{tmp_path}/m.sqlite", link_key="tests",
        mail=MailSettings("127.0.0.1", 25, sender="kalender@region.example"))
    made.mail_quiet_s = 0.0
    try:
        council = made.create_council({**COUNCIL, "secretary_email": "kansli@region.example",
                                       "parties": [
            {"id": "nora", "name": "Nora kommun", "members": [
                {"name": "Anna Ek", "role": "representative", "email": "anna@nora.example"},
                {"name": "Erik Ek", "role": "substitute", "email": "erik@nora.example"}]}]})
        members = ids(council)
        anna, erik = members["Anna Ek"], members["Erik Ek"]
        _made, (meeting,) = made.confirm(made.create_proposal(council["id"], week(21)).id)
        made.answer_meeting_as(made.page_secret(anna), meeting.id, {"answer": "absent"})
        made.answer_meeting_as(made.page_secret(anna), meeting.id, {"answer": "absent"})
        mailed = [(e.get("member_id"), e["detail"].get("reason"), e["detail"].get("to"))
                  for e in made.meeting_history(meeting.id) if e["kind"] == "mailed"]
        assert sorted(mailed, key=str) == sorted([
            (anna, "confirmed", None), (erik, "confirmed", None),  # the confirmation
            (erik, "called_in", None),  # the substitute's call-in
            (anna, "called_in", None),  # the representative told of their cover
            (None, "called_in", "secretary")], key=str)
    finally:
        engine.dispose()
