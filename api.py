"""The Flask app: parse the request, check the token, call a service, serialise the result.

Every error is ``application/problem+json`` (RFC 9457); anything the caller did wrong is
a 4xx that names the field, and nothing stored changes when a request fails.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from html import escape
from typing import Any

from apispec import APISpec
from apispec_webframeworks.flask import FlaskPlugin
from flask import Blueprint, Flask, Response, current_app, g, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from calendars import CalendarError, CalendarFetchError
from scheduler.council_file import CouncilDocument
from scheduler.errors import InputError
from scheduler.proposal_options import ProposalOptions
from scheduler.reports import report_csv
from scheduler.service_models import (
    AttendanceRecord,
    CouncilChange,
    MeetingChange,
    MemberChange,
    NewSubstitute,
)
from scheduler.services import Services
from scheduler.storage.database import database_url, make_engine, upgrade
from scheduler.storage.feeds import FeedStore
from scheduler.storage.plans import PlanStore, StoredMeeting
from scheduler.storage.repository import NotFound, Store
from scheduler.tokens import Token

__all__ = ["create_app"]

log = logging.getLogger("council_scheduler.api")
api = Blueprint("api", __name__, url_prefix="/api")
feeds = Blueprint("feeds", __name__)


class Problem(Exception):
    """An HTTP problem: status, title, and the field at fault when there is one."""

    def __init__(self, status: int, title: str, detail: str | None = None,
                 field: str | None = None):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.field = status, title, detail, field


def _problem(status: int, title: str, detail: str | None = None,
             field: str | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if field:
        body["invalid-params"] = [{"name": field, "reason": detail or title}]
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="council-scheduler"'
    return response


def _services() -> Services:
    found: Services = current_app.extensions["council_services"]
    return found


def _json_body() -> Any:
    if not request.is_json:
        raise Problem(415, "Unsupported Media Type", "the body must be application/json")
    body = request.get_json(silent=True)
    if body is None:
        raise Problem(400, "Bad Request", "the body is not valid JSON", field="body")
    return body


# authorisation ---------------------------------------------------------------------------
def _token() -> Token:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Problem(401, "Unauthorized", "send Authorization: Bearer <token>")
    token = _services().store.authenticate(secret.strip())
    if token is None:
        raise Problem(401, "Unauthorized", "the token is unknown or revoked")
    return token


def _allow(token: Token, council_id: str | None, roles: tuple[str, ...]) -> None:
    """Admins may do anything; others only their own council, in the given roles."""
    if token.role == "admin":
        return
    if council_id is None or token.council_id != council_id:
        # another council's resources are not even confirmed to exist
        raise Problem(404, "Not Found", "no such resource for this token")
    if token.role not in roles:
        raise Problem(403, "Forbidden", f"a {token.role} token may not do this")


def authorised(*roles: str, council: Callable[..., str | None] | None = None
               ) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Require a token; ``council`` finds the council the request concerns."""
    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Response:
            token = _token()
            council_id = council(**kwargs) if council else None
            _allow(token, council_id, roles)
            g.token = token
            return view(**kwargs)
        return wrapper
    return decorate


