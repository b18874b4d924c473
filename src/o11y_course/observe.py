"""Observations of one grading run, cached per (exercise, scenario) so checks share sandbox runs."""

from __future__ import annotations

import os
from pathlib import Path

from o11y_course.exercises import Exercise
from o11y_course.observation import LearnerError, Observation
from o11y_course.sandbox.client import Sandbox
from o11y_course.sandbox.limits import Limits
from o11y_course.scenario import Scenario
from o11y_course.submission import Submission

TIMEOUT_ENV = "O11Y_TIMEOUT"  # seconds per scenario, overriding the exercise's own


def default_limits(exercise: Exercise, scenario: Scenario) -> Limits:
    """Limits for one run: a scenario's own timeout (one that waits for a real component) comes first,
    then ``$O11Y_TIMEOUT``, then the exercise's ``timeout``."""
    timeout = float(scenario.timeout or os.environ.get(TIMEOUT_ENV) or exercise.timeout or Limits.timeout)
    return Limits(timeout=timeout)


class Observer:
    """Runs scenarios for one submission, each at most once."""

    def __init__(self, sandbox: Sandbox, submission: Submission, provided_from: Path | None = None):
        self.sandbox = sandbox
        self.submission = submission
        self.provided_from = provided_from  # the course's exercises/ folder, source of ``provided`` files
        self._cache: dict[tuple[str, str], Observation] = {}
        self._broken: dict[str, LearnerError] = {}  # exercise id -> failure that breaks every scenario

    def observe(self, exercise: Exercise, scenario: Scenario) -> Observation:
        """The observation of ``scenario`` on this submission's ``exercise``."""
        key = (exercise.id, scenario.key)
        if key not in self._cache:
            self._cache[key] = self._run(exercise, scenario)
        return self._cache[key]

    def prepare_ahead(self, exercise: Exercise, scenario: Scenario) -> None:
        """Ask the sandbox to prepare ``scenario``'s driver ahead of its run, if the driver has such
        work and a zygote of its own (nothing of the learner's runs for it)."""
        if (exercise.id, scenario.key) not in self._cache:
            self.sandbox.prepare_ahead(scenario.driver, scenario.params)

    def _run(self, exercise: Exercise, scenario: Scenario) -> Observation:
        broken = self._broken.get(exercise.id) or self._missing(exercise)
        if broken is not None:
            self._broken[exercise.id] = broken
            return Observation(scenario=scenario.name, error=broken)
        folder = self.submission.exercise_dir(exercise)
        outcome = self.sandbox.run(str(folder), scenario.driver, scenario.params, default_limits(exercise, scenario), provided=self._provided(exercise, folder))
        observation = Observation.from_outcome(scenario.name, outcome)
        if observation.error is not None and observation.error.during_import and observation.error.kind != "sandbox-died":
            self._broken[exercise.id] = observation.error
        return observation

    def _provided(self, exercise: Exercise, folder: Path) -> dict[str, str]:
        """The course's copies of the provided files this submission lacks (name -> path)."""
        if self.provided_from is None:
            return {}
        source = self.provided_from / exercise.id
        return {name: str(source / name) for name in exercise.provided if not (folder / name).exists() and (source / name).is_file()}

    def _missing(self, exercise: Exercise) -> LearnerError | None:
        folder = self.submission.exercise_dir(exercise)
        shown = _shown(folder, self.submission.root)
        if not folder.is_dir():
            return LearnerError(kind="missing", message=f"The submission has no folder {shown}/: restore the exercise folder from the template")
        missing = self.submission.missing_files(exercise)
        if missing:
            return LearnerError(kind="missing", message=f"The submission lacks {', '.join(f'{shown}/{m}' for m in missing)}: restore the file from the template")
        return None


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
