"""The JSON API: each view parses the request, calls a service and serialises the result."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from scheduler.jobs.records import JobRecord
from scheduler.records import CalendarState, MeetingRecord, ProposalRecord
from scheduler.reports import report_csv

from .auth import authorised, documented, no_content, services
from .jobs import ASYNC_HEADERS, JOB_PARAMETERS, answer_job, idempotency_key, preferences
from .links import feed_links, page_link
from .problems import Problem

__all__ = ["STILL_FETCHING", "api", "created", "json_body", "still_fetching"]

STILL_FETCHING = ("Still being fetched after the fetch deadline; what comes of it is kept "
                  "and shows in the calendar's state")

api = Blueprint("api", __name__, url_prefix="/api")


def json_body() -> Any:
    """The request's JSON body; 415 for another media type, 400 for JSON that cannot be read
    or that holds a string which is not text (a lone surrogate), naming where it is."""
    if not request.is_json:
        raise Problem(415, "Unsupported Media Type", "the body must be application/json")
    try:
        body = json.loads(request.get_data(cache=True) or b"null", parse_constant=_no_constant)
    except RecursionError:
        raise Problem(400, "Bad Request", "the JSON body is nested too deeply", field="body") from None
    except ValueError:
        raise Problem(400, "Bad Request", "the body is not valid JSON", field="body") from None
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise Problem(400, "Bad Request", "holds a lone surrogate (\\uD800-\\uDFFF), which "
                      "is not text", field=_not_text(body, "") or "body") from None
    return body


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _not_text(value: Any, where: str) -> str | None:
    """Where in a JSON value the first string that is not UTF-8 text is (``a.b[2]``)."""
    def encodes(text: str) -> bool:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True

    if isinstance(value, str):
        return None if encodes(value) else where
    items: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            if not encodes(str(key)):
                return where or "body"
            items.append((name, item))
    elif isinstance(value, list):
        items = [(f"{where}[{i}]", item) for i, item in enumerate(value)]
    for name, item in items:
        found = _not_text(item, name)
        if found is not None:
            return found
    return None


def created(body: dict[str, Any], location: str | None = None) -> Response:
    response = jsonify(body)
    response.status_code = 201
    if location:
        response.headers["Location"] = location
    return response


def still_fetching(body: dict[str, Any]) -> Response:
    """202: a fetch asked for is still under way after its deadline; it goes on."""
    response = jsonify({**body, "state": "fetching",
                        "detail": "the address is still being fetched; what comes of it "
                                  "is kept and shows in the calendar's state"})
    response.status_code = 202
    return response


def _meeting_json(meeting: MeetingRecord) -> dict[str, Any]:
    return {"id": meeting.id, "start": meeting.start.isoformat(), "end": meeting.end.isoformat(),
            "status": meeting.status, "sequence": meeting.sequence,
            "proposal_id": meeting.proposal_id}


def _calendar_json(member_id: str, state: CalendarState) -> dict[str, Any]:
    return {"member_id": member_id, "content_hash": state.content_hash,
            "fetched_at": state.fetched_at.isoformat() if state.fetched_at else None,
            "busy_intervals": state.intervals}


def _proposal_json(proposal: ProposalRecord) -> dict[str, Any]:
    return {"id": proposal.id, "council_id": proposal.council_id, "request": proposal.request,
            "confirmed_at": proposal.confirmed_at.isoformat() if proposal.confirmed_at else None,
            **proposal.document}


# councils -----------------------------------------------------------------------------------
@api.post("/councils")
@documented(body="CouncilDocument", responses={201: "The council, with ids"})
@authorised()
def create_council() -> Response:
    """Create a council from its JSON document."""
    council = services().create_council(json_body())
    return created(council, f"/api/councils/{council['id']}")


@api.get("/councils/<council_id>")
@documented(responses={200: "The council, its members and calendar states"})
@authorised("secretary", "chair", scope=("council", "council_id"))
def read_council(council_id: str) -> Response:
    """A council with its parties, members and calendar states (calendar URLs, redacted,
    for secretaries and administrators only)."""
    return jsonify(services().council_document(council_id, urls=_sees_urls()))


def _sees_urls() -> bool:
    return bool(g.token.role in ("admin", "secretary"))


@api.delete("/councils/<council_id>")
@documented(responses={204: "Removed"})
@authorised(scope=("council", "council_id"))
def delete_council(council_id: str) -> Response:
    """Remove a council and everything it owns."""
    services().delete_council(council_id)
    return no_content()


@api.patch("/councils/<council_id>")
@documented(body="CouncilChange", responses={200: "The council as changed"})
@authorised("secretary", scope=("council", "council_id"))
def change_council(council_id: str) -> Response:
    """Rename a council or change its venue."""
    return jsonify(services().change_council(council_id, json_body()))


@api.post("/councils/<council_id>/parties")
@documented(body="PartyDocument", responses={201: "The council with the new party"})
@authorised("secretary", scope=("council", "council_id"))
def add_party(council_id: str) -> Response:
    """Add a party with its representative and substitutes."""
    return created(services().add_party(council_id, json_body()))


@api.delete("/councils/<council_id>/parties/<party_id>")
@documented(responses={204: "Removed"})
@authorised("secretary", scope=("council", "council_id"))
def remove_party(council_id: str, party_id: str) -> Response:
    """Remove a party with its members and their calendars."""
    services().remove_party(council_id, party_id)
    return no_content()


@api.post("/councils/<council_id>/members")
@documented(body="NewSubstitute", responses={201: "The council with the new substitute"})
@authorised("secretary", scope=("council", "council_id"))
def add_substitute(council_id: str) -> Response:
    """Add a substitute to one of the council's parties."""
    return created(services().add_substitute(council_id, json_body()))


