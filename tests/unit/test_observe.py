"""Observations are cached per exercise and run (not per scenario name), and a broken import is not retried."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from o11y_course.exercises import Exercise
from o11y_course.observe import Observer
from o11y_course.scenario import flask_scenario, get
from o11y_course.submission import Submission

EXERCISE = Exercise("beginner/02-metrics-endpoint", "T", "beginner", 2, ("app.py",), 20)
OTHER = Exercise("beginner/03-log-levels", "T", "beginner", 3, ("app.py",), 10)


class CountingSandbox:
    """Stands in for the sandbox: records runs and answers with a canned outcome."""

    def __init__(self, outcome: dict):
        self.outcome = outcome
        self.runs: list[tuple[str, dict]] = []
        self.provided: list[dict[str, str] | None] = []
        self.asked_ahead: list[tuple[str, dict]] = []

    def run(self, exercise_dir, driver, params, limits, provided=None):
        self.runs.append((exercise_dir, params))
        self.provided.append(provided)
        return self.outcome

    def prepare_ahead(self, driver, params):
        self.asked_ahead.append((driver, params))
        return True


@pytest.fixture
def submission(tmp_path: Path) -> Submission:
    """A submission with app.py in both exercises."""
    for exercise in (EXERCISE, OTHER):
        (tmp_path / exercise.id).mkdir(parents=True)
        (tmp_path / exercise.id / "app.py").write_text("")
    return Submission(tmp_path, tmp_path)


def test_same_scenario_runs_once(submission):
    """Asking twice for one scenario runs it once; another scenario or exercise runs again."""
    sandbox = CountingSandbox({"result": {"responses": []}})
    observer = Observer(sandbox, submission)
    first, second = flask_scenario("a", [get("/")]), flask_scenario("b", [get("/x")])
    assert observer.observe(EXERCISE, first) is observer.observe(EXERCISE, first)
    observer.observe(EXERCISE, second)
    observer.observe(OTHER, first)
    assert len(sandbox.runs) == 3


def test_same_run_under_another_name_runs_once(submission):
    """Two checks that describe the same run with different names share it; another time limit does not."""
    sandbox = CountingSandbox({"result": {"responses": []}})
    observer = Observer(sandbox, submission)
    observer.observe(EXERCISE, flask_scenario("public name", [get("/")]))
    observer.observe(EXERCISE, flask_scenario("hidden name", [get("/")]))
    assert len(sandbox.runs) == 1
    observer.observe(EXERCISE, flask_scenario("slow", [get("/")], timeout=30))
    assert len(sandbox.runs) == 2


def test_prepare_ahead_only_for_runs_not_made_yet(submission):
    """A scenario is handed to the sandbox to prepare ahead until it has run; then it is not asked again."""
    sandbox = CountingSandbox({"result": {"responses": []}})
    observer = Observer(sandbox, submission)
    scenario = flask_scenario("a", [get("/")])
    observer.prepare_ahead(EXERCISE, scenario)
    assert sandbox.asked_ahead == [(scenario.driver, scenario.params)] and sandbox.runs == []
    observer.observe(EXERCISE, scenario)
    observer.prepare_ahead(EXERCISE, scenario)
    assert len(sandbox.asked_ahead) == 1


def test_provided_files_the_submission_lacks_come_from_the_course(submission, tmp_path):
    """A file the course provides is handed to the run from the course only when the submission has none."""
    course = tmp_path / "course-exercises"
    (course / EXERCISE.id).mkdir(parents=True)
    (course / EXERCISE.id / "types.py").write_text("provided")
    exercise = Exercise(EXERCISE.id, "T", "beginner", 2, ("app.py",), 20, provided=("types.py",))
    sandbox = CountingSandbox({"result": {"responses": []}})
    Observer(sandbox, submission, course).observe(exercise, flask_scenario("a", [get("/")]))
    assert sandbox.provided == [{"types.py": str(course / EXERCISE.id / "types.py")}]
    (tmp_path / EXERCISE.id / "types.py").write_text("the learner's own")
    Observer(sandbox, submission, course).observe(exercise, flask_scenario("a", [get("/")]))
    assert sandbox.provided[-1] == {}


def test_import_failure_is_not_retried(submission):
    """When importing the learner module failed, other scenarios of that exercise reuse the failure."""
    sandbox = CountingSandbox({"error": {"kind": "timeout", "phase": "import app.py", "limits": {"timeout": 3}}})
    observer = Observer(sandbox, submission)
    one = observer.observe(EXERCISE, flask_scenario("a", [get("/")]))
    two = observer.observe(EXERCISE, flask_scenario("b", [get("/x")]))
    assert len(sandbox.runs) == 1
    assert one.error == two.error and "did not finish within 3 s while importing app.py" in two.error.describe()


def test_request_failure_is_per_scenario(submission):
    """A crash while handling one request does not condemn the other scenarios."""
    sandbox = CountingSandbox({"error": {"kind": "exception", "phase": "request GET /", "type": "KeyError", "message": "'x'"}})
    observer = Observer(sandbox, submission)
    observer.observe(EXERCISE, flask_scenario("a", [get("/")]))
    observer.observe(EXERCISE, flask_scenario("b", [get("/x")]))
    assert len(sandbox.runs) == 2


def test_missing_file_is_explained_without_running(submission, tmp_path):
    """A submission without the exercise's file gets a message naming it, and nothing runs."""
    (tmp_path / EXERCISE.id / "app.py").unlink()
    sandbox = CountingSandbox({})
    observation = Observer(sandbox, submission).observe(EXERCISE, flask_scenario("a", [get("/")]))
    assert not sandbox.runs
    assert observation.error.describe() == (
        "The submission lacks beginner/02-metrics-endpoint/app.py: restore the file from the template."
    )


