"""Server-rendered pages for secretaries, members and the chair.

Sign-in takes an API token once and starts a server-side session whose secret is kept in
a signed, HttpOnly cookie (sign-out ends it everywhere); every form carries a CSRF token.
Members reach their own page through a page link of their own, separate from their feed
link.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from calendars import CalendarError
from scheduler.errors import Busy, Conflict, InputError, QueueUnavailable
from scheduler.formats import swedish_date
from scheduler.proposal import CalendarView
from scheduler.reports import report_csv
from scheduler.services import ResourceKind
from scheduler.tokens import Token
from scheduler.wording import calendar_sentence, explain, reasons_text

from .auth import allow, services
from .history_words import history_rows
from .web import safe_next, wait_words

__all__ = ["pages"]

_SV_MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

pages = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/assets")


def current_token() -> Token | None:
    """The token of the signed-in session, while both are live."""
    session_secret = session.get("session")
    return services().session_token(session_secret) if isinstance(session_secret, str) else None


def signed_in(*roles: str, scope: tuple[ResourceKind, str] | None = None
              ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a signed-in token of one of ``roles`` (admins always pass) acting on its own
    council: the same scope check as the JSON API (another council's page is a 404)."""
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            token = current_token()
            if token is None:
                return redirect(url_for("pages.sign_in", next=request.path))
            allow(token, roles, (scope[0], kwargs[scope[1]]) if scope else None)
            return view(token=token, **kwargs)
        return wrapper
    return decorate


def local_date(moment: dt.datetime | str, zone: str = "Europe/Stockholm") -> str:
    """A date as the reader's language writes it."""
    value = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    value = value.astimezone(zoneinfo.ZoneInfo(zone))
    if str(get_locale()) == "sv":
        return f"{swedish_date(value)} {value:%H:%M}"
    return f"{value:%a %-d %b %Y %H:%M}"


@pages.app_template_filter("when")
def _when(moment: dt.datetime | str) -> str:
    return local_date(moment)


@pages.app_template_filter("shows")
def _shows(view: CalendarView | dict[str, Any]) -> str:
    """What a member's calendar shows, in the reader's language."""
    if isinstance(view, dict):
        view = CalendarView.from_json(view)
    return calendar_sentence(view, str(get_locale() or "sv"))


@pages.app_template_filter("reasons")
def _reasons(party: Mapping[str, Any]) -> str:
    """Why a party is not covered by its representative, in the reader's language."""
    return reasons_text(party, str(get_locale() or "sv"))


@pages.app_template_filter("explained")
def _explained(document: Mapping[str, Any]) -> str:
    """Why a proposal has no dates, in the reader's language."""
    explanation = document.get("explanation") or {}
    return explain(explanation.get("key"), explanation.get("values") or {},
                   document.get("reason"), str(get_locale() or "sv"))


@pages.get("/")
def home() -> ResponseReturnValue:
    """Where a signed-in person starts."""
    token = current_token()
    if token is None:
        return redirect(url_for("pages.sign_in"))
    if token.council_id:
        return redirect(url_for("pages.council", council_id=token.council_id))
    return redirect(url_for("pages.councils"))


@pages.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    """Sign in with a token from ``scheduler token create``."""
    if request.method == "POST":
        signed = services().sign_in(request.form.get("token", "").strip())
        if signed is None:
            flash(_("That token is unknown or revoked."), "error")
            return render_template("sign_in.html"), 401
        session.clear()
        session["session"] = signed[1]
        session.permanent = True
        return redirect(safe_next(request.args.get("next")) or url_for("pages.home"))
    return render_template("sign_in.html")


@pages.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    """End the session: its cookie signs in no more, wherever it was copied."""
    session_secret = session.get("session")
    if isinstance(session_secret, str):
        services().sign_out(session_secret)
    session.clear()
    return redirect(url_for("pages.sign_in"))


@pages.get("/councils")
@signed_in()
def councils(token: Token) -> str:
    """Every council (for administrators)."""
    return render_template("councils.html", councils=services().council_names(), token=token)


@pages.get("/councils/<council_id>")
@signed_in("secretary", "chair", scope=("council", "council_id"))
def council(token: Token, council_id: str) -> str:
    """The council, its members' calendars, proposals and meetings."""
    overview = services().council_overview(
        council_id, urls=token.role in ("admin", "secretary"))  # the chair sees no URL
    return render_template("council.html", council=overview["council"], token=token,
                           proposals=overview["proposals"], meetings=overview["meetings"],
                           recorded=overview["recorded"], late=overview["late"],
                           calendars=overview["calendars"],
                           polls=overview["polls"], mail_on=overview["mail"],
                           rounds=services().rounds_of(council_id),
                           history=history_rows(services().council_history(council_id)),
                           today=dt.date.today().isoformat())  # noqa: DTZ011


