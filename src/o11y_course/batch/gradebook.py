"""The gradebook: one row per submission with its points per exercise, total, maximum and status."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from o11y_course.exercises import Exercise
from o11y_course.report.model import GradeReport
from o11y_course.report.points import points_text


@dataclass
class Graded:
    """One submission of a batch: its report, or why it could not be graded at all."""

    id: str
    path: str
    report: GradeReport | None
    error: str = ""
    seconds: float = 0.0

    @property
    def status(self) -> str:
        return "ok" if self.report is not None else "error"

    def points(self, exercise_id: str) -> float:
        """Points earned in one exercise (0 when it was not graded)."""
        found = self.report.exercise(exercise_id) if self.report is not None else None
        return found.score if found is not None else 0

    def total(self) -> float:
        return self.report.score if self.report is not None else 0

    def maximum(self, exercises: list[Exercise]) -> float:
        """The report's maximum; for a submission that could not be graded, the exercises' points."""
        return self.report.max_score if self.report is not None else sum(e.points for e in exercises)


def header(exercises: list[Exercise]) -> list[str]:
    """The gradebook's columns."""
    return ["id", *(e.id for e in exercises), "total", "max", "status", "error"]


def row(graded: Graded, exercises: list[Exercise]) -> list[str]:
    """One submission's gradebook row."""
    points = [points_text(graded.points(e.id)) for e in exercises]
    return [graded.id, *points, points_text(graded.total()), points_text(graded.maximum(exercises)), graded.status, graded.error]


def write_gradebook(path: Path, results: list[Graded], exercises: list[Exercise]) -> None:
    """Write ``gradebook.csv``."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header(exercises))
        for graded in results:
            writer.writerow(row(graded, exercises))