def documented(*, body: str | None = None, responses: dict[int, str] | None = None,
               public: bool = False) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Describe a view for the generated OpenAPI document: its body schema (a component
    name, or ``text/calendar``) and its success responses."""
    def mark(view: Callable[..., Response]) -> Callable[..., Response]:
        view.__dict__["openapi"] = {"body": body, "responses": responses or {200: "OK"},
                                    "public": public}
        return view
    return mark


def _council_of_member(member_id: str) -> str | None:
    try:
        return _services().store.member_council(member_id)
    except NotFound:
        return None


def _council_of_proposal(proposal_id: str) -> str | None:
    try:
        return _services().plans.proposal(proposal_id).council_id
    except NotFound:
        return None


def _council_of_meeting(meeting_id: str) -> str | None:
    try:
        return _services().plans.meeting(meeting_id).council_id
    except NotFound:
        return None


def _meeting_json(meeting: StoredMeeting) -> dict[str, Any]:
    return {"id": meeting.id, "start": meeting.start.isoformat(), "end": meeting.end.isoformat(),
            "status": meeting.status, "sequence": meeting.sequence,
            "proposal_id": meeting.proposal_id}


# views -------------------------------------------------------------------------------------
@api.post("/councils")
@documented(body="CouncilDocument", responses={201: "The council, with ids"})
@authorised("admin")
def create_council() -> Response:
    """Create a council from its JSON document."""
    stored = _services().create_council(_json_body())
    response = jsonify(_services().council_document(stored.id))
    response.status_code = 201
    response.headers["Location"] = f"/api/councils/{stored.id}"
    return response


@api.get("/councils/<council_id>")
@documented(responses={200: "The council, its members and calendar states"})
@authorised("secretary", "chair", council=lambda council_id: council_id)
def read_council(council_id: str) -> Response:
    """A council with its parties, members and calendar states."""
    return jsonify(_services().council_document(council_id))


@api.delete("/councils/<council_id>")
@documented(responses={204: "Removed"})
@authorised("admin")
def delete_council(council_id: str) -> Response:
    """Remove a council and everything it owns."""
    _services().store.delete_council(council_id)
    return Response(status=204)


@api.patch("/councils/<council_id>")
@documented(body="CouncilChange", responses={200: "The council as changed"})
@authorised("secretary", council=lambda council_id: council_id)
def change_council(council_id: str) -> Response:
    """Rename a council or change its venue."""
    return jsonify(_services().change_council(council_id, _json_body()))


@api.post("/councils/<council_id>/parties")
@documented(body="PartyDocument", responses={201: "The council with the new party"})
@authorised("secretary", council=lambda council_id: council_id)
def add_party(council_id: str) -> Response:
    """Add a party with its representative and substitutes."""
    _services().add_party(council_id, _json_body())
    response = jsonify(_services().council_document(council_id))
    response.status_code = 201
    return response


@api.delete("/councils/<council_id>/parties/<party_id>")
@documented(responses={204: "Removed"})
@authorised("secretary", council=lambda council_id, party_id: council_id)
def remove_party(council_id: str, party_id: str) -> Response:
    """Remove a party with its members and their calendars."""
    _services().store.remove_party(council_id, party_id)
    return Response(status=204)


@api.post("/councils/<council_id>/members")
@documented(body="NewSubstitute", responses={201: "The council with the new substitute"})
@authorised("secretary", council=lambda council_id: council_id)
def add_substitute(council_id: str) -> Response:
    """Add a substitute to one of the council's parties."""
    _services().add_substitute(council_id, _json_body())
    response = jsonify(_services().council_document(council_id))
    response.status_code = 201
    return response


@api.patch("/members/<member_id>")
@documented(body="MemberChange", responses={204: "Changed"})
@authorised("secretary", council=_council_of_member)
def change_member(member_id: str) -> Response:
    """Change a member's name, e-mail or calendar URL."""
    _services().change_member(member_id, _json_body())
    return Response(status=204)


@api.delete("/members/<member_id>")
@documented(responses={204: "Removed"})
@authorised("secretary", council=_council_of_member)
def remove_member(member_id: str) -> Response:
    """Remove a substitute (a representative is changed, not removed)."""
    _services().store.remove_substitute(member_id)
    return Response(status=204)


@api.put("/members/<member_id>/calendar")
@documented(body="text/calendar", responses={204: "Stored as busy intervals"})
@authorised("secretary", council=_council_of_member)
def upload_calendar(member_id: str) -> Response:
    """Replace a member's calendar with an uploaded text/calendar body."""
    if request.mimetype != "text/calendar":
        raise Problem(415, "Unsupported Media Type", "the body must be text/calendar")
    _services().upload_calendar(member_id, request.get_data())
    return Response(status=204)


