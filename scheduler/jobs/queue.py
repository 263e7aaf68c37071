"""The job queue: a huey instance opened from ``SCHEDULER_QUEUE_URL`` with the project's
tasks on it, and the few things the rest of the service asks of it (is it there, put a
job on it, nudge the mail, run a consumer)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer

from ..errors import QueueUnavailable
from .queue_url import QueueTarget
from .settings import refresh_hours
from .tasks import TaskContext, Tasks, register_tasks

if TYPE_CHECKING:
    from ..services import Services

__all__ = ["JobQueue", "QuietConsumer", "open_huey"]

log = logging.getLogger(__name__)

NAME = "council-scheduler"
UNAVAILABLE = "the job queue does not take work now; try again shortly"


def open_huey(target: QueueTarget) -> Huey:
    """A huey instance for the target: SqliteHuey, RedisHuey (short timeouts, so a Redis
    that is down answers at once) or immediate mode."""
    if target.kind == "immediate":
        return MemoryHuey(NAME, immediate=True, results=False)
    if target.kind == "embedded":
        return SqliteHuey(NAME, filename=target.location, results=False, timeout=10)
    import redis

    pool = redis.ConnectionPool.from_url(target.location, socket_connect_timeout=2,
                                         socket_timeout=10, health_check_interval=15)
    return RedisHuey(NAME, connection_pool=pool, results=False)


class QuietConsumer(Consumer):  # type: ignore[misc]
    """A huey consumer that leaves the process's signals alone (it runs inside a web
    server, which handles them itself)."""

    def _set_signal_handlers(self) -> None:
        return None


class JobQueue:
    """The project's tasks on one queue. ``services`` gives the services tasks run on."""

    def __init__(self, target: QueueTarget, services: Callable[[], Services], *,
                 refresh_every_h: int | None = None):
        self.target = target
        self.huey = open_huey(target)
        self.context = TaskContext(services)
        self.tasks: Tasks = register_tasks(self.huey, self.context,
                                           refresh_hours=refresh_every_h or refresh_hours())
        self._consumer: Consumer | None = None
        self._lock = threading.Lock()

    @property
    def immediate(self) -> bool:
        """Whether tasks run at once, in the caller."""
        return bool(self.huey.immediate)

    def ping(self) -> None:
        """Nothing when the queue answers; QueueUnavailable when it does not (where the
        queue is goes to the log only, without its secrets)."""
        try:
            self.huey.storage.queue_size()
        except Exception as error:
            log.warning("job queue: %s does not answer: %s", self.target.redacted(),
                        type(error).__name__)
            raise QueueUnavailable(UNAVAILABLE) from error

    def pending(self) -> int:
        """How many tasks wait on the queue."""
        return int(self.huey.storage.queue_size())

    def enqueue_job(self, job_id: str) -> None:
        """Put a kept job on the queue (QueueUnavailable when the queue is down)."""
        try:
            self.tasks.run_job(job_id)
        except Exception as error:
            log.warning("job queue: %s does not take job %s: %s", self.target.redacted(),
                        job_id, type(error).__name__)
            raise QueueUnavailable(UNAVAILABLE) from error

    def enqueue_mail(self) -> None:
        """Ask for the outbox to be sent soon; when the queue is down the minute's
        periodic sending finds the mail later."""
        try:
            self.tasks.send_mail()
        except Exception:
            log.warning("mail: the queue is down; the mail waits for the periodic sending",
                        exc_info=True)

    def consumer(self, workers: int, worker_type: str = "thread", *, quiet: bool = False,
                 graceful_signal: str = "INT") -> Consumer:
        """A consumer over this queue with ``workers`` threads or processes (periodic
        tasks on); ``quiet`` leaves signal handlers alone; ``graceful_signal`` (INT or
        TERM) waits for the tasks under way, the other signal does not."""
        kind = QuietConsumer if quiet else Consumer
        return kind(self.huey, workers=workers, worker_type=worker_type, periodic=True,
                    initial_delay=0.05, max_delay=1.0, backoff=1.2, check_worker_health=True,
                    graceful_signal=graceful_signal)

    def start_in_process(self, workers: int) -> None:
        """Run a consumer with ``workers`` threads inside this process until ``stop``."""
        with self._lock:
            if self._consumer is not None or self.immediate:
                return
            self._consumer = self.consumer(workers, quiet=True)
            self._consumer.start()
            log.info("job queue: %s, %d worker threads in this process",
                     self.target.redacted(), workers)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the in-process consumer (waiting up to ``timeout`` seconds for its tasks)."""
        with self._lock:
            found, self._consumer = self._consumer, None
        if found is not None:
            found.shutdown_timeout = timeout
            found.stop(graceful=True)
