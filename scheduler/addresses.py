"""E-mail addresses: checked with ``email-validator`` (syntax only, no DNS), internationalised
ones accepted (``rådet@örebro.example``), and the forms they take on the wire.

A stored address is kept as it was given; ``MailAddress`` tells how to write it in a header
and in the SMTP envelope: the domain as IDNA (``xn--…``) so that any server takes it, and
the local part as it is, which needs SMTPUTF8 only when it is not ASCII.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

__all__ = ["BadAddress", "MailAddress", "check_address", "mail_address"]

MAX_LENGTH = 320
"""An address is at most this many characters (what the database keeps)."""


class BadAddress(ValueError):
    """Text that is not one usable e-mail address; the message says why."""


@dataclass(frozen=True)
class MailAddress:
    """One checked address: its local part, and its domain in Unicode and as IDNA."""

    local: str
    domain: str
    ascii_domain: str

    @property
    def needs_smtputf8(self) -> bool:
        """Whether only a server with SMTPUTF8 can carry it (a local part not in ASCII)."""
        return not self.local.isascii()

    @property
    def wire(self) -> str:
        """The address for the envelope and headers: the domain as IDNA."""
        return f"{self.local}@{self.ascii_domain}"


@functools.lru_cache(maxsize=4096)
def mail_address(text: str) -> MailAddress:
    """``text`` as one address; BadAddress (a ValueError) saying why it is none. (Kept for
    the addresses last asked about: one message asks several times.)"""
    if len(text) > MAX_LENGTH:
        raise BadAddress(f"an e-mail address has at most {MAX_LENGTH} characters")
    try:
        found = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise BadAddress(f"not an e-mail address: {exc}") from None
    return MailAddress(found.local_part, found.domain, found.ascii_domain)


def check_address(text: str) -> str:
    """``text`` unchanged when it is one address, else BadAddress (for validators)."""
    mail_address(text)
    return text
