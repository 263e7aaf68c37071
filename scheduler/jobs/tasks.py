"""The project's tasks on a huey instance, each under an explicit name (so a worker of
another build still finds them): run a job (a message wakes a worker, which takes the
queued job fairest across councils, ``scheduler.jobs.fair``), send the mail that is due,
and the periodic work: mail every minute, the reaper every minute, calendars every few
hours.

A task reaches the services through ``TaskContext``: the app's own services in the web
process, services built from the environment in a ``scheduler worker``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from huey import Huey, crontab

from ..mail.delivery import drain

if TYPE_CHECKING:
    from ..services import Services

__all__ = ["TASK_NAMES", "TaskContext", "Tasks", "register_tasks"]

log = logging.getLogger(__name__)

TASK_NAMES = ("council.run_job", "council.send_mail", "council.send_mail_due",
              "council.reap_jobs", "council.refresh_calendars")


class TaskContext:
    """What a task needs: the services (built on first use) and a way to put a job on
    the queue again."""

    def __init__(self, services: Callable[[], Services]):
        self._make = services
        self._made: Services | None = None

    def services(self) -> Services:
        """The services tasks use."""
        if self._made is None:
            self._made = self._make()
        return self._made


@dataclass(frozen=True)
class Tasks:
    """The task wrappers registered on one huey instance (call one to enqueue it)."""

    run_job: Any
    send_mail: Any
    send_mail_due: Any
    reap_jobs: Any
    refresh_calendars: Any


def send_due_mail(services: Services) -> None:
    """Tell the changes that have settled (each member's state, the cover of each party),
    then send every message of the outbox that is due (nothing when mail is off)."""
    if services.mail is None:
        return
    services.tell_settled()
    result = drain(services.uow, services.mail)
    if result.sent or result.failed or result.dead:
        log.info("mail: %d sent, %d failed, %d given up", result.sent, result.failed,
                 result.dead)


def refresh_calendars(services: Services, every_h: int) -> None:
    """Once every ``every_h`` hours, whichever workers ask: fetch the calendar URLs that
    are due again (ETag and Last-Modified, each host backing off on its own), and log
    what came of it (members named by id)."""
    job = services.refresh_when_due(every_h)
    if job is None:  # this period's refresh was made by another worker
        return
    found = job.result or {}
    if job.state != "done":
        log.warning("calendar refresh: job %s %s", job.id, job.state)
        return
    log.info("calendar refresh: %d fetched, %d unchanged, %d failed, %d skipped, %d not due",
             found["fetched"], found["unchanged"], found["failed"], found["skipped"],
             found["not_due"])
    for error in found["errors"]:
        log.warning("calendar refresh: %s", error)


def register_tasks(huey: Huey, context: TaskContext, *, refresh_hours: int = 6) -> Tasks:
    """Register the project's tasks on ``huey``; every quarter of an hour a worker asks
    for the calendar refresh of the current ``refresh_hours`` period, which runs once a
    period whatever the number of workers (and soon after a start, when it is due)."""
    def run_job(job_id: str) -> None:  # the fairest queued job, which may be another one
        log.debug("job %s: a worker is free", job_id)
        context.services().run_next()

    def send_mail() -> None:
        send_due_mail(context.services())

    def reap_jobs() -> None:
        context.services().reap_jobs()

    def refresh() -> None:
        refresh_calendars(context.services(), refresh_hours)

    every_minute = crontab(minute="*")
    return Tasks(
        run_job=huey.task(name="council.run_job")(run_job),
        send_mail=huey.task(name="council.send_mail")(send_mail),
        send_mail_due=huey.periodic_task(every_minute, name="council.send_mail_due")(send_mail),
        reap_jobs=huey.periodic_task(every_minute, name="council.reap_jobs")(reap_jobs),
        refresh_calendars=huey.periodic_task(crontab(minute="*/15"),
                                             name="council.refresh_calendars")(refresh))
