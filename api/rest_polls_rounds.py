"""The JSON API's polls and planning rounds: views that parse the request, call a service
and serialise the result, on the ``api`` blueprint."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify

from scheduler.errors import NotFound
from scheduler.jobs.records import JobRecord
from scheduler.records import PollRecord
from scheduler.services.rounds import round_council_ids

from .auth import NO_SUCH, allow_every, authorised, documented, services
from .jobs import ASYNC_HEADERS, JOB_PARAMETERS, answer_job, idempotency_key, preferences
from .problems import Problem
from .rest import api, created, json_body

__all__: list[str] = []


# polls -----------------------------------------------------------------------------------
def _poll_json(poll: PollRecord) -> dict[str, Any]:
    return {"id": poll.id, "council_id": poll.council_id, "proposal_id": poll.proposal_id,
            "deadline": poll.deadline.isoformat(), "created_at": poll.created_at.isoformat(),
            "slots": [{"start": s.isoformat(), "end": e.isoformat()} for s, e in poll.slots]}


@api.post("/proposals/<proposal_id>/poll")
@documented(body="PollRequest", responses={201: "The poll, with its slots"})
@authorised("secretary", scope=("proposal", "proposal_id"))
def open_poll(proposal_id: str) -> Response:
    """Put a proposal's dates and alternatives to the council's members, answered through
    the deadline; members with an address are mailed when mail is on."""
    poll = services().open_poll(proposal_id, json_body())
    return created(_poll_json(poll), f"/api/polls/{poll.id}")


@api.get("/councils/<council_id>/polls")
@documented(responses={200: "Polls, newest first"})
@authorised("secretary", "chair", scope=("council", "council_id"))
def list_polls(council_id: str) -> Response:
    """A council's polls, newest first."""
    return jsonify({"polls": [_poll_json(p) for p in services().polls(council_id)]})


@api.get("/polls/<poll_id>")
@documented(responses={200: "Each slot with every member's answer and each party's coverage"})
@authorised("secretary", "chair", scope=("poll", "poll_id"))
def read_poll(poll_id: str) -> Response:
    """A poll's answers: per slot, each party's coverage and every member's answer, and
    who has not answered."""
    return jsonify(services().poll_grid(poll_id))


@api.post("/polls/<poll_id>/reminders")
@documented(responses={200: "How many reminders were queued"})
@authorised("secretary", scope=("poll", "poll_id"))
def remind_poll(poll_id: str) -> Response:
    """Mail a reminder to each member who has not answered every slot. Limited per token
    and per council (429 with Retry-After)."""
    return jsonify({"queued": services().remind_poll(poll_id, by=g.token.id),
                    "mail": services().mail_on})


# rounds -----------------------------------------------------------------------------------
@api.post("/rounds")
@documented(body="RoundDocument", responses={
    201: "The round planned: each council's meetings, the shared people and the comparison",
    202: "The job planning it (Prefer: respond-async, or not done within the wait)"},
    headers=ASYNC_HEADERS, parameters=JOB_PARAMETERS)
def create_round() -> Response:
    """Plan several councils that share people together, as a job (admin, or a secretary
    of every council in the round); 201 with the joint plan, each council alone and in
    turn, when it is done within the wait, else 202 with the job."""
    allow_every(("secretary",), [])  # who asks, before what they ask
    body = json_body()
    token = allow_every(("secretary",), round_council_ids(body))
    preferred = preferences()  # read before the job is asked for: nothing fails after
    job, _new = services().submit_round(body, token.id, idempotency_key())

    def done(finished: JobRecord) -> Response:
        found = services().round(finished.result["round"] if finished.result else "")
        return created({"id": found.id, **found.document}, f"/api/rounds/{found.id}")
    return answer_job(job, done, preferred)


@api.get("/rounds/<round_id>")
@documented(responses={200: "The round as asked and answered"})
def read_round(round_id: str) -> Response:
    """One round (a secretary or chair of any council in it, or an admin). Another
    council's round answers as a round that does not exist: the same 404."""
    allow_every(("secretary", "chair"), [])  # a token first, before anything is told
    try:
        found = services().round(round_id)
    except NotFound:
        raise Problem(404, "Not Found", NO_SUCH) from None
    allow_every(("secretary", "chair"), found.council_ids, any_of=True)
    return jsonify({"id": found.id, "councils_in_round": list(found.council_ids),
                    "request": found.request, "created_at": found.created_at.isoformat(),
                    **found.document})


@api.get("/councils/<council_id>/rounds")
@documented(responses={200: "The rounds the council was planned in, newest first"})
@authorised("secretary", "chair", scope=("council", "council_id"))
def list_rounds(council_id: str) -> Response:
    """The rounds a council was planned in, newest first."""
    return jsonify({"rounds": [{"id": r.id, "name": r.name, "status": r.status,
                                "councils": list(r.council_ids),
                                "created_at": r.created_at.isoformat()}
                               for r in services().rounds_of(council_id)]})
