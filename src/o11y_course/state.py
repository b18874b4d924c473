"""The state one grading run shares between the pytest plugin and the caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from o11y_course.course import Course
from o11y_course.errors import UsageError
from o11y_course.exercises import Exercise
from o11y_course.observe import Observer
from o11y_course.report.model import CheckResult


@dataclass
class GradingState:
    """Which submission and exercises are graded, how, and the results so far."""

    course: Course
    exercises: list[Exercise]
    observer: Observer
    public_only: bool = False
    self_check: bool = False  # a learner's local check: missing real components are skipped, not errors
    only: frozenset[str] | None = None  # run only checks with these function names (None: all)
    skip_real: bool = False  # skip checks that need a real component (o11y check --no-real)
    exclude_real: bool = False  # leave checks marked ``real`` out of the run entirely
    results: dict[str, list[CheckResult]] = field(default_factory=dict)
    _exercise_of: dict[str, Exercise] = field(default_factory=dict, repr=False)  # check file -> exercise, found once

    def exercise_for(self, check_file: Path) -> Exercise:
        """The exercise a check file belongs to, from its place under checks/<tier>/<NN-slug>/."""
        key = str(check_file)
        if key not in self._exercise_of:
            self._exercise_of[key] = self._find_exercise(check_file)
        return self._exercise_of[key]

    def _find_exercise(self, check_file: Path) -> Exercise:
        try:
            rel = Path(check_file).resolve().relative_to(self.course.checks_dir.resolve())
        except ValueError:
            raise UsageError(f"check file {check_file} is not under {self.course.checks_dir}") from None
        exercise_id = "/".join(rel.parts[:2])
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise UsageError(f"check file {check_file} belongs to no known exercise ({exercise_id})")

    def record(self, exercise_id: str, result: CheckResult) -> None:
        self.results.setdefault(exercise_id, []).append(result)
