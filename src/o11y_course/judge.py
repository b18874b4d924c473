"""A judge that grades submission after submission in one pytest session.

``grading.grade`` runs pytest once per submission: configuration, plugins and collection each time.
A batch worker grades many submissions with the same checks and options, so its judge keeps one
session open instead. The checks are configured and collected once; each submission then runs them
with a GradingState of its own, item by item, through pytest's own run protocol (fixtures are set
up and torn down as usual). Reports are the same as ``grade``'s.

The session lives on a thread of its own: ``grade`` hands it a submission and waits for the report.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Any

import pytest

from o11y_course.course import Course
from o11y_course.errors import GraderError
from o11y_course.exercises import Exercise
from o11y_course.grading import QuietOutput, check_folders, checks_could_not_run, report_of, run_checks
from o11y_course.observe import Observer
from o11y_course.plugin import GradingPlugin
from o11y_course.report.model import GradeReport
from o11y_course.sandbox.client import Sandbox
from o11y_course.state import GradingState
from o11y_course.submission import Submission

_Job = tuple[Submission, "Future[GradeReport]"]


class Judge:
    """``with Judge(course, exercises, sandbox=sb) as judge: judge.grade(submission)``, many times."""

    def __init__(
        self,
        course: Course,
        exercises: list[Exercise],
        *,
        sandbox: Sandbox,
        public_only: bool = False,
        skip_real: bool = False,
    ):
        self.course, self.exercises, self.sandbox = course, exercises, sandbox
        self.public_only, self.skip_real = public_only, skip_real
        self._folders = check_folders(course, exercises)
        self._inbox: queue.Queue[_Job | None] = queue.Queue()
        self._lock = threading.Lock()  # around _ended and putting jobs in
        self._ended: GraderError | None = None  # why the session cannot grade any more
        self._quiet = QuietOutput()  # what pytest prints while it starts or ends (its reason, should it stop early)
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Judge:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Open the session: pytest configures and collects the checks on the judge's thread."""
        if self._thread is None and self._folders:
            self._thread = threading.Thread(target=self._session, name="o11y-judge", daemon=True)
            self._thread.start()

    def grade(self, submission: Submission) -> GradeReport:
        """The report for ``submission`` (GraderError when the checks cannot run at all)."""
        if not self._folders:
            return report_of(self._state(submission))
        self.start()
        future: Future[GradeReport] = Future()
        with self._lock:
            if self._ended is not None:
                raise self._ended
            self._inbox.put((submission, future))
        return future.result()

    def close(self) -> None:
        """End the session (after the submission being graded, if any)."""
        if self._thread is not None:
            self._inbox.put(None)
            self._thread.join()
            self._thread = None

    def _state(self, submission: Submission) -> GradingState:
        observer = Observer(self.sandbox, submission, self.course.exercises_dir)
        return GradingState(self.course, self.exercises, observer, public_only=self.public_only, skip_real=self.skip_real)

    def _session(self) -> None:
        placeholder = Submission(self.course.exercises_dir, self.course.exercises_dir)  # only for collection: nothing runs on it
        plugin = GradingPlugin(self._state(placeholder), ahead_at_collection=False)
        code: Any = None
        try:
            code = run_checks(self.course, self._folders, [plugin, _EachSubmission(self, plugin)], self._quiet)
        finally:
            with self._lock:
                self._ended = checks_could_not_run(code if code is not None else pytest.ExitCode.INTERNAL_ERROR, self._quiet.text())
                while not self._inbox.empty():
                    job = self._inbox.get_nowait()
                    if job is not None:
                        job[1].set_exception(self._ended)

    def _run_all(self, session: pytest.Session, plugin: GradingPlugin, submission: Submission) -> GradeReport:
        """Run every collected check once against ``submission``."""
        state = self._state(submission)
        items = session.items
        plugin.begin(state, items)
        finished = False
        try:
            for index, item in enumerate(items):  # pytest's protocol gives a re-run item fresh fixtures
                following = items[index + 1] if index + 1 < len(items) else None
                item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
            finished = True
        finally:
            state.observer.stop()
            if not finished:  # something broke mid-way: tear down whatever is still set up
                session._setupstate.teardown_exact(None)
        return report_of(state)


class _EachSubmission:
    """pytest's run loop, replaced: the collected checks run once per submission the judge hands in."""

    def __init__(self, judge: Judge, plugin: GradingPlugin):
        self.judge, self.plugin = judge, plugin

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        self.judge._quiet.unmute()  # the process's own output is its own again while the session waits
        try:
            while (job := self.judge._inbox.get()) is not None:
                submission, future = job
                try:
                    future.set_result(self.judge._run_all(session, self.plugin, submission))
                except BaseException as exc:  # noqa: BLE001 - this submission's error; the session goes on
                    future.set_exception(exc if isinstance(exc, Exception) else GraderError(f"grading stopped: {type(exc).__name__}"))
        finally:
            self.judge._quiet.mute()
        return True
