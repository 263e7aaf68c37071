"""The Flask app: parse the request, check the token, call a service, serialise the result.

Every error is ``application/problem+json`` (RFC 9457); anything the caller did wrong is
a 4xx that names the field, and nothing stored changes when a request fails.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from calendars import CalendarError, CalendarFetchError
from scheduler.errors import InputError
from scheduler.reports import report_csv
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
@authorised("admin")
def create_council() -> Response:
    """Create a council from its JSON document."""
    stored = _services().create_council(_json_body())
    response = jsonify(_services().council_document(stored.id))
    response.status_code = 201
    response.headers["Location"] = f"/api/councils/{stored.id}"
    return response


@api.get("/councils/<council_id>")
@authorised("secretary", "chair", council=lambda council_id: council_id)
def read_council(council_id: str) -> Response:
    """A council with its parties, members and calendar states."""
    return jsonify(_services().council_document(council_id))


@api.delete("/councils/<council_id>")
@authorised("admin")
def delete_council(council_id: str) -> Response:
    """Remove a council and everything it owns."""
    _services().store.delete_council(council_id)
    return Response(status=204)


@api.put("/members/<member_id>/calendar")
@authorised("secretary", council=_council_of_member)
def upload_calendar(member_id: str) -> Response:
    """Replace a member's calendar with an uploaded text/calendar body."""
    if request.mimetype != "text/calendar":
        raise Problem(415, "Unsupported Media Type", "the body must be text/calendar")
    _services().upload_calendar(member_id, request.get_data())
    return Response(status=204)


@api.post("/members/<member_id>/calendar/refresh")
@authorised("secretary", council=_council_of_member)
def refresh_calendar(member_id: str) -> Response:
    """Fetch the member's calendar URL again."""
    state = _services().refresh_calendar(member_id)
    return jsonify({"member_id": member_id, "content_hash": state.content_hash,
                    "fetched_at": state.fetched_at.isoformat() if state.fetched_at else None,
                    "busy_intervals": state.intervals})


@api.post("/councils/<council_id>/proposals")
@authorised("secretary", council=lambda council_id: council_id)
def create_proposal(council_id: str) -> Response:
    """Propose meetings; 201 with the id and the proposal document."""
    proposal = _services().create_proposal(council_id, _json_body())
    response = jsonify({"id": proposal.id, **proposal.document})
    response.status_code = 201
    response.headers["Location"] = f"/api/proposals/{proposal.id}"
    return response


@api.get("/councils/<council_id>/proposals")
@authorised("secretary", "chair", council=lambda council_id: council_id)
def list_proposals(council_id: str) -> Response:
    """A council's proposals, newest first."""
    found = _services().plans.proposals(council_id)
    return jsonify({"proposals": [{"id": p.id, "status": p.status,
                                   "created_at": p.created_at.isoformat(),
                                   "confirmed": p.confirmed_at is not None} for p in found]})


@api.get("/proposals/<proposal_id>")
@authorised("secretary", "chair", council=_council_of_proposal)
def read_proposal(proposal_id: str) -> Response:
    """One proposal as asked and answered."""
    proposal = _services().plans.proposal(proposal_id)
    return jsonify({"id": proposal.id, "council_id": proposal.council_id,
                    "request": proposal.request,
                    "confirmed_at": proposal.confirmed_at.isoformat()
                    if proposal.confirmed_at else None, **proposal.document})


@api.post("/proposals/<proposal_id>/confirm")
@authorised("secretary", council=_council_of_proposal)
def confirm_proposal(proposal_id: str) -> Response:
    """Create the proposal's meetings: 201 the first time, 200 with the same ones after."""
    created, found = _services().confirm(proposal_id)
    response = jsonify({"meetings": [_meeting_json(m) for m in found]})
    response.status_code = 201 if created else 200
    return response


@api.patch("/meetings/<meeting_id>")
@authorised("secretary", council=_council_of_meeting)
def change_meeting(meeting_id: str) -> Response:
    """Move a meeting (start, end) or cancel it (status: cancelled)."""
    return jsonify(_meeting_json(_services().change_meeting(meeting_id, _json_body())))


@api.post("/meetings/<meeting_id>/attendance")
@authorised("secretary", council=_council_of_meeting)
def record_attendance(meeting_id: str) -> Response:
    """Record a member's notice of absence, or presence or absence after the meeting."""
    _services().record_attendance(meeting_id, _json_body())
    return Response(status=204)


@api.get("/members/<member_id>/feed")
@authorised("secretary", council=_council_of_member)
def member_feed_link(member_id: str) -> Response:
    """A new subscription link for the member's feed (earlier links keep working)."""
    return jsonify(_feed_links(_services().feed_secret(member_id)))


@api.post("/members/<member_id>/feed/rotate")
@authorised("secretary", council=_council_of_member)
def rotate_member_feed(member_id: str) -> Response:
    """A new link for the member's feed; every earlier link stops working."""
    return jsonify(_feed_links(_services().feed_secret(member_id, rotate=True)))


def _feed_links(secret: str) -> dict[str, str]:
    url = url_for("feeds.feed", secret=secret, _external=True)
    return {"url": url, "webcal": "webcal://" + url.split("://", 1)[1]}


@feeds.get("/feeds/<secret>.ics")
def feed(secret: str) -> Response:
    """A member's iCal feed; the secret in the link is the only credential."""
    body = _services().feed(secret, holds=request.args.get("holds") in ("1", "true"))
    if body is None:
        raise Problem(404, "Not Found", "no such feed (the link may have been rotated)")
    response = Response(body, mimetype="text/calendar")
    response.content_type = "text/calendar; charset=utf-8"
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.headers["Cache-Control"] = "private, max-age=300"
    return response.make_conditional(request)


@api.get("/councils/<council_id>/reports/conflicts")
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
@authorised("secretary", "chair", council=lambda council_id: council_id)
def list_meetings(council_id: str) -> Response:
    """A council's meetings by start."""
    return jsonify({"meetings": [_meeting_json(m)
                                 for m in _services().plans.meetings(council_id)]})


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