@api.post("/members/<member_id>/calendar/refresh")
@documented(responses={200: "Fetched and stored", 422: "The URL could not be fetched"})
@authorised("secretary", council=_council_of_member)
def refresh_calendar(member_id: str) -> Response:
    """Fetch the member's calendar URL again."""
    state = _services().refresh_calendar(member_id)
    return jsonify({"member_id": member_id, "content_hash": state.content_hash,
                    "fetched_at": state.fetched_at.isoformat() if state.fetched_at else None,
                    "busy_intervals": state.intervals})


@api.post("/councils/<council_id>/proposals")
@documented(body="ProposalOptions", responses={201: "The proposal, with its id"})
@authorised("secretary", council=lambda council_id: council_id)
def create_proposal(council_id: str) -> Response:
    """Propose meetings; 201 with the id and the proposal document."""
    proposal = _services().create_proposal(council_id, _json_body())
    response = jsonify({"id": proposal.id, **proposal.document})
    response.status_code = 201
    response.headers["Location"] = f"/api/proposals/{proposal.id}"
    return response


@api.get("/councils/<council_id>/proposals")
@documented(responses={200: "Proposals, newest first"})
@authorised("secretary", "chair", council=lambda council_id: council_id)
def list_proposals(council_id: str) -> Response:
    """A council's proposals, newest first."""
    found = _services().plans.proposals(council_id)
    return jsonify({"proposals": [{"id": p.id, "status": p.status,
                                   "created_at": p.created_at.isoformat(),
                                   "confirmed": p.confirmed_at is not None} for p in found]})


@api.get("/proposals/<proposal_id>")
@documented(responses={200: "The proposal as asked and answered"})
@authorised("secretary", "chair", council=_council_of_proposal)
def read_proposal(proposal_id: str) -> Response:
    """One proposal as asked and answered."""
    proposal = _services().plans.proposal(proposal_id)
    return jsonify({"id": proposal.id, "council_id": proposal.council_id,
                    "request": proposal.request,
                    "confirmed_at": proposal.confirmed_at.isoformat()
                    if proposal.confirmed_at else None, **proposal.document})


@api.post("/proposals/<proposal_id>/confirm")
@documented(responses={201: "Meetings created", 200: "Already confirmed: the same meetings"})
@authorised("secretary", council=_council_of_proposal)
def confirm_proposal(proposal_id: str) -> Response:
    """Create the proposal's meetings: 201 the first time, 200 with the same ones after."""
    created, found = _services().confirm(proposal_id)
    response = jsonify({"meetings": [_meeting_json(m) for m in found]})
    response.status_code = 201 if created else 200
    return response


@api.patch("/meetings/<meeting_id>")
@documented(body="MeetingChange", responses={200: "The meeting, its sequence raised"})
@authorised("secretary", council=_council_of_meeting)
def change_meeting(meeting_id: str) -> Response:
    """Move a meeting (start, end) or cancel it (status: cancelled)."""
    return jsonify(_meeting_json(_services().change_meeting(meeting_id, _json_body())))


@api.post("/meetings/<meeting_id>/attendance")
@documented(body="AttendanceRecord", responses={204: "Recorded"})
@authorised("secretary", council=_council_of_meeting)
def record_attendance(meeting_id: str) -> Response:
    """Record a member's notice of absence, or presence or absence after the meeting."""
    _services().record_attendance(meeting_id, _json_body())
    return Response(status=204)


@api.get("/members/<member_id>/feed")
@documented(responses={200: "The feed link (https and webcal)"})
@authorised("secretary", council=_council_of_member)
def member_feed_link(member_id: str) -> Response:
    """A new subscription link for the member's feed (earlier links keep working)."""
    return jsonify(_feed_links(_services().feed_secret(member_id)))


