"""The pytest plugin that turns checks into scored results.

Checks declare ``@pytest.mark.points(n)`` and optionally ``@pytest.mark.hidden``; their docstring is
their title. They ask for observations through the ``observe`` fixture and never import learner code.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import pytest

from o11y_course.exercises import Exercise
from o11y_course.feedback import SubmissionError
from o11y_course.observation import Observation
from o11y_course.outcomes import check_title, classify
from o11y_course.real.scraping import ReadBack
from o11y_course.report.model import CheckResult
from o11y_course.scenario import Scenario
from o11y_course.state import GradingState

PLUGIN_NAME = "o11y-grading"
T = TypeVar("T")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("o11y", "o11y-course grading")
    group.addoption("--submission", default=None, help="the submission to grade (learner repo or <tier>/<NN-slug>/ tree)")
    group.addoption("--public-only", action="store_true", default=False, help="run only public checks")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): how many points a passing check earns")
    config.addinivalue_line("markers", "hidden: a grading-only check, not shipped to learners")
    config.addinivalue_line("markers", "real: the check starts a real component (runs last, after the quick checks)")
    if config.pluginmanager.has_plugin(PLUGIN_NAME) or config.getoption("--submission") is None:
        return
    # Standalone use: ``pytest -p o11y_course.plugin checks/... --submission PATH``.
    from o11y_course.grading import standalone_state

    state, close = standalone_state(Path(config.getoption("--submission")), config.getoption("--public-only"))
    config.add_cleanup(close)
    config.pluginmanager.register(GradingPlugin(state), PLUGIN_NAME)


def declared(module: ModuleType | None, kind: type[T]) -> list[T]:
    """The values of type ``kind`` a check module declares at module level (scenarios, read-backs)."""
    return [value for value in list(vars(module).values()) if isinstance(value, kind)] if module is not None else []


def _run_order(item: pytest.Item) -> tuple[bool, bool]:
    """Quick checks first, then those with a real component; last, those whose module reads back from
    Prometheus (its read-back started in the background at collection and goes on meanwhile)."""
    real = item.get_closest_marker("real") is not None
    return (real, real and bool(declared(getattr(item, "module", None), ReadBack)))


class ExerciseRuns:
    """What the ``observe`` fixture gives a check: ``observe(scenario)`` runs a scenario on the
    submission's exercise (raising SubmissionError on a learner error unless ``allow_error``), and
    ``observe.in_background(key, work)`` collects work grading started ahead for this exercise."""

    def __init__(self, state: GradingState, exercise: Exercise):
        self.state, self.exercise = state, exercise

    def __call__(self, scenario: Scenario, *, allow_error: bool = False) -> Observation:
        observation = self.state.observer.observe(self.exercise, scenario)
        if observation.error is not None and not allow_error:
            raise SubmissionError(observation.error.describe())
        return observation

    def key(self, name: str) -> tuple[str, str]:
        """The observer's key for this exercise's background work ``name``."""
        return (self.exercise.id, name)

    def in_background(self, name: str, work: Callable[[], T]) -> T:
        """The result of background work ``name`` started ahead (waiting for it), else ``work()`` now."""
        return self.state.observer.in_background(self.key(name), work)


class GradingPlugin:
    """Hooks and fixtures bound to one GradingState."""

    def __init__(self, state: GradingState, *, ahead_at_collection: bool = True):
        self.state = state
        self.ahead_at_collection = ahead_at_collection  # false when each submission ``begin``s later (see judge)
        self.collection_failures: list[tuple[str, CheckResult]] = []  # (exercise id, result) per check file that failed to load

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        for item in items:
            if item.get_closest_marker("points") is None:
                raise pytest.UsageError(f"check {item.nodeid} has no @pytest.mark.points(n) marker")
        only = self.state.only
        dropped = [
            i for i in items
            if (self.state.public_only and i.get_closest_marker("hidden") is not None)
            or (only is not None and i.name not in only)
            or (self.state.exclude_real and i.get_closest_marker("real") is not None)
        ]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [i for i in items if i not in dropped]
        items.sort(key=_run_order)
        if self.ahead_at_collection:
            self._start_ahead(items)

    def _start_ahead(self, items: list[pytest.Item]) -> None:
        """Start on the scenarios the checks' modules declare, in the order the checks come: drivers
        with a zygote of their own prepare in the background (the drills), and, unless only some
        checks run, every such scenario is observed ahead while the judge evaluates checks."""
        runs = []
        modules = {id(m): m for m in (getattr(i, "module", None) for i in items) if m is not None}
        for module in modules.values():
            exercise = self.state.exercise_for(Path(module.__file__))
            runs += [(exercise, scenario) for scenario in declared(module, Scenario)]
        for exercise, scenario in runs:
            self.state.observer.prepare_ahead(exercise, scenario)
        if self.state.only is None:
            self.state.observer.observe_ahead(runs)
            self._read_back_ahead(items, modules.values())

    def _read_back_ahead(self, items: list[pytest.Item], modules: Iterable[ModuleType]) -> None:
        """Start the Prometheus read-backs of modules whose real checks run, each on a thread of its
        own, when real checks are on and Prometheus is installed (else the check says why)."""
        binary = shutil.which("prometheus")
        if binary is None or self.state.skip_real or self.state.exclude_real:
            return
        with_real = {id(i.module) for i in items if getattr(i, "module", None) is not None and i.get_closest_marker("real") is not None}
        for module in modules:
            if id(module) not in with_real:
                continue
            runs = ExerciseRuns(self.state, self.state.exercise_for(Path(module.__file__)))
            for read_back in declared(module, ReadBack):
                self.state.observer.start_background(runs.key(read_back.key), lambda r=read_back, o=runs: r.run(o, binary))

    @pytest.fixture
    def observe(self, request: pytest.FixtureRequest) -> ExerciseRuns:
        """A function that runs a scenario on the submission's exercise and returns its observation."""
        return ExerciseRuns(self.state, self.state.exercise_for(request.path))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed and report.fspath.endswith(".py"):
            exercise = self.state.exercise_for(self.state.course.checks_dir / report.fspath)
            result = CheckResult(
                id=f"{exercise.id}::{Path(report.fspath).name}",
                title=f"checks in {Path(report.fspath).name} could not be loaded",
                points=0,
                visibility="public",
                status="error",
                message=str(report.longrepr)[-600:],
            )
            self.collection_failures.append((exercise.id, result))
            self.state.record(exercise.id, result)

    def begin(self, state: GradingState, items: list[pytest.Item]) -> None:
        """Grade the next submission in this session: its ``state`` (same course and options) gets
        the check files that could not be loaded, and its runs start ahead."""
        self.state = state
        for exercise_id, result in self.collection_failures:
            state.record(exercise_id, result)
        self._start_ahead(items)

    @pytest.fixture
    def tool(self) -> Callable[[str, str], str]:
        """A function ``tool(name, package)`` giving a real component's path (or skip/error when missing)."""
        from o11y_course.real.tools import require_tool

        def _tool(name: str, package: str) -> str:
            if self.state.skip_real:
                pytest.skip(f"skipped: checks with a real {name} are off (--no-real)")
            return require_tool(name, package, self_check=self.state.self_check)

        return _tool

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
        report = yield
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self._record(item, call, report)
        return report

    def _record(self, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
        exercise = self.state.exercise_for(item.path)
        status, message, hint = classify(call.excinfo, report.skipped)
        points = item.get_closest_marker("points")
        self.state.record(
            exercise.id,
            CheckResult(
                id=f"{exercise.id}::{item.name}",
                title=check_title(item),
                points=points.args[0] if points and points.args else 0,
                visibility="hidden" if item.get_closest_marker("hidden") else "public",
                status=status,
                message=message,
                hint=hint,
            ),
        )
