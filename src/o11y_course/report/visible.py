"""Text from learner files made safe to print on a terminal."""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with control characters (terminal escapes among them) shown as ``\\xNN``: a message
    quoting a learner's file can never recolour or rewrite the reader's terminal."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