@api.post("/members/<member_id>/feed/rotate")
@documented(responses={200: "A new feed link; the old ones stop working"})
@authorised("secretary", council=_council_of_member)
def rotate_member_feed(member_id: str) -> Response:
    """A new link for the member's feed; every earlier link stops working."""
    return jsonify(_feed_links(_services().feed_secret(member_id, rotate=True)))


def _feed_links(secret: str) -> dict[str, str]:
    url = url_for("feeds.feed", secret=secret, _external=True)
    return {"url": url, "webcal": "webcal://" + url.split("://", 1)[1]}


@feeds.get("/feeds/<secret>.ics")
@documented(public=True, responses={200: "text/calendar", 304: "Not modified (ETag)"})
def feed(secret: str) -> Response:
    """A member's iCal feed; the secret in the link is the only credential."""
    holds = request.args.get("holds") in ("1", "true")
    version = _services().feed_version(secret, holds=holds)
    if version is None:
        raise Problem(404, "Not Found", "no such feed (the link may have been rotated)")
    if version in request.if_none_match:  # unchanged: answered without building the feed
        response = Response(status=304)
        response.set_etag(version)
        return response
    built = _services().feed(secret, holds=holds)
    if built is None:
        raise Problem(404, "Not Found", "no such feed (the link may have been rotated)")
    body, version = built
    response = Response(body, mimetype="text/calendar")
    response.content_type = "text/calendar; charset=utf-8"
    response.set_etag(version)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@api.get("/councils/<council_id>/reports/conflicts")
@documented(responses={200: "The report, JSON or CSV"})
@authorised("secretary", "chair", council=lambda council_id: council_id)
def conflict_report(council_id: str) -> Response:
    """The chair's conflict report as JSON (default) or CSV (``?format=csv``)."""
    form = request.args.get("format", "json")
    if form not in ("json", "csv"):
        raise Problem(400, "Bad Request", "format must be json or csv", field="format")
    report = _services().conflict_report(council_id)
    if form == "csv":
        response = Response(report_csv(report), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="conflicts-{council_id}.csv"'
        return response
    return jsonify(report)


@api.get("/councils/<council_id>/meetings")
@documented(responses={200: "Meetings by start"})
@authorised("secretary", "chair", council=lambda council_id: council_id)
def list_meetings(council_id: str) -> Response:
    """A council's meetings by start."""
    return jsonify({"meetings": [_meeting_json(m)
                                 for m in _services().plans.meetings(council_id)]})


# the OpenAPI document ----------------------------------------------------------------------
_SCHEMAS = {"CouncilDocument": CouncilDocument, "ProposalOptions": ProposalOptions,
            "MeetingChange": MeetingChange, "AttendanceRecord": AttendanceRecord,
            "CouncilChange": CouncilChange, "MemberChange": MemberChange,
            "NewSubstitute": NewSubstitute}
_PROBLEMS = {400: "Bad input; invalid-params names the field", 401: "No or unknown token",
             403: "The token's role may not do this", 404: "No such resource for this token",
             413: "The body is too large", 415: "Wrong content type"}


def _operation(rule: Any, view: Callable[..., Response]) -> dict[str, Any]:
    info = view.__dict__.get("openapi", {})
    summary, _, description = (view.__doc__ or "").strip().partition("\n")
    operation: dict[str, Any] = {
        "summary": summary, "operationId": rule.endpoint.replace(".", "_"),
        "parameters": [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                       for name in sorted(rule.arguments)],
        "responses": {str(code): {"description": text}
                      for code, text in info.get("responses", {200: "OK"}).items()},
    }
    if description.strip():
        operation["description"] = " ".join(description.split())
    for code, text in _PROBLEMS.items():
        operation["responses"].setdefault(str(code), {
            "description": text,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
    if info.get("public"):
        operation["security"] = []
    body = info.get("body")
    if body == "text/calendar":
        operation["requestBody"] = {"required": True, "content": {
            "text/calendar": {"schema": {"type": "string", "format": "binary"}}}}
    elif body:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}}}
    return operation


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3 document, generated from the routes, their views and the schemas."""
    spec = APISpec("Council scheduler", "1.0.0", "3.1.0", plugins=[FlaskPlugin()],
                   info={"description": "Meeting dates the whole council can attend."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", {"type": "object", "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "invalid-params": {"type": "array", "items": {
            "type": "object", "properties": {"name": {"type": "string"},
                                             "reason": {"type": "string"}}}}}})
    for name, model in _SCHEMAS.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for sub_name, sub_schema in schema.pop("$defs", {}).items():
            spec.components.schema(sub_name, sub_schema)
        spec.components.schema(name, schema)
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            view = app.view_functions[rule.endpoint]
            if "openapi" not in view.__dict__:
                continue
            methods = sorted(m.lower() for m in rule.methods or () if m not in ("HEAD", "OPTIONS"))
            spec.path(view=view, app=app,
                      operations={m: _operation(rule, view) for m in methods})
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document


@api.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 document of this service."""
    return jsonify(openapi_document(current_app))