class GatedSandbox(CountingSandbox):
    """A sandbox whose runs of the scenario named by ``hold`` wait until the test opens the gate."""

    def __init__(self, outcome: dict, hold: str | None = None, explode: str | None = None):
        super().__init__(outcome)
        self.hold, self.explode = hold, explode
        self.started, self.gate = threading.Event(), threading.Event()

    def run(self, exercise_dir, driver, params, limits, provided=None):
        path = params["steps"][0]["path"]
        if path == self.explode:
            self.runs.append((exercise_dir, params))
            raise OSError("the sandbox broke")
        if path == self.hold:
            self.started.set()
            assert self.gate.wait(10), "the test never opened the gate"
        return super().run(exercise_dir, driver, params, limits, provided)


def paths_run(sandbox: CountingSandbox) -> list[str]:
    return [params["steps"][0]["path"] for _, params in sandbox.runs]


def wait_for_runs(sandbox: CountingSandbox, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(sandbox.runs) < count:
        assert time.monotonic() < deadline, f"only {len(sandbox.runs)} of {count} runs started"
        time.sleep(0.01)


def test_observing_ahead_runs_in_order_and_serves_the_checks(submission):
    """Scenarios observed ahead run in the background, in order; a check then gets them without another run."""
    sandbox = CountingSandbox({"result": {"responses": []}})
    observer = Observer(sandbox, submission)
    a, b = flask_scenario("a", [get("/a")]), flask_scenario("b", [get("/b")])
    observer.observe_ahead([(EXERCISE, a), (EXERCISE, b), (EXERCISE, a)])
    wait_for_runs(sandbox, 2)
    assert observer.observe(EXERCISE, b) is observer.observe(EXERCISE, b)
    observer.observe(EXERCISE, a)
    observer.stop()
    assert paths_run(sandbox) == ["/a", "/b"]


def test_a_check_waits_for_the_run_in_progress_instead_of_running_it_again(submission):
    sandbox = GatedSandbox({"result": {"responses": []}}, hold="/slow")
    observer = Observer(sandbox, submission)
    slow = flask_scenario("slow", [get("/slow")])
    observer.observe_ahead([(EXERCISE, slow)])
    assert sandbox.started.wait(10)
    threading.Timer(0.2, sandbox.gate.set).start()
    observation = observer.observe(EXERCISE, slow)  # blocks until the background run ends
    observer.stop()
    assert observation.error is None and paths_run(sandbox) == ["/slow"]


def test_stop_drops_the_runs_not_started_and_waits_for_the_one_in_progress(submission):
    """When grading ends, queued scenarios are not run, and nothing runs after stop() returns."""
    sandbox = GatedSandbox({"result": {"responses": []}}, hold="/first")
    observer = Observer(sandbox, submission)
    runs = [(EXERCISE, flask_scenario(p, [get(p)])) for p in ("/first", "/second", "/third")]
    observer.observe_ahead(runs)
    assert sandbox.started.wait(10)
    threading.Timer(0.2, sandbox.gate.set).start()
    observer.stop()
    assert paths_run(sandbox) == ["/first"]
    time.sleep(0.1)
    assert paths_run(sandbox) == ["/first"]


def test_a_failure_ahead_is_left_to_the_check_that_needs_the_run(submission):
    """A run that raises in the background is not cached: the check runs it again and sees the error."""
    sandbox = GatedSandbox({"result": {"responses": []}}, explode="/broken")
    observer = Observer(sandbox, submission)
    broken = flask_scenario("broken", [get("/broken")])
    observer.observe_ahead([(EXERCISE, broken)])
    wait_for_runs(sandbox, 1)
    observer.stop()
    assert paths_run(sandbox) == ["/broken"]
    with pytest.raises(OSError, match="the sandbox broke"):
        observer.observe(EXERCISE, broken)
    assert paths_run(sandbox) == ["/broken", "/broken"]


def test_background_work_runs_once_and_its_result_is_collected(submission):
    """Work started in the background runs on a thread of its own, once; collecting it waits for it."""
    observer = Observer(CountingSandbox({"result": {}}), submission)
    gate, threads = threading.Event(), []

    def work() -> str:
        threads.append(threading.current_thread().name)
        gate.wait(10)
        return "scraped"

    observer.start_background(("ex", "read-back"), work)
    observer.start_background(("ex", "read-back"), work)  # already started: not again
    threading.Timer(0.1, gate.set).start()
    assert observer.in_background(("ex", "read-back"), lambda: "run here") == "scraped"
    assert len(threads) == 1 and threads[0] != threading.current_thread().name
    assert observer.in_background(("ex", "never started"), lambda: "run here") == "run here"


def test_background_work_that_raised_is_run_again_by_the_caller(submission):
    """A failure in the background is not handed over: the caller runs the work itself and sees its error."""
    observer = Observer(CountingSandbox({"result": {}}), submission)
    calls = []

    def work() -> str:
        calls.append(threading.current_thread().name)
        raise ValueError(f"attempt {len(calls)}")

    observer.start_background(("ex", "read-back"), work)
    with pytest.raises(ValueError, match="attempt 2"):
        observer.in_background(("ex", "read-back"), work)
    assert calls[1] == threading.current_thread().name


def test_stop_waits_for_background_work(submission):
    """Nothing started in the background is still running once stop() returns."""
    observer = Observer(CountingSandbox({"result": {}}), submission)
    done = []
    observer.start_background(("ex", "slow"), lambda: time.sleep(0.3) or done.append(True))
    observer.stop()
    assert done == [True]
