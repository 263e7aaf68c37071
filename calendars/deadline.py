"""One deadline for a whole HTTP exchange, kept by the wall clock.

httpx's time-outs hold for each read, so a server that sends a byte every few seconds
keeps a fetch going for ever. Here every socket operation (connect, TLS handshake, each
read and write) is given only the time left until one deadline, so the exchange, with
all its redirects, ends by then however slowly the server trickles; Python bounds a TLS
handshake and a TLS read by their time-out as a whole, not per packet. Name look-ups,
which the system resolver does without any time-out, run in a thread of their own and
are given up at the deadline.

This is chosen over running the exchange in a thread and abandoning it: an abandoned
exchange would keep its socket and thread until the server let go, which is exactly what
a trickling server does not do.
"""

from __future__ import annotations

import ssl
import threading
import time
import typing
from collections.abc import Callable, Iterable

import httpcore
import httpx

__all__ = ["Deadline", "deadline_transport"]

T = typing.TypeVar("T")


class Deadline:
    """A moment on the monotonic clock, ``seconds`` from now."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left (0 when past)."""
        return max(0.0, self.at - time.monotonic())

    @property
    def passed(self) -> bool:
        """True once the deadline is reached."""
        return time.monotonic() >= self.at

    def bound(self, timeout: float | None, late: type[Exception]) -> float:
        """``timeout`` cut to the time left; raise ``late`` when none is left."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise late("the deadline has passed")
        return left if timeout is None else min(timeout, left)

    def call(self, work: Callable[[], T]) -> T:
        """``work()`` in a thread of its own, given up (TimeoutError) at the deadline; for
        calls that take no time-out, such as the system's name look-up."""
        done = threading.Event()
        outcome: list[T] = []
        failure: list[BaseException] = []

        def run() -> None:
            try:
                outcome.append(work())
            except BaseException as exc:  # handed to the caller as it is
                failure.append(exc)
            finally:
                done.set()

        threading.Thread(target=run, name="deadline-call", daemon=True).start()
        if not done.wait(self.left()):
            raise TimeoutError("the deadline passed first")
        if failure:
            raise failure[0]
        return outcome[0]


class _Stream(httpcore.NetworkStream):
    """A network stream whose every operation ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline):
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.bound(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        left = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, left), self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's own sockets, with every operation cut to the deadline."""

    def __init__(self, deadline: Deadline):
        self._deadline = deadline
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        left = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        return _Stream(self._sockets.connect_tcp(host, port, left, local_address, socket_options),
                       self._deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[typing.Any] | None = None
                            ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("only TCP is fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, self._deadline.left()))


def deadline_transport(deadline: Deadline, ssl_context: ssl.SSLContext) -> httpx.HTTPTransport:
    """An httpx transport (HTTP/1.1, no proxies from the environment) whose connections
    end every operation by ``deadline``."""
    transport = httpx.HTTPTransport(verify=ssl_context, trust_env=False)
    # httpx takes no network backend of its own; its pool is made again with ours
    transport._pool = httpcore.ConnectionPool(ssl_context=ssl_context,
                                              network_backend=_Backend(deadline))
    return transport
