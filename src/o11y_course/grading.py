"""One grading run: pytest over the course's checks, with the grader's own configuration only."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from o11y_course.course import Course, find_course
from o11y_course.errors import GraderError
from o11y_course.exercises import TIERS, Exercise, discover
from o11y_course.observe import Observer
from o11y_course.plugin import PLUGIN_NAME, GradingPlugin
from o11y_course.report.model import CheckResult, ExerciseResult, GradeReport
from o11y_course.sandbox.client import Sandbox
from o11y_course.state import GradingState
from o11y_course.submission import Submission, open_submission

CHECKS_INI = Path(__file__).with_name("checks.ini")
_SCRUBBED_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DEBUG")


@contextlib.contextmanager
def _isolated_pytest_env() -> Iterator[None]:
    """No environment variable may add plugins or options to the grader's pytest run."""
    saved = {k: os.environ.get(k) for k in (*_SCRUBBED_ENV, "PYTEST_DISABLE_PLUGIN_AUTOLOAD")}
    for key in _SCRUBBED_ENV:
        os.environ.pop(key, None)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class _ShortFailures:
    """A failed check's report holds one line, its exception: the grader reads its messages from the
    exception itself, and pytest's tracebacks (even ``--tb=line``) would cost more than the checks.
    A check module that cannot be imported still reports pytest's full message."""

    def pytest_configure(self, config: pytest.Config) -> None:
        config.option.tbstyle = "line"

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            item.repr_failure = _one_line  # type: ignore[method-assign]


def _one_line(excinfo: pytest.ExceptionInfo[BaseException], style: object = None) -> str:
    return excinfo.exconly()


def check_folders(course: Course, exercises: list[Exercise]) -> list[str]:
    """The check folders of these exercises that exist in the course."""
    return [str(course.checks_dir / e.id) for e in exercises if (course.checks_dir / e.id).is_dir()]


# pytest plugins that checks never use; each would otherwise wrap every check (capture, logging)
# or register hooks the run does not need. The warnings plugin stays: it applies ``-W ignore``.
UNUSED_PLUGINS = ("capture", "logging", "faulthandler", "debugging", "unittest", "doctest", "junitxml", "pastebin",
                  "legacypath", "setuponly", "setupplan", "subtests", "recwarn", "tmpdir", "monkeypatch")


