"""Who may do what: bearer tokens, roles and council scopes; the services of the app."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, request

from scheduler.services import Services
from scheduler.storage.repository import NotFound
from scheduler.tokens import Token

from .problems import Problem

__all__ = ["authorised", "council_of_meeting", "council_of_member", "council_of_proposal",
           "documented", "services"]


def services() -> Services:
    found: Services = current_app.extensions["council_services"]
    return found


# authorisation ---------------------------------------------------------------------------
def _token() -> Token:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Problem(401, "Unauthorized", "send Authorization: Bearer <token>")
    token = services().store.authenticate(secret.strip())
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


def documented(*, body: str | None = None, responses: dict[int, str] | None = None,
               public: bool = False) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Describe a view for the generated OpenAPI document: its body schema (a component
    name, or ``text/calendar``) and its success responses."""
    def mark(view: Callable[..., Response]) -> Callable[..., Response]:
        view.__dict__["openapi"] = {"body": body, "responses": responses or {200: "OK"},
                                    "public": public}
        return view
    return mark


def council_of_member(member_id: str) -> str | None:
    try:
        return services().store.member_council(member_id)
    except NotFound:
        return None


def council_of_proposal(proposal_id: str) -> str | None:
    try:
        return services().plans.proposal(proposal_id).council_id
    except NotFound:
        return None


def council_of_meeting(meeting_id: str) -> str | None:
    try:
        return services().plans.meeting(meeting_id).council_id
    except NotFound:
        return None


