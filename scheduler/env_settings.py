"""Settings read from the environment: a number in its range, or an InputError naming the
variable (the service refuses to start with it; the command line exits 2)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from .errors import InputError

__all__ = ["seconds_setting", "whole_setting"]


def seconds_setting(environ: Mapping[str, str], name: str, default: float, low: float,
             high: float) -> float:
    """A number of seconds from ``name`` (``default`` when unset), within [low, high]."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{raw!r} is not a number of seconds", field=name) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise InputError(f"must be a number of seconds from {low:g} to {high:g}",
                         field=name)
    return value


def whole_setting(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """A whole number from ``name`` (``default`` when unset), within [low, high]."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise InputError(f"must be a whole number from {low} to {high}", field=name)
    return int(raw)
