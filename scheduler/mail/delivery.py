"""Delivering the outbox: one message at a time, leased so that no two senders send the
same message, sent outside any transaction, and marked sent or failed afterwards.

A failed message is tried again after 1, 2, 4 … minutes (at most 6 hours between
tries) and given up after twelve tries (about 20 hours), or at once when the server
refuses it for good (a 5xx reply to its recipient or its content) or its recipient cannot
be sent to at all (no address, or one that needs SMTPUTF8 from a server without it). A
message is sent again only when its sender died between sending and recording it; its
Message-ID is then the same.

Addresses go on the wire with their domain as IDNA (``xn--…``); a local part that is not
ASCII (and a message with UTF-8 headers) is sent with SMTPUTF8 when the server offers it.

The job queue drains the outbox: when mail is queued, and every minute in any case
(``scheduler.jobs.tasks``); ``scheduler outbox send`` drains it by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from ..addresses import BadAddress, mail_address
from ..ports import UnitOfWork
from ..records import MailRecord
from .settings import MailSettings

__all__ = ["DrainResult", "Unsendable", "describe", "drain", "retry_at", "send_one"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
_FIRST_RETRY = dt.timedelta(minutes=1)
_LONGEST_WAIT = dt.timedelta(hours=6)
_EOL = re.compile(r"\r\n|\r|\n")

Sender = Callable[[MailSettings, MailRecord], None]
UnitOfWorkFactory = Callable[..., UnitOfWork]


class Unsendable(Exception):
    """A message that no server can be given as it is: ``recipient`` True when the fault
    is its recipient (given up at once, the other messages go on), False when it is the
    sender (every message would fail alike)."""

    def __init__(self, message: str, *, recipient: bool):
        super().__init__(message)
        self.recipient = recipient


@dataclass(frozen=True)
class DrainResult:
    """What one drain did: messages delivered, failed for now, and given up."""

    sent: int = 0
    failed: int = 0
    dead: int = 0


def send_one(settings: MailSettings, mail: MailRecord, *,
             context: ssl.SSLContext | None = None) -> None:
    """Deliver one message to its recipient through the SMTP server; raises
    ``smtplib.SMTPException`` or ``OSError`` when it is not accepted.

    ``context``: the TLS context (default: the system's trusted certificates). Raises
    ``Unsendable`` for a recipient that is no address, or an address or message that
    needs SMTPUTF8 when the server does not offer it."""
    try:
        recipient = mail_address(mail.recipient)
    except BadAddress as exc:
        raise Unsendable(str(exc), recipient=True) from None
    sender_utf8 = not settings.envelope_sender.isascii()
    tls = context or ssl.create_default_context()
    data = _EOL.sub("\r\n", mail.message).encode("utf-8")
    utf8 = sender_utf8 or recipient.needs_smtputf8 or not data.isascii()
    client: smtplib.SMTP
    if settings.security == "ssl":
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                  context=tls)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        if settings.security == "starttls":
            client.starttls(context=tls)
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.ehlo_or_helo_if_needed()
        if utf8 and not client.has_extn("smtputf8"):
            raise Unsendable("the mail server does not take internationalised addresses "
                             "(no SMTPUTF8)", recipient=not sender_utf8)
        options = ["SMTPUTF8", "BODY=8BITMIME"] if utf8 else []
        try:
            client.sendmail(settings.envelope_sender, [recipient.wire], data, options)
        except UnicodeError as exc:  # not to be had with checked addresses: never retried
            raise Unsendable(f"an address cannot be encoded: {exc}", recipient=True) from None


def retry_at(attempts: int, at: dt.datetime, error: BaseException) -> dt.datetime | None:
    """When to try a message again after its ``attempts``-th try failed; None: give up."""
    if attempts >= MAX_ATTEMPTS or _permanent(error):
        return None
    wait = min(_FIRST_RETRY * (1 << min(max(attempts - 1, 0), 20)), _LONGEST_WAIT)
    return at + wait


def _permanent(error: BaseException) -> bool:
    """The server refused the recipient or the message itself for good (5xx), or no
    server can be given its recipient."""
    if isinstance(error, Unsendable):
        return error.recipient
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(
            code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def _about_this_message(error: BaseException) -> bool:
    """The server refused this message or its recipient; anything else (no connection,
    a refused login or sender) would fail the next message too."""
    if isinstance(error, Unsendable):
        return error.recipient
    return isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError)


def describe(error: BaseException) -> str:
    """One line on what went wrong, for the outbox and the log (never a password)."""
    if isinstance(error, Unsendable):
        return ("recipient cannot be sent to: " if error.recipient else "sender: ") + _text(
            str(error))
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refusals = [f"{code} {_text(reply)}" for code, reply in error.recipients.values()]
        return "recipient refused: " + "; ".join(refusals)
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__}: {error.smtp_code} {_text(error.smtp_error)}"
    detail = " ".join(str(error).split())
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def drain(uow_factory: UnitOfWorkFactory, settings: MailSettings, *,
          now: dt.datetime | None = None, limit: int | None = None,
          lease: dt.timedelta = dt.timedelta(minutes=5), sender: Sender = send_one) -> DrainResult:
    """Send every message due (at most ``limit``), each once, and record how it went.

    ``now`` fixes the clock (for tests); otherwise each message is claimed at the time
    it is. When the server cannot be reached, or refuses the login or the sender, the
    drain stops after that message: the others stay due for the next drain.
    """
    sent = failed = dead = 0
    while limit is None or sent + failed + dead < limit:
        at = now or _utcnow()
        with uow_factory() as uow:
            mail = uow.outbox.claim(at, lease)
            uow.commit()
        if mail is None:
            break
        try:
            sender(settings, mail)
        except Exception as error:
            done = now or _utcnow()
            again = retry_at(mail.attempts, done, error)
            reason = describe(error)
            with uow_factory() as uow:
                uow.outbox.failed(mail.id, reason, again)
                uow.commit()
            if again is None:
                dead += 1
                log.warning("mail %s to %s given up after %d tries: %s", mail.id,
                            mail.recipient, mail.attempts, reason)
            else:
                failed += 1
                log.info("mail %s to %s failed (try %d), again at %s: %s", mail.id,
                         mail.recipient, mail.attempts, again.isoformat(), reason)
            if not _about_this_message(error):
                break
            continue
        with uow_factory() as uow:
            uow.outbox.sent(mail.id, now or _utcnow())
            uow.commit()
        sent += 1
    return DrainResult(sent, failed, dead)
