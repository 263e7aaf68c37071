"""The Flask app: the JSON API, members' feeds, the OpenAPI document, the pages.

Only this package imports Flask; its views translate HTTP to calls of
``scheduler.services`` and back.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from scheduler.services import Services
from scheduler.storage.database import database_url, make_engine, upgrade
from scheduler.storage.feeds import FeedStore
from scheduler.storage.plans import PlanStore
from scheduler.storage.repository import Store

from .feeds import feeds
from .openapi import docs_pages, openapi_document
from .pages import pages
from .problems import register_errors
from .rest import api
from .web import csrf, init_pages

__all__ = ["create_app", "openapi_document"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The app over ``DATABASE_URL`` (default: ``SCHEDULER_DATABASE_URL`` or the user's
    SQLite file), with migrations applied."""
    app = Flask("council_scheduler", static_folder=None)
    app.config.update(MAX_CONTENT_LENGTH=11_000_000, JSON_SORT_KEYS=False)
    app.config.update(config or {})
    engine = make_engine(app.config.get("DATABASE_URL") or database_url())
    upgrade(engine)
    app.extensions["council_services"] = Services(Store(engine), PlanStore(engine),
                                                  FeedStore(engine))
    app.register_blueprint(api)
    app.register_blueprint(feeds)
    app.register_blueprint(docs_pages)
    app.register_blueprint(pages)
    for blueprint in (api, feeds, docs_pages):  # bearer tokens and feed links, no cookies
        csrf.exempt(blueprint)
    init_pages(app)
    register_errors(app)
    return app
