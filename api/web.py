"""What the pages need from the app: a secret key, CSRF protection, the reader's language
(Swedish unless the browser prefers English), compiled translations."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Response, request
from flask_babel import Babel, format_timedelta, get_locale
from flask_wtf.csrf import CSRFProtect

from scheduler.secret_key import server_key
from scheduler.services.access import SESSION_MAX_AGE

__all__ = ["csrf", "init_pages", "safe_next", "wait_words"]

_TRANSLATIONS = Path(__file__).with_name("translations")
csrf = CSRFProtect()


def wait_words(seconds: float) -> str:
    """A wait as people read it in the page's language: "1 sekund", "30 sekunder",
    "10 minuter" (seconds up to two minutes, then whole minutes or hours)."""
    return str(format_timedelta(dt.timedelta(seconds=max(1.0, seconds)), threshold=10))


def safe_next(target: str | None) -> str | None:
    """A path on this site to go to after signing in, or None: no scheme, no host, even
    after the control characters and backslashes that browsers drop or turn into ``/``."""
    if not target:
        return None
    cleaned = "".join(ch for ch in target if ch.isprintable() and not ch.isspace())
    cleaned = cleaned.replace("\\", "/")
    parts = urlsplit(cleaned)
    if (parts.scheme or parts.netloc or not cleaned.startswith("/")
            or cleaned.startswith("//")):
        return None
    return cleaned


_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # members' pages carry their secret in the URL
    "X-Frame-Options": "DENY",
}


def _security_headers(response: Response) -> Response:
    for name, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _compile_translations() -> None:
    """Compile each .po catalogue to .mo when the .mo is missing or older."""
    for po in _TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            try:
                with mo.open("wb") as target:
                    write_mo(target, catalog)
            except OSError:  # a read-only installation: scripts/install compiled them
                continue


def _locale() -> str:
    """Swedish by default; English when the browser prefers it."""
    return request.accept_languages.best_match(["sv", "en"], default="sv") or "sv"


def init_pages(app: Flask) -> None:
    """Configure sessions, CSRF and languages for the pages."""
    if not app.config.get("SECRET_KEY"):  # Flask's default is None
        app.config["SECRET_KEY"] = server_key()
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    # secure cookies (HTTPS only) unless testing or explicitly running on plain HTTP
    app.config["SESSION_COOKIE_SECURE"] = not (app.config.get("TESTING")
                                               or os.environ.get("SCHEDULER_INSECURE_COOKIES") == "1")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", int(SESSION_MAX_AGE.total_seconds()))
    app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_MAX_AGE
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(_TRANSLATIONS)
    _compile_translations()
    Babel(app, locale_selector=_locale)
    if os.environ.get("SCHEDULER_BEHIND_PROXY") == "1":  # trust one proxy's X-Forwarded-*
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    csrf.init_app(app)
    app.after_request(_security_headers)

    @app.context_processor
    def _language() -> dict[str, object]:
        return {"lang": str(get_locale() or "sv"), "token": None}