@api.put("/councils/<council_id>/bodies/<body_id>/calendar")
@documented(body="text/calendar", responses={204: "The meeting plan is kept as busy time"})
@authorised("secretary", scope=("council", "council_id"))
def upload_plan(council_id: str, body_id: str) -> Response:
    """Replace a body's meeting plan (sammanträdesplan) with an uploaded text/calendar body;
    it counts for every member who sits in the body."""
    if request.mimetype != "text/calendar":
        raise Problem(415, "Unsupported Media Type", "the body must be text/calendar")
    services().upload_plan(council_id, body_id, request.get_data())
    return no_content()


@api.post("/councils/<council_id>/bodies/<body_id>/calendar/refresh")
@documented(responses={200: "Fetched and kept", 202: STILL_FETCHING,
                       422: "The URL could not be fetched"})
@authorised("secretary", scope=("council", "council_id"))
def refresh_plan(council_id: str, body_id: str) -> Response:
    """Fetch a body's meeting-plan URL again (202 when it takes longer than the fetch
    deadline; what comes of it shows in the council's plan state)."""
    state = services().refresh_plan(council_id, body_id)
    if state is None:
        return still_fetching({"body_id": body_id})
    return jsonify({"body_id": body_id, "kept": state.kept,
                    "fetched_at": state.fetched_at.isoformat() if state.fetched_at else None})


# members and calendars ---------------------------------------------------------------------
@api.patch("/members/<member_id>")
@documented(body="MemberChange", responses={204: "Changed"})
@authorised("secretary", scope=("member", "member_id"))
def change_member(member_id: str) -> Response:
    """Change a member's name, e-mail or calendar URL."""
    services().change_member(member_id, json_body())
    return no_content()


@api.delete("/members/<member_id>")
@documented(responses={204: "Removed"})
@authorised("secretary", scope=("member", "member_id"))
def remove_member(member_id: str) -> Response:
    """Remove a substitute (a representative is changed, not removed)."""
    services().remove_member(member_id)
    return no_content()


@api.put("/members/<member_id>/calendar")
@documented(body="text/calendar", responses={204: "Stored as busy intervals"})
@authorised("secretary", scope=("member", "member_id"))
def upload_calendar(member_id: str) -> Response:
    """Replace a member's calendar with an uploaded text/calendar body."""
    if request.mimetype != "text/calendar":
        raise Problem(415, "Unsupported Media Type", "the body must be text/calendar")
    services().upload_calendar(member_id, request.get_data())
    return no_content()


