"""The Flask app: the JSON API, members' feeds, the OpenAPI document, the pages.

Only this package imports Flask; its views translate HTTP to calls of
``scheduler.services`` and back.
"""

from __future__ import annotations

import atexit
import os
from typing import Any

from flask import Flask

from scheduler.jobs.queue import JobQueue
from scheduler.jobs.queue_url import queue_target, queue_url
from scheduler.jobs.settings import JobSettings, refresh_hours
from scheduler.mail import MailSettings
from scheduler.secret_key import server_key
from scheduler.services import Services, open_services
from scheduler.storage.database import database_url

from .feeds import feeds
from .ids import check_url_ids
from .job_pages import job_pages
from .jobs import jobs
from .member_pages import member_pages
from .observability import init_observability
from .openapi import docs_pages, openapi_document
from .own import own
from .pages import pages
from .problems import register_errors
from .rest import api
from .rest_polls_rounds import __all__ as _polls_and_rounds  # noqa: F401 - adds their routes
from .round_pages import round_pages
from .web import csrf, init_pages

__all__ = ["create_app", "openapi_document"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The app over ``DATABASE_URL`` (default: ``SCHEDULER_DATABASE_URL`` or the user's
    SQLite file), with migrations applied. ``PUBLIC_URL`` (``SCHEDULER_PUBLIC_URL``) is the
    address links are built on (in mail too); ``MAIL`` (default: ``SCHEDULER_SMTP_URL`` and
    ``SCHEDULER_MAIL_FROM``) turns mail on, sent by the job queue unless ``SEND_MAIL`` is
    false; ``TRUSTED_HOSTS`` (``SCHEDULER_TRUSTED_HOSTS``, comma-separated) the host names
    the app answers to.

    Background work: ``QUEUE_URL`` (default ``SCHEDULER_QUEUE_URL``; with ``TESTING`` and
    no URL anywhere, ``immediate:``, so a test's request runs its job at once) names the
    queue; ``RUN_WORKER`` (default: true for the embedded queue, false for Redis and
    immediate) runs ``WORKERS`` (default 2) worker threads in this process;
    ``JOB_WAIT_S`` (default 30) is how long a request without ``Prefer: respond-async``
    waits for its job."""
    app = Flask("council_scheduler", static_folder=None)
    app.config.update(MAX_CONTENT_LENGTH=11_000_000, JSON_SORT_KEYS=False,
                      PUBLIC_URL=os.environ.get("SCHEDULER_PUBLIC_URL") or None, JOB_WAIT_S=30.0,
                      WORKERS=2)
    hosts = [h.strip() for h in os.environ.get("SCHEDULER_TRUSTED_HOSTS", "").split(",") if h.strip()]
    if hosts:
        app.config["TRUSTED_HOSTS"] = hosts
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = server_key()
    JobSettings.from_env()  # a setting out of range stops the app before the database is
    refresh_hours()  # touched (InputError naming it)
    mail = app.config["MAIL"] if "MAIL" in app.config else MailSettings.from_env(os.environ)
    url = app.config.get("DATABASE_URL") or database_url()
    services, engine = open_services(url, link_key=app.config["SECRET_KEY"], mail=mail,
                                     public_url=app.config.get("PUBLIC_URL"))
    _start_queue(app, services, url)
    app.extensions["council_services"] = services
    app.extensions["council_engine"] = engine
    app.register_blueprint(api)
    app.register_blueprint(jobs)
    app.register_blueprint(own)
    app.register_blueprint(feeds)
    app.register_blueprint(docs_pages)
    app.register_blueprint(pages)
    app.register_blueprint(member_pages)
    app.register_blueprint(round_pages)
    app.register_blueprint(job_pages)
    for blueprint in (api, jobs, own, feeds, docs_pages):  # bearer tokens and links, no cookies
        csrf.exempt(blueprint)
    init_pages(app)
    register_errors(app)
    check_url_ids(app)
    init_observability(app)
    return app


def _start_queue(app: Flask, services: Services, database: str) -> None:
    """Open the job queue, hand it to the services, and run workers here when asked."""
    default = "immediate:" if app.config.get("TESTING") and not queue_url() else queue_url()
    url = app.config.get("QUEUE_URL", default)  # "": the embedded queue
    target = queue_target(url or "", database)
    queue = JobQueue(target, lambda: services)
    services.job_queue = queue
    if services.mail is not None and app.config.get("SEND_MAIL", True):
        services.mail_queued = queue.enqueue_mail
    app.extensions["council_queue"] = queue
    if app.config.get("RUN_WORKER", target.kind == "embedded"):
        queue.start_in_process(int(app.config["WORKERS"]))
        atexit.register(queue.stop, 5.0)
