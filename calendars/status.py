"""What an event means for its owner's time: free, tentative, busy or out of office."""

from __future__ import annotations

from icalendar import Component

from .model import BusyStatus

__all__ = ["event_status"]

_CDO = {
    "FREE": None,
    "TENTATIVE": BusyStatus.TENTATIVE,
    "BUSY": BusyStatus.BUSY,
    "OOF": BusyStatus.OOF,
    # Working elsewhere: at work, but not at the usual place; may or may not travel.
    "WORKINGELSEWHERE": BusyStatus.TENTATIVE,
}


def _own_partstat(event: Component, email: str | None) -> str | None:
    if not email:
        return None
    attendees = event.get("ATTENDEE")
    if attendees is None:
        return None
    if not isinstance(attendees, list):
        attendees = [attendees]
    wanted = email.strip().lower()
    for attendee in attendees:
        address = str(attendee).strip().lower().removeprefix("mailto:")
        if address == wanted:
            return str(attendee.params.get("PARTSTAT", "NEEDS-ACTION")).upper()
    return None


def event_status(event: Component, email: str | None = None) -> BusyStatus | None:
    """The status an event gives its owner's time, or None when it leaves them free.

    In order: a cancelled event is free; an invitation the owner (``email``) declined
    is free; Outlook's X-MICROSOFT-CDO-BUSYSTATUS decides when present; a transparent
    event is free; an invitation not yet accepted, or a tentative event, is tentative;
    anything else is busy.
    """
    status = str(event.get("STATUS", "")).strip().upper()
    if status == "CANCELLED":
        return None
    partstat = _own_partstat(event, email)
    if partstat == "DECLINED":
        return None
    cdo = event.get("X-MICROSOFT-CDO-BUSYSTATUS")
    if cdo is not None and str(cdo).strip().upper() in _CDO:
        return _CDO[str(cdo).strip().upper()]
    if str(event.get("TRANSP", "OPAQUE")).strip().upper() == "TRANSPARENT":
        return None
    if partstat in ("NEEDS-ACTION", "TENTATIVE") or status == "TENTATIVE":
        return BusyStatus.TENTATIVE
    return BusyStatus.BUSY
