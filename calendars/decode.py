"""Bytes to logical content lines: size limit, encodings, BOMs, line endings, unfolding."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from .errors import CalendarError, CalendarLimitError

__all__ = ["BOMS", "Line", "decode", "unfold"]

BOMS = (  # byte-order marks and the encodings they select
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class Line:
    """One unfolded content line and the number of its first physical line (1-based)."""

    number: int
    text: str


def decode(data: bytes, *, max_bytes: int) -> tuple[str, str]:
    """Decode calendar bytes to text; return the text and the encoding used.

    UTF-8 is tried first (a BOM selects UTF-8/16/32), then Windows-1252, which
    Outlook exports use, then Latin-1, which accepts any byte.
    """
    if len(data) > max_bytes:
        raise CalendarLimitError(
            f"the calendar is {len(data) / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:g} MB"
        )
    if not data.strip():
        raise CalendarError("the calendar is empty")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise CalendarError(f"the file starts with a {encoding} mark but is not {encoding}") from exc
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise CalendarError("the file is binary, not a calendar (it contains NUL bytes)")
        return text, encoding
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def unfold(text: str) -> list[Line]:
    """Split text into logical lines: CRLF, CR or LF endings; folded lines joined."""
    lines: list[Line] = []
    parts: list[str] = []
    first = 0
    for number, physical in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if physical[:1] in (" ", "\t") and parts:
            parts.append(physical[1:])
            continue
        if parts:
            lines.append(Line(first, "".join(parts)))
        parts, first = [physical], number
    if parts:
        lines.append(Line(first, "".join(parts)))
    return [line for line in lines if line.text.strip()]
