"""GradeReport: the one versioned model every reporter maps from (report/grade-report.schema.json)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA = "o11y-course/grade-report/v1"
STATUSES = ("pass", "fail", "error", "skip")


@dataclass
class CheckResult:
    """The outcome of one check."""

    id: str  # "beginner/02-metrics-endpoint::test_counts_requests"
    title: str
    points: float
    visibility: str  # public | hidden
    status: str  # pass | fail | error | skip
    message: str = ""
    hint: str = ""

    @property
    def earned(self) -> float:
        return self.points if self.status == "pass" else 0

    @property
    def name(self) -> str:
        """The check's function name, the part after ``::``."""
        return self.id.split("::", 1)[-1]


@dataclass
class ExerciseResult:
    """All checks of one exercise."""

    id: str
    title: str
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(c.earned for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)

    def check(self, name: str) -> CheckResult | None:
        """The result of the check with function name ``name``."""
        return next((c for c in self.checks if c.name == name), None)


@dataclass
class GradeReport:
    """A whole submission's grade."""

    submission: str
    exercises: list[ExerciseResult] = field(default_factory=list)
    schema: str = SCHEMA

    @property
    def score(self) -> float:
        return sum(e.score for e in self.exercises)

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises)

    def exercise(self, exercise_id: str) -> ExerciseResult | None:
        return next((e for e in self.exercises if e.id == exercise_id), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form documented by the schema."""
        return {
            "schema": self.schema,
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "exercises": [
                {
                    "id": e.id,
                    "title": e.title,
                    "score": e.score,
                    "max_score": e.max_score,
                    "checks": [asdict(c) for c in e.checks],
                }
                for e in self.exercises
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GradeReport:
        """Read a report back from its JSON form."""
        return cls(
            submission=data["submission"],
            schema=data["schema"],
            exercises=[
                ExerciseResult(e["id"], e["title"], [CheckResult(**c) for c in e["checks"]]) for e in data["exercises"]
            ],
        )
