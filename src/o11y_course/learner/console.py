"""The terminal the learner commands write to: colour on a TTY, plain text when piped or NO_COLOR is set."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from rich.console import Console


def make_console(file: TextIO | None = None) -> Console:
    """A rich Console that colours only a real terminal and never when ``NO_COLOR`` is set."""
    stream = file or sys.stdout
    is_tty = hasattr(stream, "isatty") and stream.isatty()
    plain = bool(os.environ.get("NO_COLOR")) or not is_tty
    return Console(
        file=stream,
        no_color=plain,
        color_system=None if plain else "auto",
        force_terminal=is_tty and not plain,
        highlight=False,
        emoji=False,
        soft_wrap=not is_tty,
        width=None if is_tty else 100,
    )
