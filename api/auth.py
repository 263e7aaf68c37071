"""Who may do what: bearer tokens, roles and the one council-scope check; the services."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from flask import Response, current_app, g, request

from scheduler.services import ResourceKind, Services
from scheduler.tokens import Token

from .problems import Problem

__all__ = ["NO_SUCH", "allow", "allow_every", "authorised", "documented", "services"]

View = Callable[..., Any]
NO_SUCH = "no such resource for this token"
"""What a token is told of a resource that does not exist and of one it may not see."""


def services() -> Services:
    """The app's services."""
    found: Services = current_app.extensions["council_services"]
    return found


def _bearer() -> Token:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Problem(401, "Unauthorized", "send Authorization: Bearer <token>")
    token = services().authenticate(secret.strip())
    if token is None:
        raise Problem(401, "Unauthorized", "the token is unknown or revoked")
    return token


def allow(token: Token, roles: tuple[str, ...], scope: tuple[ResourceKind, str] | None) -> None:
    """The one scope check: admins may do anything; others act only on their own council's
    resources, in the given roles. Another council's resource answers 404, as if it did
    not exist; a role that may not act answers 403."""
    if token.role == "admin":
        if scope is not None and services().council_of(*scope) is None:
            raise Problem(404, "Not Found", f"no such {scope[0]}")
        return
    council_id = services().council_of(*scope) if scope is not None else None
    if council_id is None or token.council_id != council_id:
        raise Problem(404, "Not Found", NO_SUCH)
    if token.role not in roles:
        raise Problem(403, "Forbidden", f"a {token.role} token may not do this")


def allow_every(roles: tuple[str, ...], council_ids: Sequence[str], *,
                any_of: bool = False) -> Token:
    """The request's bearer token, allowed (``allow``) for every council named, or with
    ``any_of`` for at least one of them (a round that spans councils)."""
    token = _bearer()
    g.token = token
    refused: Problem | None = None
    for council_id in dict.fromkeys(council_ids):
        try:
            allow(token, roles, ("council", council_id))
            if any_of:
                return token
        except Problem as problem:
            if not any_of:
                raise
            refused = refused or problem
    if any_of and refused is not None:
        raise refused
    return token


def authorised(*roles: str, scope: tuple[ResourceKind, str] | None = None) -> Callable[[View], View]:
    """Require a bearer token; ``scope`` names the resource kind and the URL parameter
    that holds its id (``("member", "member_id")``). Without a scope, admins only."""
    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            token = _bearer()
            allow(token, roles, (scope[0], kwargs[scope[1]]) if scope else None)
            g.token = token
            return view(**kwargs)
        return wrapper
    return decorate


def documented(*, body: str | None = None, responses: dict[int, str] | None = None,
               public: bool = False, headers: dict[int, dict[str, Any]] | None = None,
               parameters: list[dict[str, Any]] | None = None) -> Callable[[View], View]:
    """Describe a view for the generated OpenAPI document: its body schema (a component
    name, or ``text/calendar``), its success responses, the headers of its answers by
    status, and the request headers it reads (OpenAPI parameters)."""
    def mark(view: View) -> View:
        view.__dict__["openapi"] = {"body": body, "responses": responses or {200: "OK"},
                                    "public": public, "headers": headers or {},
                                    "parameters": parameters or []}
        return view
    return mark


def no_content() -> Response:
    """204 No Content."""
    return Response(status=204)
