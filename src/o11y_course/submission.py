"""Where a submission keeps each exercise's files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from o11y_course.errors import UsageError
from o11y_course.exercises import TIERS, Exercise


@dataclass(frozen=True)
class Submission:
    """A learner repository root (``exercises/<tier>/<NN-slug>/``) or a ``<tier>/<NN-slug>/`` tree."""

    root: Path
    exercises_base: Path

    @property
    def name(self) -> str:
        return self.root.name

    def exercise_dir(self, exercise: Exercise) -> Path:
        return self.exercises_base / exercise.id

    def missing_files(self, exercise: Exercise) -> list[str]:
        """The exercise's files that this submission lacks."""
        folder = self.exercise_dir(exercise)
        return [name for name in exercise.files if not (folder / name).is_file()]


def open_submission(path: Path) -> Submission:
    """Recognise a submission's layout; a path that is not a folder is a usage error."""
    if not path.exists():
        raise UsageError(f"submission {str(path)!r} does not exist")
    if not path.is_dir():
        raise UsageError(f"submission {str(path)!r} is not a folder")
    root = path.resolve()
    if (root / "exercises").is_dir():
        return Submission(root, root / "exercises")
    if any((root / tier).is_dir() for tier in TIERS):
        return Submission(root, root)
    raise UsageError(
        f"{str(path)!r} holds no exercises: expected exercises/<tier>/<NN-slug>/ or <tier>/<NN-slug>/ inside it"
    )
