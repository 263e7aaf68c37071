"""A member's own link in the JSON API: the secret in the path is the only credential,
and it reaches only its own member (another council's meeting or poll is not found).
Its changes are rate-limited per member (``SCHEDULER_LINK_RATE``): 429 with Retry-After."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .auth import documented, no_content, services
from .problems import Problem
from .rest import STILL_FETCHING, json_body, still_fetching

__all__ = ["own"]

own = Blueprint("own", __name__, url_prefix="/api/my")


@own.get("/<token>")
@documented(public=True, responses={200: "The member, their meetings, polls, absences and "
                                         "calendar, and what the planner reads of it"})
def my_overview(token: str) -> Response:
    """Everything the service holds about the member behind the link."""
    return jsonify(services().my_overview(token))


@own.put("/<token>/meetings/<meeting_id>")
@documented(public=True, body="MeetingAnswer", responses={204: "Answered"})
def answer_meeting(token: str, meeting_id: str) -> Response:
    """Answer a confirmed meeting: coming or absent (absent calls the substitute in); 409
    once the answer deadline has passed."""
    services().answer_meeting_as(token, meeting_id, json_body())
    return no_content()


@own.put("/<token>/polls/<poll_id>")
@documented(public=True, body="PollAnswers", responses={204: "Answered"})
def answer_poll(token: str, poll_id: str) -> Response:
    """Answer slots of a poll (yes, if_need_be or no); 409 once the poll has closed."""
    services().answer_poll_as(token, poll_id, json_body())
    return no_content()


@own.put("/<token>/absences")
@documented(public=True, body="AbsenceList", responses={204: "Stored"})
def set_absences(token: str) -> Response:
    """Replace the member's absences (dates inclusive); each one over a confirmed meeting
    whose answers are still open calls the substitute in (after the answer deadline an
    absence is kept and shown to the secretary, and calls nobody in)."""
    services().set_absences_as(token, json_body())
    return no_content()


@own.put("/<token>/calendar")
@documented(public=True, body="CalendarLink",
            responses={204: "Fetched and stored", 202: STILL_FETCHING})
def connect_calendar(token: str) -> Response:
    """Connect the member's own calendar: ``{"url": ...}`` (fetched at once, under the
    service's fetch rules; 202 when that takes longer than the fetch deadline, and the
    address is kept once it can be read) or a text/calendar body."""
    if request.mimetype == "text/calendar":
        services().upload_calendar_as(token, request.get_data())
    elif request.is_json:
        if not services().connect_calendar_as(token, json_body()):
            return still_fetching({})
    else:
        raise Problem(415, "Unsupported Media Type",
                      "the body must be application/json or text/calendar")
    return no_content()


@own.delete("/<token>/calendar")
@documented(public=True, responses={204: "Removed"})
def forget_calendar(token: str) -> Response:
    """Remove the member's calendar: its URL and everything read from it."""
    services().forget_calendar_as(token)
    return no_content()
