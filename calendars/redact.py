"""URLs as messages may show them: no user name or password, no query values, and no
path segment that looks like a secret (Google's ``private-…`` addresses, tokens, e-mail
addresses), so a person can still recognise the address."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = ["redact_url"]

_HIDDEN = "…"

_EXTENSION = re.compile(r"\.[A-Za-z]{2,5}$")


def _secret_looking(segment: str, *, name: bool = False) -> bool:
    """True for a path segment (or, with ``name``, a query parameter's name) that may be
    a secret or a person's address."""
    text = unquote(segment)
    stem = _EXTENSION.sub("", text)
    if "@" in text or ":" in text:
        return True
    if not name and text.lower().startswith(("private-", "private_", "secret", "token")):
        return True
    return len(stem) >= 24 or (len(stem) >= 12 and any(c.isdigit() for c in stem))


def _redact_path(path: str) -> str:
    shown: list[str] = []
    for segment in path.split("/"):
        if not _secret_looking(segment):
            shown.append(segment)
        elif not shown or shown[-1] != _HIDDEN:
            shown.append(_HIDDEN)
    return "/".join(shown)


def _redact_query(query: str) -> str:
    shown: list[str] = []
    for part in query.split("&"):
        key, sep, _value = part.partition("=")
        if sep:
            shown.append(f"{_HIDDEN if _secret_looking(key, name=True) else key}={_HIDDEN}")
        else:
            shown.append(_HIDDEN if _secret_looking(key) else key)
    return "&".join(shown)


def redact_url(url: str) -> str:
    """``url`` fit to show or store: without user name and password, fragment, query
    values and secret-looking path segments (private tokens, e-mail addresses), but with
    its scheme, host, port and enough of the path to recognise it."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        scheme, sep, rest = url.strip().partition("://")
        host = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
        return f"{scheme}{sep}{host}/{_HIDDEN}" if sep else _HIDDEN
    netloc = parts.netloc.rpartition("@")[2]
    query = _redact_query(parts.query) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, _redact_path(parts.path), query, ""))


