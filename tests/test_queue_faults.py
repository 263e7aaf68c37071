"""The service under faults, on the real servers: Redis stopped (reads and feeds answer,
job submission answers a 503 problem and keeps nothing, and works again once Redis is
back); PostgreSQL restarted (the app recovers without a restart of its own); two
confirms of one proposal at once on PostgreSQL (the meetings made once); mail sent by
the queue's worker to a real SMTP server, each message once."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import threading
import time

import pytest
import sqlalchemy as sa

from api import create_app
from scheduler.mail import MailSettings

from .conftest import bearer
from .databases import ADMIN_URL, database, postgres_database_url
from .smtp_server import SmtpServer
from .test_members_loop import COUNCIL as MAIL_COUNCIL
from .test_members_loop import WEEK
from .test_queue_servers import IN_CI, Worker, redis_server, wait_for, worker_env

COUNCIL = {"name": "Kulturrådet", "timezone": "Europe/Stockholm", "parties": [
    {"id": "nora", "members": [{"name": "Anna Ek", "role": "representative"}]},
    {"id": "kumla", "members": [{"name": "Karin Berg", "role": "representative"}]}]}
OPTIONS = {"from": "2027-01-11", "to": "2027-01-16", "meetings": 1, "min_gap_days": 1,
           "time_limit_s": 10}
ASYNC = {"Prefer": "respond-async"}


def test_with_redis_stopped_reads_and_feeds_answer_and_submission_is_a_503_problem(tmp_path):
    with redis_server(tmp_path) as redis:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite'}", "TESTING": True,
                          "QUEUE_URL": redis.url})
        try:
            client = app.test_client()
            services = app.extensions["council_services"]
            queue = app.extensions["council_queue"]
            admin = bearer(app)
            council = client.post("/api/councils", json=COUNCIL, headers=admin).json
            member = council["parties"][0]["members"][0]["id"]
            feed = client.get(f"/api/members/{member}/feed", headers=admin).json["url"]
            feed_path = "/feeds/" + feed.rsplit("/feeds/", 1)[1]
            proposals = f"/api/councils/{council['id']}/proposals"
            assert client.post(proposals, json=OPTIONS, headers={**admin, **ASYNC}).status_code \
                == 202
            queue.ping()

            redis.stop()
            with pytest.raises(Exception, match="does not take work now"):
                queue.ping()
            assert client.get(f"/api/councils/{council['id']}", headers=admin).status_code == 200
            assert client.get(proposals, headers=admin).status_code == 200
            assert client.get(feed_path).status_code == 200
            before = services.job_counts()
            refused = client.post(proposals, json=OPTIONS,
                                  headers={**admin, **ASYNC, "Idempotency-Key": "after"})
            assert refused.status_code == 503 and refused.mimetype == "application/problem+json"
            assert int(refused.headers["Retry-After"]) > 0
            assert services.job_counts() == before  # no job row kept

            redis.start()  # the same port again, empty
            queue.ping()
            again = client.post(proposals, json=OPTIONS,
                                headers={**admin, **ASYNC, "Idempotency-Key": "after"})
            assert again.status_code == 202
            assert queue.pending() == 1
            # the job taken before Redis stopped was lost with its memory: still queued in
            # the database, it is put on the queue again once it counts as stale
            services.job_settings = dataclasses.replace(services.job_settings,
                                                        stale_after_s=0.001)
            requeued, _failed = services.reap_jobs()
            assert len(requeued) == 2 and queue.pending() == 3
        finally:
            app.extensions["council_engine"].dispose()


def _restart_postgres(engine: sa.Engine) -> str:
    """Restart the PostgreSQL server (in CI, or when SCHEDULER_TEST_PG_RESTART=1: others
    may be using the machine's server), else end every connection to this test's
    database, which is what the app sees of a restart; how it was done."""
    if IN_CI or os.environ.get("SCHEDULER_TEST_PG_RESTART") == "1":
        versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        if versions:
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main",
                            "restart"], check=True, capture_output=True, timeout=120)
            return "restarted"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            ended = db.execute(sa.text(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity "
                "where datname = :name and pid <> pg_backend_pid()"),
                {"name": engine.url.database}).scalar()
    finally:
        admin.dispose()
    assert ended, "the app had no connection to end"
    return "connections ended"


def test_the_app_recovers_when_postgresql_restarts():
    with postgres_database_url() as url:
        app = create_app({"DATABASE_URL": url, "TESTING": True})
        try:
            client = app.test_client()
            admin = bearer(app)
            council = client.post("/api/councils", json=COUNCIL, headers=admin).json
            path = f"/api/councils/{council['id']}"
            assert client.get(path, headers=admin).status_code == 200
            _restart_postgres(app.extensions["council_engine"])
            assert client.get(path, headers=admin).status_code == 200
            made = client.post(f"{path}/proposals", json=OPTIONS, headers=admin)
            assert made.status_code == 201, made.text
        finally:
            app.extensions["council_engine"].dispose()


def test_two_confirms_at_once_on_postgresql_make_the_meetings_once(tmp_path):
    with database("postgresql", tmp_path) as engine:
        app = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False),
                          "TESTING": True})
        try:
            admin = bearer(app)
            setup = app.test_client()
            council = setup.post("/api/councils", json=COUNCIL, headers=admin).json
            proposal = setup.post(f"/api/councils/{council['id']}/proposals",
                                  json={**OPTIONS, "meetings": 2}, headers=admin).json
            barrier = threading.Barrier(4)
            answers: list[tuple[int, list[str]]] = []

            def confirm() -> None:
                client = app.test_client()
                barrier.wait()
                answer = client.post(f"/api/proposals/{proposal['id']}/confirm", headers=admin)
                answers.append((answer.status_code, sorted(m["id"] for m in answer.json["meetings"])))

            threads = [threading.Thread(target=confirm) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(code for code, _ in answers) == [200, 200, 200, 201]
            assert len({tuple(ids) for _, ids in answers}) == 1  # the same meetings for all
            meetings = setup.get(f"/api/councils/{council['id']}/meetings", headers=admin).json
            assert len(meetings["meetings"]) == 2
        finally:
            app.extensions["council_engine"].dispose()


def test_mail_is_sent_by_the_worker_through_the_queue_each_message_once(tmp_path):
    smtp = SmtpServer().start()
    try:
        with redis_server(tmp_path) as redis:
            url = f"sqlite:///{tmp_path / 'mail.sqlite'}"
            settings = MailSettings("127.0.0.1", smtp.port, sender="kalender@region.example",
                                    timeout=5)
            app = create_app({"DATABASE_URL": url, "TESTING": True, "QUEUE_URL": redis.url,
                              "MAIL": settings, "PUBLIC_URL": "https://moten.example"})
            env = worker_env(url, redis.url, SCHEDULER_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
                             SCHEDULER_MAIL_FROM="kalender@region.example",
                             SCHEDULER_PUBLIC_URL="https://moten.example")
            worker = Worker(env, tmp_path / "worker.log")
            try:
                client = app.test_client()
                admin = bearer(app)
                council = client.post("/api/councils", json=MAIL_COUNCIL, headers=admin).json
                made = client.post(f"/api/councils/{council['id']}/proposals", json=WEEK,
                                   headers=admin)  # run by the worker, waited for
                assert made.status_code == 201, made.text
                confirmed = client.post(f"/api/proposals/{made.json['id']}/confirm",
                                        headers=admin)
                assert confirmed.status_code == 201
                # three members with an address are asked to the one meeting
                wait_for(lambda: smtp.count() >= 3, 30, "the worker to send the mail")
                time.sleep(1.5)  # a second nudge and drain find nothing more to send
                app.extensions["council_queue"].enqueue_mail()
                time.sleep(1.5)
                assert smtp.count() == 3
                recipients = sorted(r for m in smtp.received for r in m.recipients)
                assert recipients == ["asa@lindesberg.example", "eva@askersund.example",
                                      "per@lindesberg.example"]
                with app.extensions["council_services"].reader() as uow:
                    assert uow.outbox.counts() == {"pending": 0, "sent": 3, "dead": 0}
            finally:
                assert worker.stop() == 0
                app.extensions["council_engine"].dispose()
    finally:
        smtp.stop()
