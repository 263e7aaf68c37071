"""The JSON API: each view parses the request, calls a service and serialises the result."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from scheduler.reports import report_csv
from scheduler.storage.plans import StoredMeeting

from .auth import (
    authorised,
    council_of_meeting,
    council_of_member,
    council_of_proposal,
    documented,
    services,
)
from .problems import Problem

__all__ = ["api"]

api = Blueprint("api", __name__, url_prefix="/api")


def _json_body() -> Any:
    if not request.is_json:
        raise Problem(415, "Unsupported Media Type", "the body must be application/json")
    body = request.get_json(silent=True)
    if body is None:
        raise Problem(400, "Bad Request", "the body is not valid JSON", field="body")
    return body



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
    stored = services().create_council(_json_body())
    response = jsonify(services().council_document(stored.id))
    response.status_code = 201
    response.headers["Location"] = f"/api/councils/{stored.id}"
    return response


@api.get("/councils/<council_id>")
@documented(responses={200: "The council, its members and calendar states"})
@authorised("secretary", "chair", council=lambda council_id: council_id)
def read_council(council_id: str) -> Response:
    """A council with its parties, members and calendar states."""
    return jsonify(services().council_document(council_id))


@api.delete("/councils/<council_id>")
@documented(responses={204: "Removed"})
@authorised("admin")
def delete_council(council_id: str) -> Response:
    """Remove a council and everything it owns."""
    services().store.delete_council(council_id)
    return Response(status=204)


@api.patch("/councils/<council_id>")
@documented(body="CouncilChange", responses={200: "The council as changed"})
@authorised("secretary", council=lambda council_id: council_id)
def change_council(council_id: str) -> Response:
    """Rename a council or change its venue."""
    return jsonify(services().change_council(council_id, _json_body()))


@api.post("/councils/<council_id>/parties")
@documented(body="PartyDocument", responses={201: "The council with the new party"})
@authorised("secretary", council=lambda council_id: council_id)
def add_party(council_id: str) -> Response:
    """Add a party with its representative and substitutes."""
    services().add_party(council_id, _json_body())
    response = jsonify(services().council_document(council_id))
    response.status_code = 201
    return response


@api.delete("/councils/<council_id>/parties/<party_id>")
@documented(responses={204: "Removed"})
@authorised("secretary", council=lambda council_id, party_id: council_id)
def remove_party(council_id: str, party_id: str) -> Response:
    """Remove a party with its members and their calendars."""
    services().store.remove_party(council_id, party_id)
    return Response(status=204)


@api.post("/councils/<council_id>/members")
@documented(body="NewSubstitute", responses={201: "The council with the new substitute"})
@authorised("secretary", council=lambda council_id: council_id)
def add_substitute(council_id: str) -> Response:
    """Add a substitute to one of the council's parties."""
    services().add_substitute(council_id, _json_body())
    response = jsonify(services().council_document(council_id))
    response.status_code = 201
    return response


@api.patch("/members/<member_id>")
@documented(body="MemberChange", responses={204: "Changed"})
@authorised("secretary", council=council_of_member)
def change_member(member_id: str) -> Response:
    """Change a member's name, e-mail or calendar URL."""
    services().change_member(member_id, _json_body())
    return Response(status=204)


@api.delete("/members/<member_id>")
@documented(responses={204: "Removed"})
@authorised("secretary", council=council_of_member)
def remove_member(member_id: str) -> Response:
    """Remove a substitute (a representative is changed, not removed)."""
    services().store.remove_substitute(member_id)
    return Response(status=204)


@api.put("/members/<member_id>/calendar")
@documented(body="text/calendar", responses={204: "Stored as busy intervals"})
@authorised("secretary", council=council_of_member)
def upload_calendar(member_id: str) -> Response:
    """Replace a member's calendar with an uploaded text/calendar body."""
    if request.mimetype != "text/calendar":
        raise Problem(415, "Unsupported Media Type", "the body must be text/calendar")
    services().upload_calendar(member_id, request.get_data())
    return Response(status=204)


@api.post("/members/<member_id>/calendar/refresh")
@documented(responses={200: "Fetched and stored", 422: "The URL could not be fetched"})
@authorised("secretary", council=council_of_member)
def refresh_calendar(member_id: str) -> Response:
    """Fetch the member's calendar URL again."""
    state = services().refresh_calendar(member_id)
    return jsonify({"member_id": member_id, "content_hash": state.content_hash,
                    "fetched_at": state.fetched_at.isoformat() if state.fetched_at else None,
                    "busy_intervals": state.intervals})


