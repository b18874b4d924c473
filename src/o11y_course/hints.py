"""Progressive hints: each call reveals one more of an exercise's hints, remembered per checkout."""

from __future__ import annotations

import json
from pathlib import Path

from o11y_course.exercises import Exercise


def _load(state_file: Path) -> dict[str, int]:
    try:
        data = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, int)} if isinstance(data, dict) else {}


def reveal_next(exercise: Exercise, state_file: Path) -> tuple[int, str | None]:
    """Reveal the next hint; returns (its number, its text), or (count, None) when none are left."""
    revealed = _load(state_file)
    shown = revealed.get(exercise.id, 0)
    if shown >= len(exercise.hints):
        return shown, None
    revealed[exercise.id] = shown + 1
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(revealed, indent=2), encoding="utf-8")
    return shown + 1, exercise.hints[shown]
