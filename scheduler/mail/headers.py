"""Headers of the service's mail, built from parts so that no name is ever parsed as
header syntax: text made one line and kept from reading as an RFC 2047 encoded word,
addresses as ``Address`` objects with the domain as IDNA, a To that goes without its
display name when the mail library would not read it back (it can lose a long quoted
name's quotes when folding), and a check that a whole message reads back with exactly
the headers and parts it was composed with."""

from __future__ import annotations

import email
import email.policy
import functools
import hashlib
import re
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import HeaderParser, Parser
from email.utils import make_msgid, parseaddr

from ..addresses import BadAddress, MailAddress, mail_address
from .wording import one_line

__all__ = ["attendees", "check_reads_back", "header_text", "message_id", "named", "policy_for",
           "recipient_address", "sender_address", "set_subject", "to_header", "utf8_text"]

_UTF8 = email.policy.default.clone(utf8=True)
_DOMAIN = re.compile(r"[A-Za-z0-9.-]{1,253}")


def header_text(text: str) -> str:
    """Text as a header may show it: one line, valid UTF-8, and never read as an encoded
    word (RFC 2047): ``=?`` gets a zero-width space between its two characters, so the
    mail library encodes the text rather than decoding what looks like encoded text in it."""
    return utf8_text(one_line(text)).replace("=?", "=\u200b?")


def set_subject(message: EmailMessage, subject: str) -> None:
    """Give ``message`` the Subject ``subject`` as header text (``header_text``). Beyond
    ASCII it is written as RFC 2047 encoded words, folded so that a space where a line is
    folded stays inside an encoded word: the mail library's own folding (Python 3.11)
    leaves it between two encoded words, where readers drop it ("samverkansrådetför")."""
    text = header_text(subject)
    if text.isascii():
        message["Subject"] = text
        return
    message.set_raw("Subject", Header(text, "utf-8", header_name="Subject").encode())


def utf8_text(text: str) -> str:
    """``text`` with any lone surrogate (which UTF-8 cannot carry) as ``?``."""
    return text.encode("utf-8", "replace").decode("utf-8")


def named(name: str | None, address: MailAddress) -> Address:
    """A header's address built from its parts (nothing in it parsed): the display name
    as header text, the domain as IDNA unless the local part needs SMTPUTF8 anyway."""
    domain = address.domain if address.needs_smtputf8 else address.ascii_domain
    return Address(display_name=header_text(name or ""), username=address.local, domain=domain)


def sender_address(sender: str) -> tuple[Address, bool]:
    """The From address of ``MailSettings.sender`` (checked when it was read; the local
    fallback ``kalender@localhost`` as it is), and whether it needs SMTPUTF8."""
    name, bare = parseaddr(sender)
    try:
        found = mail_address(bare or sender)
    except BadAddress:
        local, _at, domain = (bare or sender).rpartition("@")
        found = MailAddress(local, domain, domain)
    return named(name, found), found.needs_smtputf8


def recipient_address(address: str) -> MailAddress | BadAddress:
    """The recipient's address, or why it is none (a stored address from before checks)."""
    try:
        return mail_address(address)
    except BadAddress as exc:
        return exc


def attendees(address: str) -> tuple[str, ...]:
    """The recipient as the calendar part names them (no one, when it is no address)."""
    found = recipient_address(address)
    return (found.wire,) if isinstance(found, MailAddress) else ()


def message_id(key: str | None, sender: str) -> str:
    """A Message-ID at the sender's domain (as IDNA), derived from ``key`` when there is one
    so that a message sent again is recognisably the same."""
    bare = parseaddr(sender)[1] or sender
    try:
        domain = mail_address(bare).ascii_domain
    except BadAddress:
        domain = bare.rpartition("@")[2]
    if not domain or not domain.isascii() or not _DOMAIN.fullmatch(domain):
        domain = "localhost"
    if key is None:
        return make_msgid(domain=domain)
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def to_header(sender: str, recipient: str, name: str | None,
              address: MailAddress) -> Address:
    """The To of a message: the name and the address, or the address alone when the mail
    library would not read the two back as written."""
    with_name = named(name, address)
    utf8 = policy_for(sender, recipient) is _UTF8
    if _reads_back(with_name.display_name, with_name.username, with_name.domain, utf8):
        return with_name
    return named(None, address)


def policy_for(sender: str, recipient: str) -> email.policy.EmailPolicy[EmailMessage]:
    """UTF-8 headers (RFC 6532) when an address needs SMTPUTF8, else ASCII throughout."""
    to = recipient_address(recipient)
    utf8 = sender_address(sender)[1] or (isinstance(to, MailAddress) and to.needs_smtputf8)
    return _UTF8 if utf8 else email.policy.default


@functools.lru_cache(maxsize=4096)
def _reads_back(display_name: str, username: str, domain: str, utf8: bool) -> bool:
    """Whether a To header of just this address is read back as the same address (kept
    for the addresses last asked about: a member gets several messages)."""
    value = Address(display_name=display_name, username=username, domain=domain)
    probe = EmailMessage()
    probe["To"] = value
    text = probe.as_string(policy=_UTF8 if utf8 else email.policy.default)
    back = HeaderParser(policy=email.policy.default).parsestr(text)
    found: list[Address] = list(back["To"].addresses) if back["To"] is not None else []
    return (len(found) == 1 and found[0].addr_spec == value.addr_spec
            and _spaceless(found[0].display_name) == _spaceless(value.display_name))


def check_reads_back(message: EmailMessage, text: str) -> None:
    """ValueError unless ``text`` parses back to the same header names, To, Subject and
    MIME parts as ``message``: no text put into a header can add one, or a part. (Long
    display names may come back with a space where they were folded: spaces are not
    compared.)"""
    heads = HeaderParser(policy=email.policy.default).parsestr(text)  # read as mail programs do
    whole = Parser(policy=email.policy.compat32).parsestr(text)  # the parts, without decoding
    same = (heads.keys() == message.keys()
            and _spaceless(heads["Subject"]) == _spaceless(message["Subject"])
            and [_spaceless(a) for a in heads.get_all("To", [])]
            == [_spaceless(a) for a in message.get_all("To", [])]
            and [(p.get_content_type(), len(p.keys())) for p in whole.walk()]
            == [(p.get_content_type(), len(p.keys())) for p in message.walk()])
    if not same:
        raise ValueError("a message would not read back as it was composed")


def _spaceless(value: object) -> str:
    return "".join(str(value).split())
