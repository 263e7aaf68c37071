"""Links that leave the service (feeds, members' pages): built on the configured public
address, never on whatever Host header a request came with."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for

__all__ = ["external_url", "feed_links", "page_link"]


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for an endpoint: ``PUBLIC_URL`` (``SCHEDULER_PUBLIC_URL``) when set,
    else the address of the request (behind a proxy: as ``SCHEDULER_BEHIND_PROXY`` allows)."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return str(public).rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def feed_links(secret: str) -> dict[str, str]:
    """A feed's https and webcal links."""
    url = external_url("feeds.feed", secret=secret)
    return {"url": url, "webcal": "webcal://" + url.split("://", 1)[1]}


def page_link(secret: str) -> str:
    """A member's own page, as an absolute link to send them."""
    public = current_app.config.get("PUBLIC_URL")
    base = str(public).rstrip("/") if public else request.host_url.rstrip("/")
    return f"{base}/my/{secret}"