@pages.post("/councils/<council_id>/proposals")
@signed_in("secretary", scope=("council", "council_id"))
def propose(token: Token, council_id: str) -> Any:
    """Ask for a proposal from the form (the fields of the JSON API, as text), as a job:
    the reader follows it on the job's page."""
    options = proposal_form(request.form)
    try:
        job, _new = services().submit_proposal(council_id, options, token.id)
    except InputError as exc:
        flash(_("Please check %(field)s: %(message)s", field=_form_label(exc.field),
                message=_in_words(exc)), "error")
        return redirect(url_for("pages.council", council_id=council_id))
    except QueueUnavailable:
        flash(_("The background work cannot be started right now; please try again in a "
                "moment."), "error")
        return redirect(url_for("pages.council", council_id=council_id))
    except Busy as exc:
        flash(_("As many proposals as may be are already waiting or being computed; please "
                "try again in %(wait)s, or once one has ended.",
                wait=wait_words(exc.retry_after)), "error")
        return redirect(url_for("pages.council", council_id=council_id))
    return redirect(url_for("job_pages.job_page", job_id=job.id))


def _form_label(field: str | None) -> str:
    """The proposal form's label of a request field, in the reader's language."""
    labels: dict[str, str] = {
        "from": _("From"), "to": _("Up to (not including)"),
        "meetings": _("Number of meetings"), "duration": _("Length"),
        "min_gap_days": _("At least this many days apart"),
        "max_gap_days": _("At most this many days apart (optional)"),
        "blackouts": _("Blackout periods, one per line (2027-06-21:2027-08-13)"),
        "objective": _("Aim"),
        "fairness_tolerance": _("Fair: expected meetings the worst-off party may give up "
                                "for a higher total")}
    name = (field or "").split(".", 1)[0].split("[", 1)[0]
    return str(labels.get(name, field or ""))


def _in_words(error: InputError) -> str:
    """What is wrong with a value, in the reader's language where the kind is known."""
    context = error.context
    said = {"missing": lambda: _("is required"),
            "greater_than_equal": lambda: _("must be at least %(n)s", n=context.get("ge", "")),
            "greater_than": lambda: _("must be more than %(n)s", n=context.get("gt", "")),
            "less_than_equal": lambda: _("may be at most %(n)s", n=context.get("le", "")),
            "less_than": lambda: _("must be less than %(n)s", n=context.get("lt", "")),
            "int_parsing": lambda: _("a whole number is needed"),
            "int_type": lambda: _("a whole number is needed"),
            "int_from_float": lambda: _("a whole number is needed"),
            "float_parsing": lambda: _("a number is needed"),
            "float_type": lambda: _("a number is needed")}.get(error.kind or "")
    return str(said()) if said else error.message


def proposal_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The proposal form as the JSON API's request: empty fields take their defaults,
    whole numbers are read as numbers (anything else is left for validation to name)."""
    options: dict[str, Any] = {}
    for key in ("from", "to", "duration", "step", "earliest", "latest", "objective"):
        if form.get(key):
            options[key] = form[key]
    for key in ("meetings", "min_gap_days", "max_gap_days", "alternatives"):
        value = (form.get(key) or "").strip()
        if value:
            options[key] = int(value) if value.isdigit() else value
    if "meetings" not in options:
        options["meetings"] = ""
    tolerance = (form.get("fairness_tolerance") or "").strip()
    if tolerance:
        try:
            options["fairness_tolerance"] = float(tolerance)
        except ValueError:
            options["fairness_tolerance"] = tolerance  # named by the validation
    blackouts = [b.strip() for b in form.get("blackouts", "").splitlines() if b.strip()]
    if blackouts:
        options["blackouts"] = blackouts
    return options


@pages.get("/proposals/<proposal_id>")
@signed_in("secretary", "chair", scope=("proposal", "proposal_id"))
def proposal(token: Token, proposal_id: str) -> str:
    """A proposal: dates, coverage grid, alternatives, the price of fairness, the year."""
    found = services().proposal(proposal_id)
    return render_template("proposal.html", proposal=found, doc=found.document, token=token,
                           polls=[p for p in services().polls(found.council_id)
                                  if p.proposal_id == found.id],
                           heatmap=_heatmap(found.document.get("summary", {}).get("days", {})))


def _heatmap(days: dict[str, float]) -> list[dict[str, Any]]:
    """Weeks (columns) of days (rows), each with its best expected attendance; a week
    that holds the first of a month carries the month's name."""
    if not days:
        return []
    months = (_SV_MONTHS if str(get_locale()) == "sv" else
              ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"))
    first = dt.date.fromisoformat(min(days))
    last = dt.date.fromisoformat(max(days))
    top = max(days.values()) or 1.0
    start = first - dt.timedelta(days=first.weekday())
    weeks: list[dict[str, Any]] = []
    day = start
    while day <= last:
        week = []
        label = ""
        for _offset in range(7):
            value = days.get(day.isoformat())
            if day.day == 1:
                label = months[day.month - 1]
            week.append({"date": day.isoformat(), "value": value,
                         "level": None if value is None else min(4, int(value / top * 4.999))})
            day += dt.timedelta(days=1)
        weeks.append({"label": label, "days": week})
    return weeks


@pages.post("/proposals/<proposal_id>/confirm")
@signed_in("secretary", scope=("proposal", "proposal_id"))
def confirm(token: Token, proposal_id: str) -> ResponseReturnValue:
    """Confirm a proposal into meetings."""
    try:
        services().confirm(proposal_id, by=token.id)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("pages.proposal", proposal_id=proposal_id))
    flash(_("The meetings are confirmed and in the members' feeds."), "ok")
    return redirect(url_for("pages.council", council_id=services().proposal(proposal_id).council_id))