@api.delete("/members/<member_id>/calendar")
@documented(responses={204: "Removed"})
@authorised("secretary", scope=("member", "member_id"))
def forget_calendar(member_id: str) -> Response:
    """Remove everything stored of a member's calendar."""
    services().forget_calendar(member_id)
    return no_content()


@api.post("/members/<member_id>/calendar/refresh")
@documented(responses={200: "Fetched and stored", 202: STILL_FETCHING,
                       422: "The URL could not be fetched"})
@authorised("secretary", scope=("member", "member_id"))
def refresh_calendar(member_id: str) -> Response:
    """Fetch the member's calendar URL again (202 when it takes longer than the fetch
    deadline; what comes of it shows in the member's calendar state)."""
    state = services().refresh_calendar(member_id)
    if state is None:
        return still_fetching({"member_id": member_id})
    return jsonify(_calendar_json(member_id, state))


@api.get("/members/<member_id>/feed")
@documented(responses={200: "The member's feed link (https and webcal)"})
@authorised("secretary", scope=("member", "member_id"))
def member_feed_link(member_id: str) -> Response:
    """The member's subscription link (the same one each time until rotated)."""
    return jsonify(feed_links(services().feed_secret(member_id)))


@api.post("/members/<member_id>/feed/rotate")
@documented(responses={200: "A new feed link; the old ones stop working"})
@authorised("secretary", scope=("member", "member_id"))
def rotate_member_feed(member_id: str) -> Response:
    """A new link for the member's feed; every earlier link stops working."""
    return jsonify(feed_links(services().feed_secret(member_id, rotate=True)))


@api.get("/members/<member_id>/link")
@documented(responses={200: "The member's own link (the same one each time until rotated)"})
@authorised("secretary", scope=("member", "member_id"))
def member_link(member_id: str) -> Response:
    """The member's own link, to send them: with it they answer, report absence and
    manage their calendar without an account."""
    return jsonify({"url": page_link(services().page_secret(member_id))})


@api.post("/members/<member_id>/link/rotate")
@documented(responses={200: "A new own link; the old one stops working"})
@authorised("secretary", scope=("member", "member_id"))
def rotate_member_link(member_id: str) -> Response:
    """A new own link for the member; every earlier one stops working."""
    return jsonify({"url": page_link(services().page_secret(member_id, rotate=True))})


@api.post("/members/<member_id>/link/mail")
@documented(responses={200: "Whether the link was queued for mail"})
@authorised("secretary", scope=("member", "member_id"))
def mail_member_link(member_id: str) -> Response:
    """Mail the member their own link; ``queued`` is false when mail is off or the
    member has no address. Limited per token and per council (429 with Retry-After)."""
    url = page_link(services().page_secret(member_id))
    return jsonify({"queued": services().mail_link(member_id, url, by=g.token.id),
                    "mail": services().mail_on})


# proposals and meetings --------------------------------------------------------------------
@api.post("/councils/<council_id>/proposals")
@documented(body="ProposalOptions", responses={
    201: "The proposal, with its id",
    202: "The job computing it (Prefer: respond-async, or not done within the wait)"},
    headers=ASYNC_HEADERS, parameters=JOB_PARAMETERS)
@authorised("secretary", scope=("council", "council_id"))
def create_proposal(council_id: str) -> Response:
    """Propose meetings, as a job: 201 with the id and the proposal document when it is
    done within the wait, else 202 with the job (``Location: /api/jobs/{id}``)."""
    preferred = preferences()  # read before the job is asked for: nothing fails after
    job, _new = services().submit_proposal(council_id, json_body(), g.token.id,
                                           idempotency_key())

    def done(finished: JobRecord) -> Response:
        proposal = services().proposal(finished.result["proposal"] if finished.result else "")
        return created({"id": proposal.id, **proposal.document}, f"/api/proposals/{proposal.id}")
    return answer_job(job, done, preferred)


