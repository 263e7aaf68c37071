"""Members' iCal feeds: the secret in the link is the only credential."""

from __future__ import annotations

from flask import Blueprint, Response, request

from .auth import documented, services
from .problems import Problem

__all__ = ["feeds"]

feeds = Blueprint("feeds", __name__)

_GONE = "no such feed (the link may have been replaced)"


@feeds.get("/feeds/<secret>.ics")
@documented(public=True, responses={200: "text/calendar", 304: "Not modified (ETag)"})
def feed(secret: str) -> Response:
    """A member's iCal feed; the secret in the link is the only credential."""
    holds = request.args.get("holds") in ("1", "true")
    found = services().feed_unless(secret, holds=holds, known=request.if_none_match)
    if found is None:
        raise Problem(404, "Not Found", _GONE)
    body, version = found
    if body is None:  # unchanged: answered without building the feed
        response = Response(status=304)
    else:
        response = Response(body, content_type="text/calendar; charset=utf-8")
        response.headers["Cache-Control"] = "private, max-age=300"
    response.set_etag(version)
    return response
