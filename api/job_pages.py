"""The page of a job (a proposal or a round being computed): its state, stage and progress,
refreshing itself every few seconds without JavaScript until the job ends, then sending
the reader on to the proposal or the round. Whoever may see one of the job's councils
sees it; anyone else finds nothing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from scheduler.errors import NotFound
from scheduler.jobs.records import JobRecord
from scheduler.tokens import Token

from .auth import services
from .pages import current_token
from .problems import Problem

__all__ = ["job_pages", "stage_words"]

job_pages = Blueprint("job_pages", __name__, template_folder="templates")

REFRESH_S = 2  # how often a page of a job under way reloads itself


def stage_words(stage: str | None) -> str:
    """A stage of the work in the reader's language (the solver names them in English)."""
    words = {
        None: _("Waiting for a worker"), "reading calendars": _("Reading the calendars"),
        "stage 1: worst-off party": _("Step 1: the worst-off party"),
        "stage 2: total": _("Step 2: the total"),
        "stage 3: preferred dates": _("Step 3: preferred dates"),
        "stage 1: total": _("Step 1: the total"),
        "stage 2: preferred dates": _("Step 2: preferred dates"),
        "alternatives": _("Alternative dates"), "done": _("Done")}
    return str(words.get(stage, stage or ""))


def _visible(token: Token, job_id: str) -> JobRecord:
    """The job, for an admin or a secretary or chair of one of its councils; else 404."""
    try:
        job = services().job(job_id)
    except NotFound:
        job = None
    if job is None or not (token.role == "admin" or token.council_id in job.council_ids):
        raise Problem(404, "Not Found", "no such job")
    return job


def _outcome_url(job: JobRecord) -> str | None:
    result = job.result or {}
    if job.state != "done":
        return None
    if "proposal" in result:
        return url_for("pages.proposal", proposal_id=result["proposal"])
    if "round" in result:
        return url_for("round_pages.round_page", round_id=result["round"])
    return None


def _council_back(token: Token, job: JobRecord) -> str | None:
    """The council the page leads back to: the reader's own (a round's job may be seen
    from any of its councils), or for an admin the job's first."""
    if token.council_id in job.council_ids:
        return token.council_id
    return job.council_ids[0] if job.council_ids and token.role == "admin" else None


def _figures(job: JobRecord) -> dict[str, Any]:
    detail = job.detail or {}
    return {name: detail.get(name) for name in ("best", "bound", "gap")}


@job_pages.get("/jobs/<job_id>")
def job_page(job_id: str) -> ResponseReturnValue:
    """A job's state and progress; it reloads itself while the job runs (unless the
    reader turned that off) and leads to the proposal or round once the job is done."""
    token = current_token()
    if token is None:
        return redirect(url_for("pages.sign_in", next=request.path))
    job = _visible(token, job_id)
    refresh = request.args.get("refresh") != "off" and not job.finished
    back = _council_back(token, job)
    return render_template("job.html", job=job, token=token, refresh=refresh,
                           refresh_s=REFRESH_S, stage=stage_words(job.stage),
                           outcome=_outcome_url(job), figures=_figures(job),
                           percent_done=round(job.progress * 100), council_id=back)
