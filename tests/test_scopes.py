"""Every route and page keeps to its council: a token or signed-in session of council A
finds nothing of council B (404, as if it did not exist), no token is 401, and a chair may
not do what only a secretary may. The routes are walked from the app's URL map, so a new
route that this file cannot fill fails here until its scope is tested."""

from __future__ import annotations

import pytest

from api import create_app

from .conftest import bearer
from .council_helpers import ics

A = {"name": "Kulturrådet", "timezone": "Europe/Stockholm",
     "bodies": [{"id": "kf", "name": "Nora kommunfullmäktige"}],
     "parties": [{"id": "nora", "members": [{"name": "Anna Ek", "role": "representative"},
                                            {"name": "Erik Ek", "role": "substitute"}]},
                 {"id": "kumla", "members": [{"name": "Karin Berg", "role": "representative"}]}]}
B = {"name": "Miljörådet Hemlig", "timezone": "Europe/Stockholm",
     "bodies": [{"id": "kf", "name": "Lekebergs kommunfullmäktige"}],
     "parties": [{"id": "lekeberg", "members": [{"name": "Lena Lind", "role": "representative"},
                                                {"name": "Lars Lind", "role": "substitute"}]},
                 {"id": "laxa", "members": [{"name": "Lisa Lax", "role": "representative"}]}]}
OPTIONS = {"from": "2027-01-11", "to": "2027-01-16", "meetings": 1, "min_gap_days": 1}

# the path parameters this file knows how to fill, and which of them name a council's resource
FILLED = ("council_id", "member_id", "proposal_id", "meeting_id", "party_id", "body_id",
          "poll_id", "job_id")
SCOPING = {"council_id", "member_id", "proposal_id", "meeting_id", "poll_id", "job_id"}
# routes with no council resource in the path, and why there is nothing to scope
UNSCOPED = {
    "api.create_council": "creates a council (admins only)",
    "api.create_round": "checks every council the body names (tests/test_api_rounds.py)",
    "api.read_round": "checks the round's councils in the view (tests/test_api_rounds.py)",
    "round_pages.round_page": "checks the round's councils in the view (tests/test_round_pages.py)",
    "docs.openapi": "the public API description",
    "docs.docs": "the public API description",
    "feeds.feed": "the secret in the link is the only credential",
    "health.healthz": "a probe for process managers: says only that the process runs",
    "health.readyz": "a probe for load balancers: says only whether the database and queue answer",
    "pages.static": "style sheets",
    "pages.home": "redirects to the signed-in token's own council",
    "pages.sign_in": "signing in",
    "pages.sign_out": "signing out",
    "pages.councils": "the list of councils (admins only)",
    **dict.fromkeys(("member_pages.member", "member_pages.answer_meeting",
                     "member_pages.answer_poll", "member_pages.add_absence",
                     "member_pages.remove_absence", "member_pages.connect_calendar",
                     "member_pages.forget_calendar", "member_pages.rotate",
                     "member_pages.rotate_page"),
                    "a member's page: the secret in the link is the only credential "
                    "(tests/test_member_pages.py checks it reaches only its member)"),
    **dict.fromkeys(("own.my_overview", "own.answer_meeting", "own.answer_poll",
                     "own.set_absences", "own.connect_calendar", "own.forget_calendar"),
                    "a member's own link: the secret in it is the only credential "
                    "(tests/test_members_loop.py checks it reaches only its member)"),
}
# what a chair may do on their own council; every other scoped route is a secretary's
CHAIR_MAY = {"api.read_council", "api.list_proposals", "api.read_proposal", "api.list_meetings",
             "api.conflict_report", "pages.council", "pages.proposal", "pages.report",
             "pages.report_download", "api.list_polls", "api.read_poll", "api.list_rounds",
             "jobs.read_job", "job_pages.job_page", "api.read_meeting", "api.meeting_history"}
ADMIN_ONLY = {"api.delete_council"}
UNKNOWN = dict.fromkeys(FILLED, "0123456789abcdef")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One app for the module, with the pages' forms accepted without a CSRF token."""
    folder = tmp_path_factory.mktemp("scopes")
    made = create_app({"DATABASE_URL": f"sqlite:///{folder / 'app.sqlite'}", "TESTING": True,
                       "WTF_CSRF_ENABLED": False, "SECRET_KEY": "tests"})
    yield made
    made.extensions["council_engine"].dispose()