def pytest_args(course: Course, folders: list[str]) -> list[str]:
    """Arguments for the grader's pytest run over ``folders``."""
    return [
        "-c", str(CHECKS_INI),
        "--rootdir", str(course.checks_dir),
        "--noconftest",
        "--continue-on-collection-errors",
        "--import-mode=importlib",
        "-p", "no:cacheprovider",
        "-p", "no:terminal",
        "-p", "no:stepwise",
        "-p", "no:unraisableexception",  # learner code never runs in this process: nothing to collect
        "-p", "no:threadexception",
        *[arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")],
        "--assert=plain",  # checks report through expect()/fail(), never a bare assert
        "-W", "ignore",
        *folders,
    ]


def grade(
    course: Course,
    submission: Submission,
    exercises: list[Exercise],
    *,
    sandbox: Sandbox,
    public_only: bool = False,
    self_check: bool = False,
    only: frozenset[str] | None = None,
    skip_real: bool = False,
    exclude_real: bool = False,
) -> GradeReport:
    """Run the checks of ``exercises`` against ``submission`` and return the report.

    ``self_check`` marks a learner's local run: a check whose real component (Prometheus,
    promtool) is missing is skipped with an install hint instead of counting as an error.
    """
    state = GradingState(course, exercises, Observer(sandbox, submission, course.exercises_dir), public_only, self_check, only, skip_real, exclude_real)
    folders = check_folders(course, exercises)
    output = QuietOutput()
    code: int = pytest.ExitCode.NO_TESTS_COLLECTED
    if folders:
        try:
            code = run_checks(course, folders, [GradingPlugin(state)], output)
        finally:
            state.observer.stop()
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise checks_could_not_run(code, output.text())
    return report_of(state)


def run_checks(course: Course, folders: list[str], plugins: list[object], output: QuietOutput) -> int:
    """One pytest run over ``folders`` with the grader's configuration only, its output kept in
    ``output``, and the check modules kept for the next run; pytest's exit code."""
    with _isolated_pytest_env():
        _drop_stale_check_modules(course.checks_dir)
        output.mute()
        try:
            return pytest.main(pytest_args(course, folders), plugins=[*plugins, _ShortFailures()])
        finally:
            output.unmute()
            _keep_check_modules()


class QuietOutput:
    """The process's standard output and error go to a buffer while muted (pytest may print there
    why it stopped). A long pytest session unmutes while it waits (see ``judge``)."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._saved: tuple[object, object] | None = None

    def mute(self) -> None:
        if self._saved is None:
            self._saved = (sys.stdout, sys.stderr)
            sys.stdout = sys.stderr = self._buffer

    def unmute(self) -> None:
        if self._saved is not None:
            sys.stdout, sys.stderr = self._saved  # type: ignore[assignment]
            self._saved = None

    def text(self) -> str:
        """What was printed while muted."""
        return self._buffer.getvalue()


def checks_could_not_run(code: int, output: str) -> GraderError:
    """The error for a pytest run that ended with ``code`` before judging (its ``output`` says why)."""
    return GraderError(f"the checks could not run (pytest exit code {int(code)}): {output.strip()[-800:]}")


def report_of(state: GradingState) -> GradeReport:
    """The report of a finished grading run: each exercise's results, public checks first."""
    return GradeReport(
        submission=str(state.observer.submission.root),
        exercises=[ExerciseResult(e.id, e.title, _ordered(state.results.get(e.id, []))) for e in state.exercises],
    )


_KEPT_MODULES: dict[str, tuple[object, ...]] = {}  # check module name -> where it was loaded from, after the last run


def _check_module_names() -> list[str]:
    """Imported check modules and their packages (named ``<tier>``, ``<tier>.<NN-slug>``, ``...test_x``)."""
    return [name for name in sys.modules if name.split(".", 1)[0] in TIERS]


def _origin(module: object) -> tuple[object, ...]:
    """A module's file with its inode, size and modification time (a package: its folders)."""
    file = getattr(module, "__file__", None)
    if not file:
        return ("package", tuple(getattr(module, "__path__", ())))
    try:
        info = os.stat(file)
    except OSError:
        return ("gone", file)
    return (file, info.st_ino, info.st_size, info.st_mtime_ns)


def _keep_check_modules() -> None:
    """After a run: note where each check module came from, so that the next run can reuse it."""
    _KEPT_MODULES.clear()
    _KEPT_MODULES.update({name: _origin(sys.modules[name]) for name in _check_module_names()})


def _drop_stale_check_modules(checks_dir: Path) -> None:
    """Before a run: keep the check modules of the last run only if they are this course's and no
    file changed since (a batch grades every submission with the same checks); else drop them all."""
    root = os.path.join(os.path.realpath(checks_dir), "")
    names = _check_module_names()

    def current(name: str) -> bool:
        origin = _origin(sys.modules[name])
        places = origin[1] if origin[0] == "package" else (origin[0],)
        return _KEPT_MODULES.get(name) == origin and all(isinstance(p, str) and os.path.realpath(p).startswith(root) for p in places)

    if not all(current(name) for name in names):
        for name in names:
            del sys.modules[name]
        _KEPT_MODULES.clear()


def _ordered(results: list[CheckResult]) -> list[CheckResult]:
    """Public checks first, then hidden, each in the order they ran."""
    return sorted(results, key=lambda c: c.visibility == "hidden")


def standalone_state(submission_path: Path, public_only: bool) -> tuple[GradingState, Callable[[], None]]:
    """State for ``pytest -p o11y_course.plugin ... --submission PATH`` run by a course author."""
    course = find_course()
    sandbox = Sandbox(protected_dirs=list(course.protected_dirs()))
    sandbox.start()
    submission = open_submission(submission_path)
    state = GradingState(course, discover(course.exercises_dir), Observer(sandbox, submission, course.exercises_dir), public_only, self_check=public_only)
    return state, sandbox.close


__all__ = ["GraderError", "QuietOutput", "check_folders", "checks_could_not_run", "grade", "pytest_args", "report_of", "run_checks", "standalone_state", "PLUGIN_NAME"]
