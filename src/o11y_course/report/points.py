"""Points as the platform formats write them: integers when whole, no float noise otherwise."""

from __future__ import annotations


def json_number(value: float) -> int | float:
    """``value`` as an int when it is whole (``2`` rather than ``2.0``), else rounded to 6 decimals."""
    rounded = round(value, 6)
    return int(rounded) if rounded == int(rounded) else rounded


def points_text(value: float) -> str:
    """``value`` for people: ``2``, ``1.5``."""
    return f"{json_number(value):g}"
