"""Where the course lives: the folder holding exercises/, checks/ and reference/."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from o11y_course.errors import UsageError

COURSE_ENV = "O11Y_COURSE_ROOT"


@dataclass(frozen=True)
class Course:
    """The folders of one course checkout (instructor source repo or learner template)."""

    root: Path

    @property
    def exercises_dir(self) -> Path:
        return self.root / "exercises"

    @property
    def checks_dir(self) -> Path:
        return self.root / "checks"

    @property
    def reference_dir(self) -> Path:
        return self.root / "reference"

    @property
    def mutants_dir(self) -> Path:
        return self.root / "tests" / "mutants"

    @property
    def state_dir(self) -> Path:
        """Where learner-side state (last results, revealed hints) is kept."""
        return self.root / ".o11y"

    def protected_dirs(self) -> tuple[Path, ...]:
        """Folders that learner code must never read: hidden checks, solutions, mutants."""
        return tuple(p for p in (self.checks_dir, self.reference_dir, self.root / "tests") if p.is_dir())


def is_course_root(path: Path) -> bool:
    """A course root has both exercises/ and checks/."""
    return (path / "exercises").is_dir() and (path / "checks").is_dir()


def find_course(start: Path | None = None) -> Course:
    """Find the course from $O11Y_COURSE_ROOT or by walking up from ``start`` (the cwd)."""
    env = os.environ.get(COURSE_ENV)
    if env:
        root = Path(env).resolve()
        if not is_course_root(root):
            raise UsageError(f"{COURSE_ENV}={env} is not a course folder (it needs exercises/ and checks/)")
        return Course(root)
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if is_course_root(candidate):
            return Course(candidate)
    raise UsageError(
        "no course found: run this inside the course repository (a folder with exercises/ and checks/)"
    )