@api.get("/docs")
def docs() -> Response:
    """A readable page of the API, made from the OpenAPI document."""
    document = openapi_document(current_app)
    rows = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = ", ".join(sorted(operation["responses"]))
            rows.append(f"<tr><td><code>{method.upper()}</code></td><td><code>{escape(path)}</code>"
                        f"</td><td>{escape(operation.get('summary', ''))}</td><td>{codes}</td></tr>")
    page = ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>Council scheduler API</title><style>body{font:16px/1.5 system-ui;margin:2rem}"
            "table{border-collapse:collapse}td,th{padding:.3rem .6rem;border-bottom:1px solid #ccc;"
            "text-align:left}</style></head><body><h1>Council scheduler API</h1>"
            "<p>Send <code>Authorization: Bearer TOKEN</code> (from <code>scheduler token create"
            "</code>). Errors are <code>application/problem+json</code>. The machine-readable "
            "document: <a href='/api/openapi.json'>/api/openapi.json</a>.</p><table><thead><tr>"
            "<th>Method</th><th>Path</th><th>What</th><th>Answers</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></body></html>")
    return Response(page, mimetype="text/html")


# the app -----------------------------------------------------------------------------------
def _register_errors(app: Flask) -> None:
    @app.errorhandler(Problem)
    def problem(exc: Problem) -> Response:
        return _problem(exc.status, exc.title, exc.detail, exc.field)

    @app.errorhandler(InputError)
    def bad_input(exc: InputError) -> Response:
        return _problem(400, "Bad Request", exc.message, exc.field)

    @app.errorhandler(CalendarFetchError)
    def fetch_failed(exc: CalendarFetchError) -> Response:
        return _problem(422, "Calendar not fetched", str(exc), "calendar")

    @app.errorhandler(CalendarError)
    def bad_calendar(exc: CalendarError) -> Response:
        return _problem(400, "Not a usable calendar", str(exc), "body")

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound) -> Response:
        return _problem(404, "Not Found", exc.args[0] if exc.args else None)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return _problem(exc.code or 500, exc.name, exc.description)

    @app.errorhandler(Exception)
    def defect(exc: Exception) -> Response:
        log.exception("unexpected error")  # a 5xx is a defect: logged in full
        return _problem(500, "Internal Server Error", "an unexpected error; it has been logged")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The app over ``DATABASE_URL`` (default: ``SCHEDULER_DATABASE_URL`` or the user's
    SQLite file), with migrations applied."""
    app = Flask("council_scheduler")
    app.config.update(MAX_CONTENT_LENGTH=11_000_000, JSON_SORT_KEYS=False)
    app.config.update(config or {})
    engine = make_engine(app.config.get("DATABASE_URL") or database_url())
    upgrade(engine)
    app.extensions["council_services"] = Services(Store(engine), PlanStore(engine),
                                                  FeedStore(engine))
    app.register_blueprint(api)
    app.register_blueprint(feeds)
    _register_errors(app)
    return app
