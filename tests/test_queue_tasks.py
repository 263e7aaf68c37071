"""The queue's tasks: explicit names, the periodic work's times (mail and the reaper every
minute, the calendar refresh asked for every quarter of an hour and run once a period)
and the calendar refresh calling the service."""

from __future__ import annotations

import datetime as dt

from scheduler.jobs.queue import JobQueue
from scheduler.jobs.queue_url import queue_target

from .fakes import fake_services


def due(task, when: dt.datetime) -> bool:
    """Whether a periodic task is run at ``when``."""
    return bool(task.task_class().validate_datetime(when))


def test_periodic_work_runs_when_it_should():
    queue = JobQueue(queue_target("immediate:"), fake_services, refresh_every_h=6)
    tasks = queue.tasks
    minute = dt.datetime(2027, 3, 2, 10, 3)
    assert due(tasks.send_mail_due, minute)
    assert due(tasks.reap_jobs, minute)
    hour = [dt.datetime(2027, 3, 2, 7, minute) for minute in range(60)]
    assert [t.minute for t in hour if due(tasks.refresh_calendars, t)] == [0, 15, 30, 45]


def test_the_tasks_have_names_of_their_own():
    queue = JobQueue(queue_target("immediate:"), fake_services)
    names = {task.name for task in (queue.tasks.run_job, queue.tasks.send_mail,
                                    queue.tasks.reap_jobs, queue.tasks.refresh_calendars)}
    assert names == {"council.run_job", "council.send_mail", "council.reap_jobs",
                     "council.refresh_calendars"}


def test_the_calendar_refresh_task_asks_the_service_for_what_is_due(caplog):
    services = fake_services()
    calls = []

    def refresh_due(**_options):
        calls.append(True)
        return {"fetched": 2, "unchanged": 1, "failed": 1, "skipped": 0, "not_due": 3,
                "errors": ["Anna Ek: HTTP 404"]}

    services.refresh_due = refresh_due
    queue = JobQueue(queue_target("immediate:"), lambda: services)
    caplog.set_level("INFO")
    queue.tasks.refresh_calendars()
    assert calls == [True]
    assert "2 fetched, 1 unchanged, 1 failed" in caplog.text and "HTTP 404" in caplog.text
    queue.tasks.refresh_calendars()  # the same period: asked for already
    assert calls == [True]
    [job] = [j for j in services.store.jobs.values() if j.kind == "refresh"]
    assert job.state == "done" and job.result["fetched"] == 2 and job.council_ids == ()


def test_the_reaper_task_hands_back_a_dead_workers_job():
    services = fake_services()
    queue = JobQueue(queue_target("immediate:"), lambda: services)
    services.job_queue = queue
    council_id = services.create_council({"name": "R", "timezone": "Europe/Stockholm",
                                          "parties": [{"id": "a", "members": [
                                              {"name": "A", "role": "representative"}]}]})["id"]
    with services.uow() as uow:  # a job a worker took and died with
        from scheduler.jobs.records import NewJob

        job = uow.jobs.add(NewJob("proposal", (council_id,), {"council_id": council_id,
                                  "options": {"from": "2027-01-11", "to": "2027-01-16",
                                              "meetings": 1, "min_gap_days": 1}}))
        uow.jobs.claim(job.id, "dead", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
                       dt.timedelta(minutes=1))
        uow.commit()
    queue.tasks.reap_jobs()  # runs at once here: the job is queued again and run
    done = services.job(job.id)
    assert done.state == "done" and done.attempts == 2
