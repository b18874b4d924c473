"""What the learner's last checks earned, kept in ``.o11y/progress.json`` of their checkout."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from o11y_course.report.model import ExerciseResult, GradeReport


@dataclass(frozen=True)
class Progress:
    """The public-check score of one exercise at its last check."""

    score: float
    max_score: float
    passed: bool  # every public check that ran passed (a skipped real-component check aside)


def _load_raw(state_file: Path) -> dict[str, dict[str, float]]:
    try:
        data = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_progress(state_file: Path) -> dict[str, Progress]:
    """Progress per exercise id; unreadable or odd entries are ignored."""
    progress = {}
    for exercise_id, entry in _load_raw(state_file).items():
        try:
            progress[exercise_id] = Progress(float(entry["score"]), float(entry["max_score"]), bool(entry["passed"]))
        except (KeyError, TypeError, ValueError):
            continue
    return progress


def exercise_passed(result: ExerciseResult) -> bool:
    """Every check that ran passed (skipped real-component checks aside) and there was at least one."""
    ran = [c for c in result.checks if c.status != "skip"]
    return bool(ran) and all(c.status == "pass" for c in ran)


def save_progress(state_file: Path, report: GradeReport) -> None:
    """Remember the scores of the exercises in ``report``, keeping the others."""
    raw = _load_raw(state_file)
    for result in report.exercises:
        raw[result.id] = {"score": result.score, "max_score": result.max_score, "passed": exercise_passed(result)}
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(raw, indent=2, sort_keys=True), encoding="utf-8")
