"""The parts of one content line: ``NAME;PARAM=value;...:VALUE``, with quoted parameters."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

__all__ = ["ContentLine", "split_line"]


@dataclass(frozen=True, slots=True)
class ContentLine:
    """A content line cut into its name, its parameters (in order) and its value."""

    name: str
    params: tuple[tuple[str, str], ...]
    value: str
    repaired: bool = False

    def param(self, key: str) -> str | None:
        """The value of parameter ``key`` without quotes, or None."""
        for k, v in self.params:
            if k == key:
                return v.strip('"')
        return None

    def with_param(self, key: str, value: str) -> ContentLine:
        """A copy with parameter ``key`` set to ``value`` (quoted when it must be)."""
        quoted = f'"{value}"' if any(c in value for c in ':;,') else value
        params = tuple((k, quoted if k == key else v) for k, v in self.params)
        return ContentLine(self.name, params, self.value, self.repaired)

    def render(self) -> str:
        """The line as iCalendar text (unfolded)."""
        params = "".join(f";{k}={v}" for k, v in self.params)
        return f"{self.name}{params}:{self.value}"


def property_name(text: str) -> str:
    """The upper-cased property name of a content line, cheaply."""
    end = len(text)
    for sep in (";", ":"):
        i = text.find(sep)
        if i != -1 and i < end:
            end = i
    return text[:end].strip().upper()


def split_line(text: str) -> ContentLine | None:
    """Cut a content line into its parts; None when it has no value separator.

    A broken quoting seen in Exchange exports, ``TZID="Zone Name:20200609T090000"``,
    is repaired to ``TZID="Zone Name":20200609T090000``.
    """
    in_quotes = False
    cuts: list[int] = []
    colon = -1
    last_quote_colon = -1
    for i, ch in enumerate(text):
        if ch == '"':
            in_quotes = not in_quotes
        elif in_quotes:
            if ch == ":":
                last_quote_colon = i
        elif ch == ";":
            cuts.append(i)
        elif ch == ":":
            colon = i
            break
    repaired = False
    if colon == -1:
        if not (in_quotes is False and text.endswith('"') and last_quote_colon != -1):
            return None
        # NAME;P="x:value"  ->  NAME;P="x":value
        text = text[:last_quote_colon] + '":' + text[last_quote_colon + 1 : -1]
        colon, repaired = last_quote_colon + 1, True
        cuts = [c for c in cuts if c < colon]
    name_end = cuts[0] if cuts else colon
    name = text[:name_end].strip().upper()
    if not name:
        return None
    params: list[tuple[str, str]] = []
    bounds = [*cuts, colon]
    for start, stop in itertools.pairwise(bounds):
        key, _, value = text[start + 1 : stop].partition("=")
        params.append((key.strip().upper(), value))
    return ContentLine(name, tuple(params), text[colon + 1 :], repaired)
