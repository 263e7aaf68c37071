"""A member's own page, where the member acts, and the secretary's poll page.

The member's page is opened with their own link (``/my/<secret>``), no account: the secret
in the path is the only credential, and every form on it carries a CSRF token. There the
member answers confirmed meetings and polls, declares absences, connects, replaces or
deletes their calendar, sees what the service holds about them, and renews their links.
A value that cannot be used re-renders the page (400, or 409 when it is too late) with a
message that names the field; too many changes in a short time re-render it with the limit
in words (429, with Retry-After); an unknown or replaced link is a 404.

Signed-in secretaries open a poll from a proposal, read its answers as a grid per date and
party, remind those who have not answered, and mail members their own link.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any

import segno
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from calendars import CalendarError
from scheduler.errors import Busy, Conflict, InputError, NotFound
from scheduler.formats import swedish_date
from scheduler.tokens import Token

from .auth import services
from .links import feed_links, page_link
from .pages import signed_in
from .web import wait_words

__all__ = ["member_pages"]

member_pages = Blueprint("member_pages", __name__, template_folder="templates")

_ZONE = "Europe/Stockholm"
_STATUS_WORDS = {"tentative": "tentative", "busy": "busy", "oof": "out of office"}


# what the templates need -------------------------------------------------------------------
def _moment(value: str | dt.datetime, zone: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(zoneinfo.ZoneInfo(zone))


def day_label(value: str | dt.date, zone: str = _ZONE) -> str:
    """A date (or the local date of a moment) as the reader's language writes it."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value) if len(value) == 10 else _moment(value, zone)
    day = _moment(value, zone).date() if isinstance(value, dt.datetime) else value
    if str(get_locale()) == "sv":
        return swedish_date(day)
    return f"{day:%a %-d %b %Y}"


@member_pages.app_template_filter("day")
def _day(value: str | dt.date) -> str:
    """A date in the reader's language (``ons 10 feb 2027``)."""
    return day_label(value)


@member_pages.app_template_filter("clock")
def _clock(value: str | dt.datetime) -> str:
    """The local time of day of a moment (``09:00``)."""
    return f"{_moment(value, _ZONE):%H:%M}"


@member_pages.app_template_filter("passed")
def _passed(value: str | dt.datetime) -> bool:
    """Whether a moment is in the past."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment <= dt.datetime.now(dt.UTC)


def busy_by_day(busy: list[Mapping[str, str]], zone: str = _ZONE) -> list[dict[str, Any]]:
    """Busy intervals grouped by their local start date: times and status only."""
    days: dict[dt.date, list[dict[str, str]]] = {}
    for interval in busy:
        start, end = _moment(interval["start"], zone), _moment(interval["end"], zone)
        if end.date() == start.date():
            until = f"{end:%H:%M}"
        elif end.date() == start.date() + dt.timedelta(days=1) and end.time() == dt.time():
            until = "24:00"
        else:
            until = f"{day_label(end)} {end:%H:%M}"
        days.setdefault(start.date(), []).append(
            {"from": f"{start:%H:%M}", "to": until,
             "status": _(_STATUS_WORDS.get(interval["status"], interval["status"]))})
    return [{"day": day_label(day), "date": day.isoformat(), "items": items}
            for day, items in sorted(days.items())]


# errors in words -----------------------------------------------------------------------------
def _field_label(field: str | None) -> str:
    """The label of the form field an error is about, in the reader's language."""
    name = (field or "").rsplit(".", 1)[-1].split("[", 1)[0]
    if (field or "").startswith("answers"):  # a poll's answers, or one of them
        name = "answers"
    labels: dict[str, str] = {
        "answer": _("Your answer"), "answers": _("Your answers"),
        "from": _("From (inclusive)"), "to": _("Through (inclusive)"),
        "url": _("Address of your calendar"), "deadline": _("Answer by"),
        "proposal": _("Proposal"), "calendar": _("Calendar file")}
    return str(labels.get(name, field or ""))


