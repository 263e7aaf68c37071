"""``scheduler worker``: run the queue's tasks (jobs, mail, the reaper, calendar refresh)
with services built from the environment, as ``create_app`` builds them; hand back the
jobs of dead workers at start; stop on SIGTERM (waiting a while for the task under way)
or SIGINT."""

from __future__ import annotations

import logging
import os
import sys

import sqlalchemy as sa

from ..errors import InputError
from ..mail.settings import MailSettings
from ..secret_key import server_key
from ..services import Services, open_services
from ..storage.database import database_url
from .queue import JobQueue
from .queue_url import queue_target, queue_url, redacted_url
from .settings import JobSettings

__all__ = ["run_worker", "worker_services"]

log = logging.getLogger("council_scheduler.worker")


def _log_to_stderr() -> None:
    """Log what the worker does, one line an event, unless logging is set up already."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(os.environ.get("SCHEDULER_LOG_LEVEL", "INFO").upper())


def worker_services(queue: JobQueue, url: str) -> tuple[Services, sa.Engine]:
    """Services over ``url`` with the settings of the environment (the server key, mail,
    the public URL), putting their jobs and mail on ``queue``; and their engine."""
    mail = MailSettings.from_env(os.environ)
    services, engine = open_services(url, link_key=server_key(), mail=mail,
                                     public_url=os.environ.get("SCHEDULER_PUBLIC_URL") or None)
    services.job_queue = queue
    if mail is not None:
        services.mail_queued = queue.enqueue_mail
    return services, engine


def run_worker(workers: int = 2, worker_type: str = "thread", grace_s: float = 30.0) -> int:
    """Run the consumer over ``SCHEDULER_QUEUE_URL`` until a signal ends it; the exit status."""
    if workers < 1:
        raise InputError("must be at least 1", field="--workers")
    JobSettings.from_env()  # a setting out of range stops the worker before anything starts
    url = database_url()
    target = queue_target(queue_url(), url)
    if target.kind == "immediate":
        raise InputError("immediate: runs tasks where they are asked; a worker needs the "
                         "embedded queue or Redis", field="SCHEDULER_QUEUE_URL")
    _log_to_stderr()
    holder: list[Services] = []
    queue = JobQueue(target, lambda: holder[0])
    services, engine = worker_services(queue, url)
    holder.append(services)
    log.info("worker: queue %s, %d %s workers, database %s", target.redacted(), workers,
             worker_type, redacted_url(url))
    try:
        queue.ping()
    except Exception as error:  # the consumer keeps trying; say so now
        log.warning("worker: %s; waiting for it", error)
    try:
        again, failed = services.reap_jobs()
        log.info("worker: at start %d jobs put on the queue again, %d given up", len(again),
                 len(failed))
    except Exception:
        log.exception("worker: the reaper could not run at start")
    if worker_type == "process":  # each process opens its own connections
        engine.dispose()
    consumer = queue.consumer(workers, worker_type, graceful_signal="TERM")
    consumer.shutdown_timeout = grace_s
    try:
        consumer.run()
    finally:
        engine.dispose()
    log.info("worker: stopped")
    return 0
