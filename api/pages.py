"""Server-rendered pages for secretaries, members and the chair.

Sign-in takes an API token once and keeps only its id in a signed, HttpOnly session
cookie; every form carries a CSRF token. Members reach their page through their own
feed link, which is already their credential for their schedule.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable
from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from calendars import CalendarError
from scheduler.errors import InputError
from scheduler.formats import swedish_date
from scheduler.reports import report_csv
from scheduler.storage.repository import NotFound
from scheduler.tokens import Token

from .auth import services

__all__ = ["pages"]

_SV_MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

pages = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/assets")


def current_token() -> Token | None:
    """The signed-in token, if it is still active."""
    token_id = session.get("token_id")
    return services().store.token(token_id) if token_id else None


def signed_in(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a signed-in token of one of ``roles`` (admins always pass)."""
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            token = current_token()
            if token is None:
                return redirect(url_for("pages.sign_in", next=request.path))
            council_id = kwargs.get("council_id")
            if token.role != "admin" and (token.role not in roles or (
                    council_id is not None and council_id != token.council_id)):
                abort(404)
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


@pages.get("/")
def home() -> Response:
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
        token = services().store.authenticate(request.form.get("token", "").strip())
        if token is None:
            flash(_("That token is unknown or revoked."), "error")
            return render_template("sign_in.html"), 401
        session.clear()
        session["token_id"] = token.id
        session.permanent = True
        target = request.args.get("next", "")
        return redirect(target if target.startswith("/") and not target.startswith("//")
                        else url_for("pages.home"))
    return render_template("sign_in.html")


@pages.post("/sign-out")
def sign_out() -> Response:
    """Forget the signed-in token."""
    session.clear()
    return redirect(url_for("pages.sign_in"))


@pages.get("/councils")
@signed_in()
def councils(token: Token) -> str:
    """Every council (for administrators)."""
    found = [services().store.council(c) for c in services().store.council_ids()]
    return render_template("councils.html", councils=found, token=token)


@pages.get("/councils/<council_id>")
@signed_in("secretary", "chair")
def council(token: Token, council_id: str) -> str:
    """The council, its members' calendars, proposals and meetings."""
    try:
        document = services().council_document(council_id)
    except NotFound:
        abort(404)
    meetings = services().plans.meetings(council_id)
    return render_template("council.html", council=document, token=token,
                           proposals=services().plans.proposals(council_id),
                           meetings=meetings,
                           recorded=services().feeds.states([m.id for m in meetings]),
                           today=dt.date.today().isoformat())  # noqa: DTZ011


@pages.post("/councils/<council_id>/proposals")
@signed_in("secretary")
def propose(token: Token, council_id: str) -> Any:
    """Ask for a proposal from the form."""
    form = request.form
    options: dict[str, Any] = {
        "from": form.get("from", ""), "to": form.get("to", ""),
        "meetings": _int(form.get("meetings"), "meetings"),
        "duration": form.get("duration") or "3h",
        "min_gap_days": _int(form.get("min_gap_days") or "28", "min_gap_days"),
        "objective": form.get("objective") or "fair",
        "blackouts": [b.strip() for b in form.get("blackouts", "").splitlines() if b.strip()],
    }
    if form.get("max_gap_days"):
        options["max_gap_days"] = _int(form["max_gap_days"], "max_gap_days")
    try:
        proposal = services().create_proposal(council_id, options)
    except InputError as exc:
        flash(_("Please check %(field)s: %(message)s", field=exc.field or "", message=exc.message),
              "error")
        return redirect(url_for("pages.council", council_id=council_id))
    return redirect(url_for("pages.proposal", proposal_id=proposal.id))


