"""Turning learner objects into short strings inside the sandbox, whatever their ``__str__``/``__repr__`` do."""

from __future__ import annotations

from typing import Any

TEXT_LIMIT = 500


def safe_str(value: Any, limit: int = TEXT_LIMIT) -> str:
    """``str(value)`` cut to ``limit`` characters; never raises."""
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception as exc:  # noqa: BLE001 - a learner's __str__ may raise anything
        text = f"<str() failed: {type(exc).__name__}>"
    return text[:limit]


def safe_repr(value: Any, limit: int = TEXT_LIMIT, *, keep_strings: bool = False) -> str:
    """``repr(value)`` (strings as they are with ``keep_strings``) cut to ``limit`` characters; never raises."""
    try:
        text = value if keep_strings and isinstance(value, str) else repr(value)
    except Exception as exc:  # noqa: BLE001 - a learner's __repr__ may raise anything
        text = f"<repr() failed: {type(exc).__name__}>"
    return text[:limit]