@api.get("/councils/<council_id>/proposals")
@documented(responses={200: "Proposals, newest first"})
@authorised("secretary", "chair", scope=("council", "council_id"))
def list_proposals(council_id: str) -> Response:
    """A council's proposals, newest first."""
    return jsonify({"proposals": [{"id": p.id, "status": p.status,
                                   "created_at": p.created_at.isoformat(),
                                   "confirmed": p.confirmed_at is not None}
                                  for p in services().proposals(council_id)]})


@api.get("/proposals/<proposal_id>")
@documented(responses={200: "The proposal as asked and answered"})
@authorised("secretary", "chair", scope=("proposal", "proposal_id"))
def read_proposal(proposal_id: str) -> Response:
    """One proposal as asked and answered."""
    return jsonify(_proposal_json(services().proposal(proposal_id)))


@api.post("/proposals/<proposal_id>/confirm")
@documented(responses={201: "Meetings created", 200: "Already confirmed: the same meetings"})
@authorised("secretary", scope=("proposal", "proposal_id"))
def confirm_proposal(proposal_id: str) -> Response:
    """Create the proposal's meetings: 201 the first time, 200 with the same ones after."""
    first, found = services().confirm(proposal_id, by=g.token.id)
    response = jsonify({"meetings": [_meeting_json(m) for m in found]})
    response.status_code = 201 if first else 200
    return response


@api.get("/councils/<council_id>/meetings")
@documented(responses={200: "Meetings by start"})
@authorised("secretary", "chair", scope=("council", "council_id"))
def list_meetings(council_id: str) -> Response:
    """A council's meetings by start (secretaries and the chair)."""
    return jsonify({"meetings": [_meeting_json(m) for m in services().meetings(council_id)]})


@api.get("/meetings/<meeting_id>")
@documented(responses={200: "The meeting, each party's coverage and each member"})
@authorised("secretary", "chair", scope=("meeting", "meeting_id"))
def read_meeting(meeting_id: str) -> Response:
    """A meeting with each party's coverage and members, as the conflict report gives them
    (none for a cancelled meeting)."""
    return jsonify(services().meeting_view(meeting_id))


@api.get("/meetings/<meeting_id>/history")
@documented(responses={200: "Every change to the meeting, oldest first"})
@authorised("secretary", "chair", scope=("meeting", "meeting_id"))
def meeting_history(meeting_id: str) -> Response:
    """Every change to a meeting and to its members' parts in it, oldest first, with who
    made it (a token, the member themselves, or the system by rule)."""
    return jsonify(services().meeting_history(meeting_id))


@api.patch("/meetings/<meeting_id>")
@documented(body="MeetingChange", responses={200: "The meeting, its sequence raised"})
@authorised("secretary", scope=("meeting", "meeting_id"))
def change_meeting(meeting_id: str) -> Response:
    """Move a meeting (start, end) or cancel it (status: cancelled)."""
    return jsonify(_meeting_json(services().change_meeting(meeting_id, json_body(),
                                                           by=g.token.id)))


@api.post("/meetings/<meeting_id>/attendance")
@documented(body="AttendanceRecord", responses={204: "Recorded"})
@authorised("secretary", scope=("meeting", "meeting_id"))
def record_attendance(meeting_id: str) -> Response:
    """Record a member's notice of absence, or presence or absence after the meeting."""
    services().record_attendance(meeting_id, json_body(), by=g.token.id)
    return no_content()


# reports ---------------------------------------------------------------------------------
@api.get("/councils/<council_id>/reports/conflicts")
@documented(responses={200: "The report, JSON or CSV"})
@authorised("secretary", "chair", scope=("council", "council_id"))
def conflict_report(council_id: str) -> Response:
    """The chair's conflict report as JSON (default) or CSV (``?format=csv``)."""
    form = request.args.get("format", "json")
    if form not in ("json", "csv"):
        raise Problem(400, "Bad Request", "format must be json or csv", field="format")
    report = services().conflict_report(council_id)
    if form == "csv":
        response = Response(report_csv(report), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="conflicts-{council_id}.csv"'
        return response
    return jsonify(report)
