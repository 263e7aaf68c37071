"""The component structure of a calendar file, with line numbers, before any parsing.

A file holds one or more VCALENDARs; each holds calendar properties and top-level
components (VEVENT, VTIMEZONE, VFREEBUSY, ...). Scanning this structure first lets a
broken component be skipped and reported by line and UID while the rest is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .contentline import property_name
from .decode import Line
from .errors import CalendarError
from .model import IngestWarning

__all__ = ["Block", "CalendarLayout", "scan"]


@dataclass(slots=True)
class Block:
    """One top-level component of a VCALENDAR, as its logical lines."""

    name: str
    line: int
    lines: list[Line] = field(default_factory=list)
    broken: str | None = None

    @property
    def uid(self) -> str | None:
        """The component's UID, if it has one at its own level."""
        depth = 0
        for line in self.lines[1:]:
            name = property_name(line.text)
            if name == "BEGIN":
                depth += 1
            elif name == "END":
                depth -= 1
            elif depth == 0 and name == "UID":
                return line.text.partition(":")[2].strip()
        return None


@dataclass(slots=True)
class CalendarLayout:
    """One VCALENDAR: its own properties and its top-level components."""

    line: int
    properties: list[Line] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


def _begin_end(text: str) -> tuple[str, str] | None:
    """('BEGIN'|'END', COMPONENT) for a BEGIN/END line, else None."""
    head, sep, value = text.partition(":")
    key = head.strip().upper()
    if sep and key in ("BEGIN", "END"):
        return key, value.strip().upper()
    return None


def scan(lines: list[Line], warnings: list[IngestWarning]) -> list[CalendarLayout]:
    """Group logical lines into VCALENDARs and their components.

    Raises CalendarError when there is no VCALENDAR at all. Components whose
    BEGIN/END lines do not match are marked broken rather than failing the file.
    """
    calendars: list[CalendarLayout] = []
    current: CalendarLayout | None = None
    block: Block | None = None
    stack: list[str] = []  # open components inside the current block
    stray = 0
    for line in lines:
        marker = _begin_end(line.text)
        if current is None:
            if marker == ("BEGIN", "VCALENDAR"):
                current = CalendarLayout(line.number)
                calendars.append(current)
            elif not calendars:
                raise CalendarError(
                    "not a calendar: it does not begin with BEGIN:VCALENDAR",
                    line=line.number,
                )
            else:
                stray += 1
            continue
        if block is None:
            if marker is None:
                current.properties.append(line)
            elif marker == ("END", "VCALENDAR"):
                current = None
            elif marker[0] == "BEGIN":
                block = Block(marker[1], line.number, [line])
                stack = [marker[1]]
            else:
                warnings.append(IngestWarning("a stray line outside any component was ignored",
                                              line=line.number))
            continue
        block.lines.append(line)
        if marker is None:
            if ":" not in line.text and block.broken is None:
                block.broken = f"line {line.number} is not a content line"
            continue
        kind, name = marker
        if kind == "BEGIN":
            if name == "VCALENDAR":
                block.broken = f"BEGIN:VCALENDAR inside {block.name} at line {line.number}"
                block.lines.pop()
                current.blocks.append(block)
                block = None
                current = CalendarLayout(line.number)
                calendars.append(current)
                continue
            stack.append(name)
            continue
        if name in stack:
            while stack[-1] != name:
                block.broken = block.broken or f"{stack[-1]} is not closed before line {line.number}"
                stack.pop()
            stack.pop()
        elif name == "VCALENDAR":
            block.broken = block.broken or f"{block.name} is not closed before line {line.number}"
            block.lines.pop()
            current.blocks.append(block)
            block, current = None, None
            continue
        else:
            block.broken = block.broken or f"unexpected END:{name} at line {line.number}"
        if not stack:
            current.blocks.append(block)
            block = None
    if block is not None and current is not None:
        block.broken = block.broken or f"{block.name} is not closed at the end of the file"
        current.blocks.append(block)
    if not calendars:
        raise CalendarError("not a calendar: no BEGIN:VCALENDAR found")
    if stray:
        warnings.append(IngestWarning(f"{stray} line(s) outside any VCALENDAR ignored"))
    return calendars