def _in_words(error: InputError) -> str:
    """What is wrong with a value, in the reader's language where it is known."""
    name = (error.field or "").rsplit(".", 1)[-1].split("[", 1)[0]
    message = error.message
    if error.kind == "missing":
        return str(_("is required"))
    if error.kind == "literal_error":
        return str(_("choose one of the answers given"))
    if error.kind == "too_short":
        return str(_("choose at least one answer"))
    if name in ("from", "to", "deadline") and error.kind == "value_error":
        return str(_("give a date (YYYY-MM-DD)"))
    if name == "url" and error.kind == "value_error":
        return str(_("give an address that begins with https:// or webcal://"))
    if name == "url" and message.startswith("the calendar could not be read: "):
        return str(_("the calendar could not be read (%(why)s)",
                     why=message.removeprefix("the calendar could not be read: ")))
    known = {"'to' is before 'from'": _("is before the first day"),
             "an absence is at most a year long": _("an absence may be at most a year long"),
             "the deadline has passed": _("the date has passed"),
             "the proposal has no dates to ask about": _("the proposal has no dates to ask about")}
    if message in known:
        return str(known[message])
    if message.endswith("is not a slot of this poll"):
        return str(_("a date is not one of the poll's dates"))
    return message


def _said(error: InputError) -> str:
    return str(_("Please check %(field)s: %(message)s", field=_field_label(error.field),
                 message=_in_words(error)))


def _too_late(error: Conflict) -> str:
    """Why an answer cannot be taken now, in the reader's language."""
    if error.message == "the meeting is cancelled":
        return str(_("The meeting is cancelled."))
    if error.field == "answers":
        return str(_("The poll is closed: its last day to answer has passed."))
    return str(_("Answers to this meeting are closed: the last day to answer has passed."))


