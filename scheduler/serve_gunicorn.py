"""The app under gunicorn: several worker processes forked from one loaded app, each with
threads; database connections are never shared across a fork."""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

__all__ = ["run_gunicorn"]


class _StandardLogger(Logger):  # type: ignore[misc]
    """gunicorn's messages through the standard logging set up by ``scheduler serve``
    (JSON or text), not through handlers of its own; requests are logged by the app."""

    def setup(self, cfg: Any) -> None:
        self.error_log = logging.getLogger("gunicorn.error")
        self.error_log.propagate = True
        self.access_log = logging.getLogger("gunicorn.access")
        self.access_log.propagate = False
        self.access_log.disabled = True


class _Server(BaseApplication):  # type: ignore[misc]
    """gunicorn over an app object loaded before it starts."""

    def __init__(self, app: Any, options: dict[str, Any]):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def _after_fork(app: Any) -> Callable[[Any, Any], None]:
    def post_fork(_server: Any, _worker: Any) -> None:
        # the parent's pooled connections stay the parent's: the worker opens its own
        app.extensions["council_engine"].dispose(close=False)
        queue = app.extensions.get("council_queue")
        if queue is not None and hasattr(queue, "stop"):
            # the queue's workers run in the parent only: a worker process has none to stop
            atexit.unregister(queue.stop)
    return post_fork


def run_gunicorn(app: Any, host: str, port: int, *, processes: int, threads: int,
                 ready: Callable[[], None]) -> None:
    """Serve ``app`` until SIGTERM or SIGINT; ``ready`` is called once the port is bound."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    _Server(app, {
        "bind": [bind], "workers": processes, "threads": threads, "worker_class": "gthread",
        "preload_app": True, "keepalive": 5, "timeout": 60, "graceful_timeout": 30,
        "proc_name": "council-scheduler", "logger_class": _StandardLogger,
        "control_socket_disable": True,  # no socket in the user's home: several may run
        "forwarded_allow_ips": "",  # X-Forwarded-* as SCHEDULER_BEHIND_PROXY says, in the app
        "post_fork": _after_fork(app), "when_ready": lambda _server: ready(),
    }).run()
