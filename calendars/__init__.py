"""iCalendar in and out, knowing nothing of councils.

``read_busy`` turns calendar bytes into busy intervals (start, end, status, UID) over a
window, and the last one-off interval wherever it lies, and nothing else: titles,
descriptions, locations and attendees never leave this package.
``fetch_calendar`` gets the bytes of a subscription URL safely.
"""

from .errors import CalendarError, CalendarFetchError, CalendarLimitError
from .ingest import IngestCache, Limits, busy_time_calendar, read_busy
from .model import BusyCalendar, BusyInterval, BusyStatus, IngestWarning
from .redact import redact_url

__all__ = [
    "BusyCalendar",
    "BusyInterval",
    "BusyStatus",
    "CalendarError",
    "CalendarFetchError",
    "CalendarLimitError",
    "IngestCache",
    "IngestWarning",
    "Limits",
    "busy_time_calendar",
    "read_busy",
    "redact_url",
]
