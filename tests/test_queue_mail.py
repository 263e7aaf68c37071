"""Mail on the queue: queued mail nudges a sending task, a task that fails (the database
away) is logged and the next one sends, and a queue that is down never fails the change
that queued the mail (the minute's periodic sending finds it)."""

from __future__ import annotations

import pytest

from scheduler.errors import QueueUnavailable
from scheduler.jobs.queue import JobQueue
from scheduler.jobs.queue_url import queue_target
from scheduler.services import open_services

from .smtp_server import SmtpServer
from .test_mail_delivery import invitation, settings_for


@pytest.fixture
def server():
    made = SmtpServer().start()
    yield made
    made.stop()


def test_a_nudge_sends_the_mail_and_a_failing_send_task_does_not_stop_the_next(tmp_path,
                                                                               server):
    services, engine = open_services(f"sqlite:///{tmp_path / 'm.sqlite'}", link_key="tests",
                                     mail=settings_for(server))
    try:
        queue = JobQueue(queue_target("immediate:"), lambda: services)
        services.mail_queued = queue.enqueue_mail
        working = services.uow

        def away(write: bool = True):
            raise RuntimeError("the database is away")

        with working() as uow:
            uow.outbox.add(invitation())
            uow.commit()
        services.uow = away
        services.mail_queued()  # the task fails, is logged, and nothing is raised here
        assert server.count() == 0
        services.uow = working
        services.mail_queued()
        assert server.count() == 1
        services.mail_queued()
        assert server.count() == 1  # sent once
    finally:
        engine.dispose()


def test_a_queue_that_is_down_never_fails_the_change_that_queued_mail(tmp_path, server):
    services, engine = open_services(f"sqlite:///{tmp_path / 'm.sqlite'}", link_key="tests",
                                     mail=settings_for(server))
    try:
        queue = JobQueue(queue_target("redis://127.0.0.1:1/0"), lambda: services)  # nothing there
        with pytest.raises(QueueUnavailable):
            queue.ping()
        queue.enqueue_mail()  # logged, not raised
        assert server.count() == 0
    finally:
        engine.dispose()
