"""Observations of one grading run, cached per (exercise, run) so checks share sandbox runs.

Runs the checks will ask for can be observed ahead, by a background thread, while the judging
process evaluates other checks: the sandbox and the judge then work at the same time. Work that
mostly waits (a real Prometheus scraping the app) can be started in the background on a thread of
its own, beside the other runs.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from o11y_course.exercises import Exercise
from o11y_course.observation import LearnerError, Observation
from o11y_course.sandbox.client import Sandbox
from o11y_course.sandbox.limits import Limits
from o11y_course.scenario import Scenario
from o11y_course.submission import Submission

TIMEOUT_ENV = "O11Y_TIMEOUT"  # seconds per scenario, overriding the exercise's own
T = TypeVar("T")


def default_limits(exercise: Exercise, scenario: Scenario) -> Limits:
    """Limits for one run: a scenario's own timeout (one that waits for a real component) comes first,
    then ``$O11Y_TIMEOUT``, then the exercise's ``timeout``."""
    timeout = float(scenario.timeout or os.environ.get(TIMEOUT_ENV) or exercise.timeout or Limits.timeout)
    return Limits(timeout=timeout)


class Observer:
    """Runs scenarios for one submission, each at most once (whichever thread asks first runs it)."""

    def __init__(self, sandbox: Sandbox, submission: Submission, provided_from: Path | None = None):
        self.sandbox = sandbox
        self.submission = submission
        self.provided_from = provided_from  # the course's exercises/ folder, source of ``provided`` files
        self._cache: dict[tuple[str, str], Observation] = {}
        self._broken: dict[str, LearnerError] = {}  # exercise id -> failure that breaks every scenario
        self._changed = threading.Condition()  # guards the cache, the runs in progress and the queue
        self._running: set[tuple[str, str]] = set()
        self._ahead: deque[tuple[Exercise, Scenario]] = deque()
        self._worker: threading.Thread | None = None
        self._background: dict[tuple[str, str], tuple[Future[Any], threading.Thread]] = {}

    def observe(self, exercise: Exercise, scenario: Scenario) -> Observation:
        """The observation of ``scenario`` on this submission's ``exercise``."""
        key = (exercise.id, scenario.key)
        with self._changed:
            while key in self._running:  # being observed ahead right now: wait for it
                self._changed.wait()
            if key in self._cache:
                return self._cache[key]
            self._running.add(key)
        return self._observe_claimed(key, exercise, scenario)

    def _observe_claimed(self, key: tuple[str, str], exercise: Exercise, scenario: Scenario) -> Observation:
        observation = None
        try:
            observation = self._run(exercise, scenario)
        finally:
            with self._changed:
                if observation is not None:
                    self._cache[key] = observation
                self._running.discard(key)
                self._changed.notify_all()
        return observation

    def observe_ahead(self, runs: list[tuple[Exercise, Scenario]]) -> None:
        """Observe ``runs`` in the background, in this order, until ``stop``; a check that asks for one
        gets it from the cache, waits for the run in progress, or runs it itself if it is not reached yet."""
        with self._changed:
            self._ahead.extend(runs)
            if self._worker is None and self._ahead:
                self._worker = threading.Thread(target=self._work_ahead, name="o11y-observe-ahead", daemon=True)
                self._worker.start()

    def _work_ahead(self) -> None:
        while True:
            with self._changed:
                while self._ahead:
                    exercise, scenario = self._ahead.popleft()
                    key = (exercise.id, scenario.key)
                    if key not in self._cache and key not in self._running:
                        self._running.add(key)
                        break
                else:
                    self._worker = None
                    return
            try:
                self._observe_claimed(key, exercise, scenario)
            except Exception:  # noqa: BLE001 - left unobserved: the check that needs it runs it and sees why
                pass

    def start_background(self, key: tuple[str, str], work: Callable[[], Any]) -> None:
        """Start ``work`` now on a thread of its own (once per ``key``); ``in_background`` collects it."""
        with self._changed:
            if key in self._background:
                return
            future: Future[Any] = Future()
            thread = threading.Thread(target=_settle, args=(future, work), name=f"o11y-background-{key[1][:40]}", daemon=True)
            self._background[key] = (future, thread)
        thread.start()

    def in_background(self, key: tuple[str, str], work: Callable[[], T]) -> T:
        """The result of the work started in the background under ``key``, waiting for it if need be;
        ``work()`` run here when none was started or it raised (so the caller sees the error itself)."""
        with self._changed:
            started = self._background.get(key)
        if started is not None and started[0].exception() is None:
            return started[0].result()  # type: ignore[no-any-return]
        return work()

    def stop(self) -> None:
        """Drop the runs not started yet and wait for the ones in progress (call when grading ends)."""
        with self._changed:
            self._ahead.clear()
            threads = [thread for _, thread in self._background.values()] + ([self._worker] if self._worker else [])
        for thread in threads:
            thread.join()

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


def _settle(future: Future[Any], work: Callable[[], Any]) -> None:
    try:
        future.set_result(work())
    except BaseException as exc:  # noqa: BLE001 - kept for in_background, which runs the work again
        future.set_exception(exc)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
