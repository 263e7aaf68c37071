"""What the pages need from the app: a secret key, CSRF protection, the reader's language
(Swedish unless the browser prefers English), compiled translations."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request
from flask_babel import Babel, get_locale
from flask_wtf.csrf import CSRFProtect
from platformdirs import user_data_dir

__all__ = ["init_pages"]

_TRANSLATIONS = Path(__file__).with_name("translations")
csrf = CSRFProtect()


def _secret_key() -> str:
    """``SCHEDULER_SECRET_KEY``, else one made once and kept in the user's data folder."""
    configured = os.environ.get("SCHEDULER_SECRET_KEY")
    if configured:
        return configured
    path = Path(user_data_dir("council-scheduler", appauthor=False)) / "secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


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
        app.config["SECRET_KEY"] = _secret_key()
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    # secure cookies (HTTPS only) unless testing or explicitly running on plain HTTP
    app.config["SESSION_COOKIE_SECURE"] = not (app.config.get("TESTING")
                                               or os.environ.get("SCHEDULER_INSECURE_COOKIES") == "1")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(_TRANSLATIONS)
    _compile_translations()
    Babel(app, locale_selector=_locale)
    if os.environ.get("SCHEDULER_BEHIND_PROXY") == "1":  # trust one proxy's X-Forwarded-*
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    csrf.init_app(app)

    @app.context_processor
    def _language() -> dict[str, object]:
        return {"lang": str(get_locale() or "sv"), "token": None}