# the member's page -------------------------------------------------------------------------
def _own_link(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """An unknown or replaced page link, or another council's meeting or poll, is a 404 page;
    a link that changed too much in a short time is the page again, saying so (429)."""
    @functools.wraps(view)
    def wrapper(**kwargs: Any) -> ResponseReturnValue:
        try:
            return view(**kwargs)
        except NotFound:
            abort(404)
        except Busy as exc:
            return _too_often(kwargs["secret"], exc)
    return wrapper


def _too_often(secret: str, error: Busy) -> Response:
    """The member's page after a change beyond the link's allowance: the limit in words,
    429 and Retry-After."""
    rate = services().link_rate
    flash(_("You have made too many changes in a short time (at most %(count)s in "
            "%(period)s). The change was not saved. Please try again in %(wait)s.",
            count=rate.count, period=wait_words(rate.per_s),
            wait=wait_words(error.retry_after)), "error")
    response = _render(secret, 429)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _render(secret: str, status: int = 200) -> Response:
    """The member's page (after an error: with the status of the error, and the form's
    values kept for the absence and calendar forms)."""
    overview = services().my_overview(secret)
    found = services().member_page(secret)
    if found is None:
        raise NotFound("no such page")
    links = feed_links(found["feed_secret"])
    qr = segno.make(links["webcal"], error="m").svg_inline(scale=4,
                                                           title=_("QR code of the feed link"))
    representative = found["party"].representative
    response = Response(render_template(
        "member.html", me=overview, representative=representative.name,
        person=overview["member"], council=overview["council"],
        meetings=overview["meetings"], polls=overview["polls"], absences=overview["absences"],
        calendar=overview["calendar"], busy=busy_by_day(overview["busy"],
                                                        overview["council"]["timezone"]),
        url=links["url"], webcal=links["webcal"], qr=qr, secret=secret,
        form=request.form if request.method == "POST" else {}), status=status)
    response.headers["Cache-Control"] = "private, no-store"  # the secret is in the address
    return response


def _back(secret: str, section: str) -> ResponseReturnValue:
    return redirect(url_for("member_pages.member", secret=secret, _anchor=section), code=303)


@member_pages.get("/my/<secret>")
@_own_link
def member(secret: str) -> ResponseReturnValue:
    """A member's own page: meetings and polls to answer, absences, their calendar, what
    the service holds about them, and the feed to subscribe to."""
    return _render(secret)


@member_pages.post("/my/<secret>/meetings/<meeting_id>")
@_own_link
def answer_meeting(secret: str, meeting_id: str) -> ResponseReturnValue:
    """Answer a confirmed meeting: coming, or absent (which calls the substitute in); the
    page then says who stands in, or that nobody can and the secretary is told."""
    answer = request.form.get("answer", "")
    try:
        outcome = services().answer_meeting_as(secret, meeting_id, {"answer": answer})
    except InputError as exc:
        flash(_said(exc), "error")
        return _render(secret, 400)
    except Conflict as exc:
        flash(_too_late(exc), "error")
        return _render(secret, 409)
    flash(_("Thank you: your answer is saved."), "ok")
    if answer == "absent":
        if outcome.called_in is not None:
            flash(_("%(name)s is called in.", name=outcome.called_in), "ok")
        elif outcome.uncovered:
            flash(_("No substitute can come in your place: the secretary is told."), "error")
    return _back(secret, f"meeting-{meeting_id}")


@member_pages.post("/my/<secret>/polls/<poll_id>")
@_own_link
def answer_poll(secret: str, poll_id: str) -> ResponseReturnValue:
    """Answer a poll: one of yes, if need be or no per date (dates left blank are left)."""
    answers = [{"start": start, "answer": request.form[f"answer-{n}"]}
               for n, start in enumerate(request.form.getlist("start"))
               if request.form.get(f"answer-{n}")]
    try:
        services().answer_poll_as(secret, poll_id, {"answers": answers})
    except InputError as exc:
        flash(_said(exc), "error")
        return _render(secret, 400)
    except Conflict as exc:
        flash(_too_late(exc), "error")
        return _render(secret, 409)
    flash(_("Thank you: your answers are saved."), "ok")
    return _back(secret, f"poll-{poll_id}")


@member_pages.post("/my/<secret>/absences")
@_own_link
def add_absence(secret: str) -> ResponseReturnValue:
    """Declare one more absence (first and last day, both inclusive)."""
    kept = services().my_absences(secret)
    added = {"from": request.form.get("from", "").strip(), "to": request.form.get("to", "").strip()}
    try:
        late = services().set_absences_as(secret, [*kept, added])
    except InputError as exc:
        flash(_said(exc), "error")
        return _render(secret, 400)
    flash(_("Your absence is saved."), "ok")
    if late:
        flash(_("Answers to a meeting in this period have closed, so no substitute is called "
                "in for you: the secretary sees your absence. Please tell them yourself too."),
              "error")
    return _back(secret, "absence")


@member_pages.post("/my/<secret>/absences/remove")
@_own_link
def remove_absence(secret: str) -> ResponseReturnValue:
    """Take back one declared absence."""
    gone = {"from": request.form.get("from", ""), "to": request.form.get("to", "")}
    kept = services().my_absences(secret)
    if gone in kept:
        services().set_absences_as(secret, [a for a in kept if a != gone])
    flash(_("The absence is removed."), "ok")
    return _back(secret, "absence")


@member_pages.post("/my/<secret>/calendar")
@_own_link
def connect_calendar(secret: str) -> ResponseReturnValue:
    """Connect or replace the member's calendar: an address to subscribe to, or a file."""
    file = request.files.get("calendar")
    done = True
    try:
        if file is not None and file.filename:
            services().upload_calendar_as(secret, file.read())
        else:
            done = services().connect_calendar_as(
                secret, {"url": request.form.get("url", "").strip()})
    except InputError as exc:
        flash(_said(exc), "error")
        return _render(secret, 400)
    except CalendarError as exc:
        flash(_("That file is not a usable calendar: %(why)s", why=str(exc)), "error")
        return _render(secret, 400)
    except Busy as exc:
        flash(_("Calendar addresses are being fetched too often right now; try again in "
                "%(wait)s.", wait=wait_words(exc.retry_after)), "error")
        response = _render(secret, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if done:
        flash(_("The calendar is read."), "ok")
    else:
        flash(_("The calendar address is still being fetched; it is kept if it can be read. "
                "Reload the page in a minute to see."), "ok")
    return _back(secret, "calendar")


@member_pages.post("/my/<secret>/calendar/forget")
@_own_link
def forget_calendar(secret: str) -> ResponseReturnValue:
    """Delete the member's calendar: its address and everything read from it."""
    services().forget_calendar_as(secret)
    flash(_("Your calendar is deleted from the service."), "ok")
    return _back(secret, "calendar")


@member_pages.post("/my/<secret>/rotate")
@_own_link
def rotate(secret: str) -> ResponseReturnValue:
    """A new feed link; the old one stops working (the page link stays)."""
    services().rotate_feed_as(secret)
    flash(_("Your link is new: subscribe again with it; the old one no longer works."), "ok")
    return _back(secret, "subscribe")


@member_pages.post("/my/<secret>/rotate-page")
@_own_link
def rotate_page(secret: str) -> ResponseReturnValue:
    """A new address for this page; the old one stops working at once."""
    new = services().rotate_page_as(secret)
    flash(_("This page has a new address: bookmark it; the old one no longer works."), "ok")
    return redirect(url_for("member_pages.member", secret=new), code=303)


# the secretary's side ----------------------------------------------------------------------
@member_pages.post("/members/<member_id>/link")
@signed_in("secretary", scope=("member", "member_id"))
def member_link(token: Token, member_id: str) -> ResponseReturnValue:
    """Open the member's own page (its link is the one to send them)."""
    return redirect(url_for("member_pages.member", secret=services().page_secret(member_id)))


@member_pages.post("/members/<member_id>/link/mail")
@signed_in("secretary", scope=("member", "member_id"))
def mail_link(token: Token, member_id: str) -> ResponseReturnValue:
    """Mail the member the link to their own page (limited per token and council)."""
    back = redirect(url_for("pages.council", council_id=services().council_of("member", member_id)))
    try:
        sent = services().mail_link(member_id, page_link(services().page_secret(member_id)),
                                    by=token.id)
    except Busy as exc:
        flash(_too_much_mail(exc), "error")
        return back
    if sent:
        flash(_("The link is on its way by mail."), "ok")
    elif services().mail_on:
        flash(_("The link was not sent: the member has no e-mail address."), "error")
    else:
        flash(_("The link was not sent: mail is off."), "error")
    return back


def _too_much_mail(busy: Busy) -> str:
    """The words for mail limited per token and council, with when to try again."""
    minutes = -(-busy.retry_after // 60)
    return str(_("Not sent: too much mail has been asked for just now. Try again in "
                 "%(minutes)s min.", minutes=minutes))


@member_pages.post("/proposals/<proposal_id>/poll")
@signed_in("secretary", scope=("proposal", "proposal_id"))
def open_poll(token: Token, proposal_id: str) -> ResponseReturnValue:
    """Ask the members about a proposal's dates and alternatives, through a deadline."""
    try:
        poll = services().open_poll(proposal_id, {"deadline": request.form.get("deadline", "")})
    except InputError as exc:
        flash(_said(exc), "error")
        return redirect(url_for("pages.proposal", proposal_id=proposal_id, _anchor="poll"))
    flash(_("The poll is open.") + (" " + _("The members are told by mail.")
                                    if services().mail_on else ""), "ok")
    return redirect(url_for("member_pages.poll", poll_id=poll.id))


@member_pages.get("/polls/<poll_id>")
@signed_in("secretary", scope=("poll", "poll_id"))
def poll(token: Token, poll_id: str) -> str:
    """A poll's answers: per date and party, who can come; and who has not answered."""
    return render_template("poll.html", grid=services().poll_grid(poll_id), token=token,
                           mail_on=services().mail_on)


@member_pages.post("/polls/<poll_id>/remind")
@signed_in("secretary", scope=("poll", "poll_id"))
def remind(token: Token, poll_id: str) -> ResponseReturnValue:
    """Mail a reminder to everyone who has not answered every date."""
    try:
        sent = services().remind_poll(poll_id, by=token.id)
    except Busy as exc:
        flash(_too_much_mail(exc), "error")
        return redirect(url_for("member_pages.poll", poll_id=poll_id))
    if services().mail_on:
        flash(_("Reminders sent: %(count)s.", count=sent), "ok")
    else:
        flash(_("No reminders were sent: mail is off."), "error")
    return redirect(url_for("member_pages.poll", poll_id=poll_id))