@pytest.fixture(scope="module")
def ids(app):
    """Councils A and B, each with members, a proposal and a confirmed meeting: the
    path values of each."""
    services = app.extensions["council_services"]
    found = {}
    for name, document in (("A", A), ("B", B)):
        council = services.create_council(document)
        proposal = services.create_proposal(council["id"], OPTIONS)
        poll = services.open_poll(proposal.id, {"deadline": "2027-01-10"})
        _created, meetings = services.confirm(proposal.id)
        job, _new = services.submit_proposal(council["id"], OPTIONS)
        first = council["parties"][0]
        found[name] = {"council_id": council["id"], "member_id": first["members"][1]["id"],
                       "proposal_id": proposal.id, "meeting_id": meetings[0].id,
                       "party_id": first["id"], "body_id": "kf", "poll_id": poll.id,
                       "job_id": job.id}
    return found


def walk(app) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(method, endpoint, rule) of every route with a council resource in its path, and
    the routes this file does not know how to fill."""
    scoped, unknown = [], []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNSCOPED:
            continue
        arguments = set(rule.arguments)
        if not arguments & SCOPING or not arguments <= set(FILLED):
            unknown.append(f"{rule.rule} ({rule.endpoint})")
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            scoped.append((method, rule.endpoint, rule.rule))
    return scoped, unknown


def without_request_id(problem: dict[str, object]) -> dict[str, object]:
    """A problem without the id of the request that got it (each request has its own)."""
    return {key: value for key, value in problem.items() if key != "request_id"}


def path(app, endpoint: str, values: dict[str, str]) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return app.url_map.bind("localhost").build(endpoint, {k: values[k] for k in rule.arguments})


def call(client, method: str, url: str, headers: dict[str, str] | None = None):
    """A request of the route's method with a body it could take."""
    if method in ("GET", "DELETE"):
        return client.open(url, method=method, headers=headers)
    if url.startswith("/api/"):
        if method == "PUT":
            return client.open(url, method=method, headers=headers, content_type="text/calendar",
                               data=ics(("x", "20270111T080000", "20270111T170000")))
        return client.open(url, method=method, headers=headers, json={})
    return client.open(url, method=method, headers=headers, data={
        "start": "2027-01-12T10:00", "from": "2027-01-11", "to": "2027-01-16", "meetings": "1"})


def api_routes(app):
    return [(m, e, r) for m, e, r in walk(app)[0] if r.startswith("/api/")]


def page_routes(app):
    return [(m, e, r) for m, e, r in walk(app)[0] if not r.startswith("/api/")]


def snapshot(app, council_id: str):
    services = app.extensions["council_services"]
    return (services.council_document(council_id, urls=True), services.meetings(council_id),
            services.proposals(council_id))


def sign_in(client, app, role: str, council_id: str) -> None:
    secret = app.extensions["council_services"].create_token(role, council_id)[1]
    answer = client.post("/sign-in", data={"token": secret})
    assert answer.status_code == 302, answer.text


# the walk knows every route ----------------------------------------------------------------
def test_every_route_is_either_scoped_by_an_id_this_file_can_fill_or_known_to_need_no_scope(app):
    scoped, unknown = walk(app)
    assert unknown == [], f"routes without a scope test: {unknown}"
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(UNSCOPED) <= endpoints, f"no longer routes: {set(UNSCOPED) - endpoints}"
    assert {e for _m, e, _r in scoped} >= CHAIR_MAY | ADMIN_ONLY
    assert len(api_routes(app)) >= 21 and len(page_routes(app)) >= 11


# the JSON API ------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["secretary", "chair"])
def test_a_token_of_council_a_finds_no_resource_of_council_b_on_any_route(app, client, ids, role):
    headers = bearer(app, role, ids["A"]["council_id"])
    before = snapshot(app, ids["B"]["council_id"])
    admin = client.get(f"/api/councils/{ids['B']['council_id']}", headers=bearer(app))
    assert admin.status_code == 200  # B is there
    wrong = []
    for method, endpoint, _rule in api_routes(app):
        answer = call(client, method, path(app, endpoint, ids["B"]), headers)
        unknown = call(client, method, path(app, endpoint, UNKNOWN), headers)
        if (answer.status_code, answer.mimetype) != (404, "application/problem+json") \
                or without_request_id(answer.json) != without_request_id(unknown.json):
            wrong.append(f"{method} {endpoint}: {answer.status_code} {answer.text[:120]}")
    assert wrong == []
    assert snapshot(app, ids["B"]["council_id"]) == before


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer cs_not-a-token"},
                                     {"Authorization": "Basic c2VjcmV0"}],
                         ids=["no token", "unknown token", "not a bearer token"])
