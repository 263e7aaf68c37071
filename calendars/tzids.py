"""Time-zone identifiers as real calendars write them, mapped to zones that parse right.

- IANA names and Windows names (``W. Europe Standard Time``) are read as IANA zones,
  and the file's own definition of them is dropped: IANA's data is right in practice,
  and Python's zoneinfo is far faster than a rule set parsed from the file.
- A zone the file defines itself under another name (Outlook's
  ``(UTC+01:00) Amsterdam, Berlin, ...``, ``Customized Time Zone``) is renamed after
  a hash of its definition, so that two files that define one name differently never
  share icalendar's process-wide zone cache.
- A zone neither known nor defined is read from the cities it names, else as the
  council's zone, with a warning: never silently as floating time.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import zoneinfo

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from .contentline import property_name, split_line
from .layout import Block
from .model import IngestWarning

__all__ = ["TzidPlan", "plan_tzids"]


@functools.cache
def _iana_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@functools.cache
def _cities() -> dict[str, str]:
    """Lower-case city name -> IANA zone, from the last part of each zone name."""
    index: dict[str, str] = {}
    for name in sorted(_iana_names()):
        head, _, city = name.rpartition("/")
        if head and head.split("/")[0] in _CONTINENTS:
            index.setdefault(city.replace("_", " ").lower(), name)
    return index


_CONTINENTS = {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia",
               "Europe", "Indian", "Pacific"}


def is_known(tzid: str) -> bool:
    """True when icalendar resolves ``tzid`` by itself (IANA or Windows name)."""
    cleaned = tzid.strip().strip("/")
    return cleaned in _iana_names() or cleaned in WINDOWS_TO_OLSON


def guess_zone(tzid: str) -> str | None:
    """An IANA zone for an identifier that names one indirectly, or None.

    Handles vendor prefixes (``/freeassociation.sourceforge.net/Europe/Berlin``) and
    display names that list cities (``(UTC+01:00) Amsterdam, Berlin, Stockholm``).
    """
    cleaned = tzid.strip().strip('"').strip()
    parts = cleaned.strip("/").split("/")
    for start in range(1, len(parts)):
        candidate = "/".join(parts[start:])
        if candidate in _iana_names():
            return candidate
    names = re.sub(r"\([^)]*\)", ",", cleaned)
    for token in re.split(r"[,/;]| - ", names):
        city = token.strip().lower()
        if city in _cities():
            return _cities()[city]
    return None


_OFFSET = re.compile(r"(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d\d))?", re.IGNORECASE)


def zone_for_offset(tzid: str, default: str) -> str | None:
    """The zone meant by a bare offset (``(GMT +01:00)``, ``UTC+01``), or None.

    The council's own zone when its standard offset matches (so summer time is kept),
    else the fixed-offset ``Etc/GMT`` zone of whole hours.
    """
    match = _OFFSET.search(tzid)
    if not match:
        return None
    sign = 1 if match.group(1) == "+" else -1
    minutes = sign * (int(match.group(2)) * 60 + int(match.group(3) or 0))
    winter = dt.datetime(2025, 1, 15, 12, tzinfo=zoneinfo.ZoneInfo(default)).utcoffset()
    if winter == dt.timedelta(minutes=minutes):
        return default
    if minutes % 60 == 0 and abs(minutes) <= 14 * 60:
        hours = -minutes // 60
        return "Etc/GMT" if hours == 0 else f"Etc/GMT{hours:+d}"
    return None


class TzidPlan:
    """How each TZID of one VCALENDAR is to be rewritten before parsing."""

    def __init__(self, mapping: dict[str, str], dropped_zones: set[int]):
        self.mapping = mapping
        self.dropped_zones = dropped_zones

    def rewrite(self, text: str) -> str:
        """The line with its TZID parameter (or a VTIMEZONE's TZID value) renamed."""
        if not self.mapping or "TZID" not in text.upper():
            return text
        line = split_line(text)
        if line is None:
            return text
        if line.name == "TZID":
            new = self.mapping.get(normalize(line.value))
            return f"TZID:{new}" if new else text
        old = line.param("TZID")
        if old is None:
            return text
        new = self.mapping.get(normalize(old))
        return line.with_param("TZID", new).render() if new else line.render()


def normalize(tzid: str) -> str:
    """A TZID as written in a parameter or property, without quotes and escapes."""
    return tzid.strip().strip('"').replace("\\,", ",").replace("\\;", ";").strip()


def _defined_tzids(block: Block) -> list[str]:
    return [
        normalize(line.text.partition(":")[2])
        for line in block.lines
        if property_name(line.text) == "TZID"
    ]


def plan_tzids(
    blocks: list[Block], used: set[str], zone: str, warnings: list[IngestWarning]
) -> TzidPlan:
    """Decide the new name of every TZID defined in ``blocks`` or ``used`` by events."""
    mapping: dict[str, str] = {}
    dropped: set[int] = set()
    defined: set[str] = set()
    for index, block in enumerate(blocks):
        if block.name != "VTIMEZONE":
            continue
        tzids = _defined_tzids(block)
        if len(tzids) != 1:
            dropped.add(index)
            warnings.append(IngestWarning(
                f"VTIMEZONE with {len(tzids)} TZID lines skipped", line=block.line))
            continue
        tzid = tzids[0]
        defined.add(tzid)
        if is_known(tzid):
            # IANA's own rules, in C, rather than the file's copy of them
            mapping[tzid] = WINDOWS_TO_OLSON.get(tzid.strip("/"), tzid.strip("/"))
            dropped.add(index)
        else:
            digest = hashlib.sha256("\n".join(x.text for x in block.lines).encode()).hexdigest()
            mapping[tzid] = f"X-CUSTOM-{digest[:16]}"
    for tzid in sorted(used - defined):
        if is_known(tzid):
            continue
        guess = guess_zone(tzid) or zone_for_offset(tzid, zone)
        if guess is None:
            warnings.append(IngestWarning(
                f"time zone {tzid!r} is neither defined in the file nor known; read as {zone}"))
        mapping[tzid] = guess or zone
    return TzidPlan(mapping, dropped)