@api.post("/councils/<council_id>/proposals")
@documented(body="ProposalOptions", responses={201: "The proposal, with its id"})
@authorised("secretary", council=lambda council_id: council_id)
def create_proposal(council_id: str) -> Response:
    """Propose meetings; 201 with the id and the proposal document."""
    proposal = services().create_proposal(council_id, _json_body())
    response = jsonify({"id": proposal.id, **proposal.document})
    response.status_code = 201
    response.headers["Location"] = f"/api/proposals/{proposal.id}"
    return response


@api.get("/councils/<council_id>/proposals")
@documented(responses={200: "Proposals, newest first"})
@authorised("secretary", "chair", council=lambda council_id: council_id)
def list_proposals(council_id: str) -> Response:
    """A council's proposals, newest first."""
    found = services().plans.proposals(council_id)
    return jsonify({"proposals": [{"id": p.id, "status": p.status,
                                   "created_at": p.created_at.isoformat(),
                                   "confirmed": p.confirmed_at is not None} for p in found]})


@api.get("/proposals/<proposal_id>")
@documented(responses={200: "The proposal as asked and answered"})
@authorised("secretary", "chair", council=council_of_proposal)
def read_proposal(proposal_id: str) -> Response:
    """One proposal as asked and answered."""
    proposal = services().plans.proposal(proposal_id)
    return jsonify({"id": proposal.id, "council_id": proposal.council_id,
                    "request": proposal.request,
                    "confirmed_at": proposal.confirmed_at.isoformat()
                    if proposal.confirmed_at else None, **proposal.document})


@api.post("/proposals/<proposal_id>/confirm")
@documented(responses={201: "Meetings created", 200: "Already confirmed: the same meetings"})
@authorised("secretary", council=council_of_proposal)
def confirm_proposal(proposal_id: str) -> Response:
    """Create the proposal's meetings: 201 the first time, 200 with the same ones after."""
    created, found = services().confirm(proposal_id)
    response = jsonify({"meetings": [_meeting_json(m) for m in found]})
    response.status_code = 201 if created else 200
    return response


@api.patch("/meetings/<meeting_id>")
@documented(body="MeetingChange", responses={200: "The meeting, its sequence raised"})
@authorised("secretary", council=council_of_meeting)
def change_meeting(meeting_id: str) -> Response:
    """Move a meeting (start, end) or cancel it (status: cancelled)."""
    return jsonify(_meeting_json(services().change_meeting(meeting_id, _json_body())))


@api.post("/meetings/<meeting_id>/attendance")
@documented(body="AttendanceRecord", responses={204: "Recorded"})
@authorised("secretary", council=council_of_meeting)
def record_attendance(meeting_id: str) -> Response:
    """Record a member's notice of absence, or presence or absence after the meeting."""
    services().record_attendance(meeting_id, _json_body())
    return Response(status=204)


@api.get("/members/<member_id>/feed")
@documented(responses={200: "The feed link (https and webcal)"})
@authorised("secretary", council=council_of_member)
def member_feed_link(member_id: str) -> Response:
    """A new subscription link for the member's feed (earlier links keep working)."""
    return jsonify(_feed_links(services().feed_secret(member_id)))


@api.post("/members/<member_id>/feed/rotate")
@documented(responses={200: "A new feed link; the old ones stop working"})
@authorised("secretary", council=council_of_member)
def rotate_member_feed(member_id: str) -> Response:
    """A new link for the member's feed; every earlier link stops working."""
    return jsonify(_feed_links(services().feed_secret(member_id, rotate=True)))


def _feed_links(secret: str) -> dict[str, str]:
    url = url_for("feeds.feed", secret=secret, _external=True)
    return {"url": url, "webcal": "webcal://" + url.split("://", 1)[1]}


@api.get("/councils/<council_id>/reports/conflicts")
@documented(responses={200: "The report, JSON or CSV"})
@authorised("secretary", "chair", council=lambda council_id: council_id)
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


@api.get("/councils/<council_id>/meetings")
@documented(responses={200: "Meetings by start"})
@authorised("secretary", "chair", council=lambda council_id: council_id)
def list_meetings(council_id: str) -> Response:
    """A council's meetings by start."""
    return jsonify({"meetings": [_meeting_json(m)
                                 for m in services().plans.meetings(council_id)]})