def test_every_route_without_a_valid_token_answers_401(app, client, ids, headers):
    routes = [*api_routes(app), ("POST", "api.create_council", "/api/councils")]
    wrong = []
    for method, endpoint, _rule in routes:
        answer = call(client, method, path(app, endpoint, ids["A"]), headers)
        if (answer.status_code, answer.mimetype) != (401, "application/problem+json") \
                or "WWW-Authenticate" not in answer.headers:
            wrong.append(f"{method} {endpoint}: {answer.status_code}")
    assert wrong == []


def test_a_chair_is_refused_403_what_only_a_secretary_may_do_on_their_own_council(app, client,
                                                                                  ids):
    headers = bearer(app, "chair", ids["A"]["council_id"])
    before = snapshot(app, ids["A"]["council_id"])
    seen = {}
    for method, endpoint, _rule in api_routes(app):
        seen[f"{method} {endpoint}"] = call(client, method, path(app, endpoint, ids["A"]),
                                            headers).status_code
    expected = {f"{m} {e}": 200 if e in CHAIR_MAY else 403 for m, e, _r in api_routes(app)}
    assert seen == expected
    assert snapshot(app, ids["A"]["council_id"]) == before


def test_a_secretary_may_not_delete_their_own_council(app, client, ids):
    headers = bearer(app, "secretary", ids["A"]["council_id"])
    for endpoint in ADMIN_ONLY:
        answer = client.delete(path(app, endpoint, ids["A"]), headers=headers)
        assert answer.status_code == 403
    assert client.get(f"/api/councils/{ids['A']['council_id']}", headers=headers).status_code \
        == 200


# the pages ---------------------------------------------------------------------------------
def test_a_secretary_of_council_a_signed_in_finds_no_page_of_council_b(app, client, ids):
    sign_in(client, app, "secretary", ids["A"]["council_id"])
    assert client.get(f"/councils/{ids['A']['council_id']}").status_code == 200  # signed in
    before = snapshot(app, ids["B"]["council_id"])
    wrong = []
    for method, endpoint, _rule in page_routes(app):
        answer = call(client, method, path(app, endpoint, ids["B"]))
        unknown = call(client, method, path(app, endpoint, UNKNOWN))
        if answer.status_code != 404 or B["name"] in answer.text \
                or unknown.status_code != 404:
            wrong.append(f"{method} {endpoint}: {answer.status_code}")
    assert wrong == []
    assert snapshot(app, ids["B"]["council_id"]) == before


def test_every_page_without_a_session_sends_the_reader_to_sign_in(app, client, ids):
    wrong = []
    for method, endpoint, _rule in page_routes(app):
        answer = call(client, method, path(app, endpoint, ids["A"]))
        if answer.status_code != 302 or not answer.location.startswith("/sign-in"):
            wrong.append(f"{method} {endpoint}: {answer.status_code} {answer.location}")
    assert wrong == []


def test_a_signed_out_session_opens_no_page_again(app, client, ids):
    sign_in(client, app, "secretary", ids["A"]["council_id"])
    council = f"/councils/{ids['A']['council_id']}"
    assert client.get(council).status_code == 200
    cookie = client.get_cookie("session")
    client.post("/sign-out")
    client.set_cookie("session", cookie.value)  # the copied cookie of the ended session
    assert client.get(council).status_code == 302


def test_a_chair_signed_in_is_refused_403_the_secretarys_pages_of_their_own_council(app, client,
                                                                                     ids):
    sign_in(client, app, "chair", ids["A"]["council_id"])
    before = snapshot(app, ids["A"]["council_id"])
    seen = {f"{m} {e}": call(client, m, path(app, e, ids["A"])).status_code
            for m, e, _r in page_routes(app)}
    expected = {f"{m} {e}": 200 if e in CHAIR_MAY else 403 for m, e, _r in page_routes(app)}
    assert seen == expected
    assert snapshot(app, ids["A"]["council_id"]) == before


def test_another_councils_member_in_a_body_answers_as_a_member_that_does_not_exist(app, client,
                                                                                  ids):
    headers = bearer(app, "secretary", ids["A"]["council_id"])
    meeting = f"/api/meetings/{ids['A']['meeting_id']}/attendance"
    theirs = client.post(meeting, headers=headers,
                         json={"member_id": ids["B"]["member_id"], "state": "present"})
    unknown = client.post(meeting, headers=headers,
                          json={"member_id": UNKNOWN["member_id"], "state": "present"})
    assert theirs.status_code == unknown.status_code == 400
    assert theirs.json["detail"].replace(ids["B"]["member_id"], "ID") \
        == unknown.json["detail"].replace(UNKNOWN["member_id"], "ID")
    assert theirs.json["invalid-params"][0]["name"] == "member_id"