@pages.post("/meetings/<meeting_id>/cancel")
@signed_in("secretary", scope=("meeting", "meeting_id"))
def cancel(token: Token, meeting_id: str) -> ResponseReturnValue:
    """Cancel a meeting."""
    meeting = services().change_meeting(meeting_id, {"status": "cancelled"}, by=token.id)
    flash(_("The meeting is cancelled."), "ok")
    return redirect(url_for("pages.council", council_id=meeting.council_id))


@pages.post("/meetings/<meeting_id>/move")
@signed_in("secretary", scope=("meeting", "meeting_id"))
def move(token: Token, meeting_id: str) -> ResponseReturnValue:
    """Move a meeting to a new start, keeping its length."""
    try:
        services().move_meeting_to(meeting_id, request.form.get("start", ""), by=token.id)
        flash(_("The meeting is moved."), "ok")
    except (InputError, Conflict):
        flash(_("Please give the new start as a date and time."), "error")
    return redirect(url_for("pages.council", council_id=services().meeting(meeting_id).council_id))


@pages.post("/meetings/<meeting_id>/attendance")
@signed_in("secretary", scope=("meeting", "meeting_id"))
def attendance(token: Token, meeting_id: str) -> ResponseReturnValue:
    """Record, per member, a notice of absence before or presence/absence after a meeting."""
    recorded = 0
    for key, state in request.form.items():
        if key.startswith("member-") and state in ("absent_notice", "present", "absent"):
            services().record_attendance(meeting_id, {"member_id": key.removeprefix("member-"),
                                                      "state": state}, by=token.id)
            recorded += 1
    flash(_("Attendance recorded for %(count)s members.", count=recorded), "ok")
    return redirect(url_for("pages.council", council_id=services().meeting(meeting_id).council_id))


@pages.post("/members/<member_id>/calendar")
@signed_in("secretary", scope=("member", "member_id"))
def upload(token: Token, member_id: str) -> ResponseReturnValue:
    """Upload a member's calendar file."""
    file = request.files.get("calendar")
    try:
        services().upload_calendar(member_id, file.read() if file else b"")
        flash(_("The calendar is read."), "ok")
    except CalendarError as exc:
        flash(_("That file is not a usable calendar: %(why)s", why=str(exc)), "error")
    council_id = services().council_of("member", member_id)
    return redirect(url_for("pages.council", council_id=council_id))


@pages.post("/members/<member_id>/horizon")
@signed_in("secretary", scope=("member", "member_id"))
def horizon(token: Token, member_id: str) -> ResponseReturnValue:
    """Declare up to which date a member's calendar is published (empty: detect it)."""
    try:
        services().change_member(member_id, {"horizon": request.form.get("horizon") or None})
        flash(_("The horizon is saved."), "ok")
    except InputError as exc:
        flash(_("Please check %(field)s: %(message)s", field=exc.field or "", message=exc.message),
              "error")
    return redirect(url_for("pages.council", council_id=services().council_of("member", member_id)))


@pages.post("/councils/<council_id>/bodies/<body_id>/calendar")
@signed_in("secretary", scope=("council", "council_id"))
def upload_plan(token: Token, council_id: str, body_id: str) -> ResponseReturnValue:
    """Upload a body's meeting plan."""
    file = request.files.get("calendar")
    try:
        services().upload_plan(council_id, body_id, file.read() if file else b"")
        flash(_("The meeting plan is read."), "ok")
    except CalendarError as exc:
        flash(_("That file is not a usable calendar: %(why)s", why=str(exc)), "error")
    return redirect(url_for("pages.council", council_id=council_id))


@pages.get("/councils/<council_id>/report")
@signed_in("chair", "secretary", scope=("council", "council_id"))
def report(token: Token, council_id: str) -> str:
    """The chair's conflict report with charts."""
    found = services().conflict_report(council_id)
    most = max([1.0] + [max(r["expected"], r["recorded"], r["expected_upcoming"])
                        for r in found["attendance"]])
    histories = services().council_history(council_id)
    return render_template("report.html", report=found, council_id=council_id, most=most,
                           token=token, history=history_rows(histories),
                           cancelled=[m for m in histories.meetings if m.status == "cancelled"])


@pages.get("/councils/<council_id>/report.csv")
@signed_in("chair", "secretary", scope=("council", "council_id"))
def report_download(token: Token, council_id: str) -> ResponseReturnValue:
    """The report as CSV."""
    response = Response(report_csv(services().conflict_report(council_id)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="conflicts-{council_id}.csv"'
    return response