def _int(value: str | None, field: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise InputError(_("a whole number is needed"), field=field) from None


@pages.get("/proposals/<proposal_id>")
@signed_in("secretary", "chair")
def proposal(token: Token, proposal_id: str) -> str:
    """A proposal: dates, coverage grid, alternatives, the price of fairness, the year."""
    found = _own_proposal(token, proposal_id)
    return render_template("proposal.html", proposal=found, doc=found.document, token=token,
                           heatmap=_heatmap(found.document.get("summary", {}).get("days", {})))


def _in_scope(token: Token, council_id: str) -> None:
    """404 unless the token may act on this council (another council is not revealed)."""
    if token.role != "admin" and council_id != token.council_id:
        abort(404)


def _own_proposal(token: Token, proposal_id: str) -> Any:
    try:
        found = services().plans.proposal(proposal_id)
    except NotFound:
        abort(404)
    _in_scope(token, found.council_id)
    return found


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
@signed_in("secretary")
def confirm(token: Token, proposal_id: str) -> Response:
    """Confirm a proposal into meetings."""
    found = _own_proposal(token, proposal_id)
    try:
        services().confirm(proposal_id)
    except InputError as exc:
        flash(exc.message, "error")
        return redirect(url_for("pages.proposal", proposal_id=proposal_id))
    flash(_("The meetings are confirmed and in the members' feeds."), "ok")
    return redirect(url_for("pages.council", council_id=found.council_id))


@pages.post("/meetings/<meeting_id>/cancel")
@signed_in("secretary")
def cancel(token: Token, meeting_id: str) -> Response:
    """Cancel a meeting."""
    meeting = _own_meeting(token, meeting_id)
    services().change_meeting(meeting_id, {"status": "cancelled"})
    flash(_("The meeting is cancelled."), "ok")
    return redirect(url_for("pages.council", council_id=meeting.council_id))


@pages.post("/meetings/<meeting_id>/move")
@signed_in("secretary")
def move(token: Token, meeting_id: str) -> Response:
    """Move a meeting to a new start, keeping its length."""
    meeting = _own_meeting(token, meeting_id)
    zone = services().store.council(meeting.council_id).council.timezone
    try:
        start = dt.datetime.fromisoformat(request.form.get("start", "")).replace(
            tzinfo=zoneinfo.ZoneInfo(zone))
        services().change_meeting(meeting_id, {"start": start.isoformat(),
                                               "end": (start + (meeting.end - meeting.start)).isoformat()})
        flash(_("The meeting is moved."), "ok")
    except (ValueError, InputError):
        flash(_("Please give the new start as a date and time."), "error")
    return redirect(url_for("pages.council", council_id=meeting.council_id))


@pages.post("/meetings/<meeting_id>/attendance")
@signed_in("secretary")
def attendance(token: Token, meeting_id: str) -> Response:
    """Record, per member, a notice of absence before or presence/absence after a meeting."""
    meeting = _own_meeting(token, meeting_id)
    recorded = 0
    for key, state in request.form.items():
        if key.startswith("member-") and state in ("absent_notice", "present", "absent"):
            services().record_attendance(meeting_id, {"member_id": key.removeprefix("member-"),
                                                      "state": state})
            recorded += 1
    flash(_("Attendance recorded for %(count)s members.", count=recorded), "ok")
    return redirect(url_for("pages.council", council_id=meeting.council_id))


def _own_member(token: Token, member_id: str) -> str:
    """The member's council id, when the token may act on it; else 404."""
    try:
        council_id = services().store.member_council(member_id)
    except NotFound:
        abort(404)
    _in_scope(token, council_id)
    return council_id


def _own_meeting(token: Token, meeting_id: str) -> Any:
    try:
        meeting = services().plans.meeting(meeting_id)
    except NotFound:
        abort(404)
    _in_scope(token, meeting.council_id)
    return meeting


@pages.post("/members/<member_id>/calendar")
@signed_in("secretary")
def upload(token: Token, member_id: str) -> Response:
    """Upload a member's calendar file."""
    council_id = _own_member(token, member_id)
    file = request.files.get("calendar")
    try:
        services().upload_calendar(member_id, file.read() if file else b"")
        flash(_("The calendar is read."), "ok")
    except CalendarError as exc:
        flash(_("That file is not a usable calendar: %(why)s", why=str(exc)), "error")
    return redirect(url_for("pages.council", council_id=council_id))


@pages.post("/members/<member_id>/link")
@signed_in("secretary")
def member_link(token: Token, member_id: str) -> Response:
    """Make a member's personal page and feed link, to send to them."""
    _own_member(token, member_id)
    return redirect(url_for("pages.member", secret=services().feed_secret(member_id)))


@pages.get("/my/<secret>")
def member(secret: str) -> str:
    """A member's page: upcoming meetings and the feed to subscribe to."""
    member_id = services().feeds.member_of(secret)
    if member_id is None:
        abort(404)
    council_id, person = services().store.member(member_id)
    stored = services().store.council(council_id)
    url = url_for("feeds.feed", secret=secret, _external=True)
    webcal = "webcal://" + url.split("://", 1)[1]
    now = dt.datetime.now(dt.UTC)
    upcoming = [m for m in services().plans.meetings(council_id) if m.end > now]
    qr = segno.make(webcal, error="m").svg_inline(scale=4, title=_("QR code of the feed link"))
    return render_template("member.html", person=person, council=stored.council, url=url,
                           webcal=webcal, meetings=upcoming, qr=qr, secret=secret)


@pages.post("/my/<secret>/rotate")
def rotate(secret: str) -> Response:
    """A new feed link; the old one stops working."""
    member_id = services().feeds.member_of(secret)
    if member_id is None:
        abort(404)
    flash(_("Your link is new: subscribe again with it; the old one no longer works."), "ok")
    return redirect(url_for("pages.member",
                            secret=services().feed_secret(member_id, rotate=True)))


@pages.get("/councils/<council_id>/report")
@signed_in("chair", "secretary")
def report(token: Token, council_id: str) -> str:
    """The chair's conflict report with charts."""
    found = services().conflict_report(council_id)
    most = max([1.0] + [max(r["expected"], r["recorded"], r["expected_upcoming"])
                        for r in found["attendance"]])
    return render_template("report.html", report=found, council_id=council_id, most=most,
                           token=token, status_words=_status_words())


def _status_words() -> dict[str, str]:
    return {"free": _("free"), "tentative": _("tentative"), "busy": _("busy"),
            "oof": _("out of office"), "unknown": _("has no calendar")}


@pages.get("/councils/<council_id>/report.csv")
@signed_in("chair", "secretary")
def report_download(token: Token, council_id: str) -> Response:
    """The report as CSV."""
    response = Response(report_csv(services().conflict_report(council_id)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="conflicts-{council_id}.csv"'
    return response
