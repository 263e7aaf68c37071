"""What a calendar URL answered: a calendar by its first content line, or else the kind
of answer in words (a web page, JSON, ...) without quoting any of it."""

from __future__ import annotations

from .decode import BOMS, unfold

__all__ = ["kind_of_answer", "starts_like_a_calendar"]

_SNIFF = 4096
_MEDIA_TYPES = {
    "text/html": "a web page",
    "application/xhtml+xml": "a web page",
    "application/json": "JSON data",
    "application/problem+json": "JSON data",
    "text/xml": "an XML document",
    "application/xml": "an XML document",
    "application/rss+xml": "a news feed",
    "application/atom+xml": "a news feed",
    "text/plain": "text",
    "text/csv": "a table",
    "text/calendar": "other text labelled as a calendar",
    "application/pdf": "a PDF document",
    "application/zip": "an archive",
    "application/gzip": "an archive",
    "application/octet-stream": "binary data",
}
_TOP_LEVEL_TYPES = {
    "text": "text of an unknown type",
    "image": "an image",
    "audio": "a sound file",
    "video": "a video",
    "font": "a font",
}


def starts_like_a_calendar(content: bytes) -> bool:
    """True when the first content line is BEGIN:VCALENDAR, as ingestion reads it."""
    for bom, encoding in BOMS:
        if content.startswith(bom):
            text = content[len(bom):len(bom) + 4 * _SNIFF].decode(encoding, errors="ignore")
            break
    else:
        text = content.lstrip()[:_SNIFF].decode("latin-1")
    for line in unfold(text.lstrip()):
        key, sep, value = line.text.partition(":")
        return bool(sep) and key.strip().upper() == "BEGIN" and value.strip().upper() == "VCALENDAR"
    return False


def kind_of_answer(content: bytes, content_type: str | None) -> str:
    """What came back, in words and a known media type; never any of the content."""
    if not content.strip():
        return "an empty answer"
    media = (content_type or "").partition(";")[0].strip().lower()
    if media in _MEDIA_TYPES:
        return f"{_MEDIA_TYPES[media]} ({media})"
    return _TOP_LEVEL_TYPES.get(media.partition("/")[0], "an answer of an unknown type")
