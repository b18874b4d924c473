"""The grading plugin: markers, visibility, statuses, and isolation from submissions' pytest files."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from o11y_course.course import Course
from o11y_course.errors import GraderError
from o11y_course.exercises import discover
from o11y_course.grading import grade
from o11y_course.submission import open_submission
from tests.conftest import TINY_EXERCISE

EXERCISE = TINY_EXERCISE


def write_check(course: Course, body: str, name: str = "test_public.py") -> None:
    (course.checks_dir / EXERCISE / name).write_text(body)


def grade_reference(course: Course, sandbox, public_only: bool = False):
    report = grade(course, open_submission(course.reference_dir), discover(course.exercises_dir), sandbox=sandbox, public_only=public_only)
    return report.exercises[0].checks


HEADER = "import pytest\nfrom o11y_course.scenario import flask_scenario, get\nS = flask_scenario('s', [get('/')])\n"


def test_statuses_titles_and_points(tiny_course, repo_sandbox):
    """pass, fail, error and skip map from what the check did; the docstring is the title."""
    write_check(tiny_course, HEADER + '''
@pytest.mark.points(2)
def test_ok(observe):
    """It answers."""
    assert observe(S).responses[0].status == 200

@pytest.mark.points(1)
def test_plain_assert(observe):
    assert observe(S).responses[0].status == 404, "expected a 404"

@pytest.mark.points(1)
def test_skipped(observe):
    pytest.skip("prometheus is not installed: apt-get install prometheus")

@pytest.mark.points(1)
def test_broken_check(observe):
    {}["x"]
''')
    checks = {c.name: c for c in grade_reference(tiny_course, repo_sandbox)}
    assert (checks["test_ok"].status, checks["test_ok"].title, checks["test_ok"].points) == ("pass", "It answers.", 2)
    assert (checks["test_plain_assert"].status, checks["test_plain_assert"].message) == ("fail", "expected a 404")
    assert checks["test_skipped"].status == "skip" and "apt-get install prometheus" in checks["test_skipped"].message
    assert checks["test_broken_check"].status == "error" and "The check itself failed (KeyError" in checks["test_broken_check"].message


def test_hidden_marker_and_public_only(tiny_course, repo_sandbox):
    """Hidden checks are marked hidden, and --public-only leaves them out."""
    write_check(tiny_course, HEADER + "@pytest.mark.points(1)\ndef test_pub(observe):\n    observe(S)\n")
    write_check(tiny_course, HEADER + "@pytest.mark.points(1)\n@pytest.mark.hidden\ndef test_hid(observe):\n    observe(S)\n", "test_hidden.py")
    assert {c.name: c.visibility for c in grade_reference(tiny_course, repo_sandbox)} == {"test_pub": "public", "test_hid": "hidden"}
    assert [c.name for c in grade_reference(tiny_course, repo_sandbox, public_only=True)] == ["test_pub"]


def test_check_without_points_is_refused(tiny_course, repo_sandbox):
    """A check without a points marker is an authoring error, reported as a grader problem."""
    write_check(tiny_course, "def test_x():\n    pass\n")
    with pytest.raises(GraderError, match="has no @pytest.mark.points"):
        grade_reference(tiny_course, repo_sandbox)


def test_broken_check_file_is_reported(tiny_course, repo_sandbox):
    """A check file that cannot be imported shows up as an error result, not a crash."""
    write_check(tiny_course, "import pytest\nthis is not python\n")
    (check,) = grade_reference(tiny_course, repo_sandbox)
    assert check.status == "error" and "could not be loaded" in check.title


def test_standalone_pytest_use(course):
    """Course authors can run checks with plain pytest and the plugin."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "o11y_course.plugin", "-q", "--noconftest", "-p", "no:cacheprovider",
         str(course.checks_dir / EXERCISE), "--submission", str(course.reference_dir), "--rootdir", str(course.checks_dir),
         "--import-mode=importlib", "-c", str(Path(__file__).parent / "empty.ini")],
        cwd=course.root, capture_output=True, text=True, timeout=120,
    )
    assert "12 passed" in result.stdout or "13 passed" in result.stdout, result.stdout[-2000:]


RUN_COUNTER = HEADER + '''
import itertools
RUNS = itertools.count(1)

@pytest.mark.points(1)
def test_runs():
    n = next(RUNS)
    assert n == 1, f"run {n} of this module"
'''


def test_check_modules_are_reused_until_their_file_changes(tiny_course, course, repo_sandbox, tmp_path_factory):
    """A batch reuses the imported check modules; an edited check file, or another course, loads afresh."""
    write_check(tiny_course, RUN_COUNTER)
    assert grade_reference(tiny_course, repo_sandbox)[0].status == "pass"
    (check,) = grade_reference(tiny_course, repo_sandbox)
    assert check.status == "fail" and "run 2 of this module" in check.message  # the same module object
    write_check(tiny_course, RUN_COUNTER + "# edited\n")
    assert grade_reference(tiny_course, repo_sandbox)[0].status == "pass"  # reloaded from the new file
    other = tmp_path_factory.mktemp("other")
    shutil.copytree(tiny_course.root, other, dirs_exist_ok=True)
    assert grade_reference(Course(other), repo_sandbox)[0].status == "pass"  # same module name, other course


def test_the_drills_are_prepared_ahead_of_their_first_run(course, tmp_path):
    """Grading the incident exercise asks its drill zygote to build the drills its check modules
    declare as soon as the checks are collected, before any of them runs."""
    from o11y_course.sandbox.client import Sandbox

    events: list[tuple[str, str, object]] = []

    class Recording(Sandbox):
        def prepare_ahead(self, driver, params):
            events.append(("ahead", driver, params.get("seeds")))
            return super().prepare_ahead(driver, params)

        def run(self, exercise_dir, driver, params, limits, provided=None):
            events.append(("run", driver, params.get("seeds")))
            return super().run(exercise_dir, driver, params, limits, provided)

    exercises = [e for e in discover(course.exercises_dir) if e.id == "advanced/03-incident-drill"]
    with Recording(protected_dirs=[str(p) for p in course.protected_dirs()]) as sandbox:
        report = grade(course, open_submission(course.reference_dir), exercises, sandbox=sandbox, public_only=True)
    assert report.exercises[0].score == report.exercises[0].max_score
    assert events[0] == ("ahead", "o11y_course.drivers.drill_runner:run", [101, 133])
    assert [kind for kind, _, _ in events] == ["ahead", "run"]


READ_BACK_CHECKS = '''
import pytest
from o11y_course.real.scraping import ReadBack
from o11y_course.scenario import get

READ_BACK = ReadBack((get("/"),), "app_requests_total")

@pytest.mark.points(1)
def test_quick():
    pass

@pytest.mark.points(1)
@pytest.mark.real
def test_read_back(observe, tool):
    result = READ_BACK.read(observe, tool("prometheus", "prometheus"))
    assert result.startswith("read back on "), result
'''


@pytest.mark.parametrize(
    ("options", "ran_on"),
    [
        ({}, "o11y-background-"),  # started ahead, collected by the check
        ({"only": frozenset({"test_read_back"})}, "MainThread"),  # only some checks: the check runs it
        ({"skip_real": True}, None),  # real checks off: never run
        ({"exclude_real": True}, None),
    ],
)
def test_a_read_back_starts_ahead_only_when_its_real_check_will_run(tiny_course, repo_sandbox, monkeypatch, options, ran_on):
    """A module's ReadBack starts on a thread of its own as soon as the checks are collected, when its
    real check will run and Prometheus is installed; otherwise the check runs it (or it never runs)."""
    from o11y_course.real.scraping import ReadBack

    calls: list[str] = []

    def fake_run(self, observe, binary):
        calls.append(threading.current_thread().name)
        return f"read back on {calls[-1]}"

    monkeypatch.setattr(ReadBack, "run", fake_run)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: f"/opt/fake/{name}")
    write_check(tiny_course, READ_BACK_CHECKS)
    report = grade(tiny_course, open_submission(tiny_course.reference_dir), discover(tiny_course.exercises_dir), sandbox=repo_sandbox, **options)
    statuses = {c.id.rsplit("::", 1)[-1]: c.status for c in report.exercises[0].checks}
    if ran_on is None:
        assert calls == [] and statuses.get("test_read_back") in (None, "skip")
    else:
        assert len(calls) == 1 and calls[0].startswith(ran_on)
        assert statuses["test_read_back"] == "pass"


def test_checks_waiting_for_a_read_back_run_after_the_other_real_checks(tiny_course, repo_sandbox, monkeypatch, tmp_path):
    """Quick checks, then real ones, and last the real checks of a module that reads back from
    Prometheus: its read-back goes on in the background while the others run. (pytest collects
    test_hidden.py first, so course order alone would run the read-back before the other real check.)"""
    from o11y_course.real.scraping import ReadBack

    order = tmp_path / "order.txt"
    monkeypatch.setenv("O11Y_TEST_ORDER", str(order))
    monkeypatch.setattr(ReadBack, "run", lambda self, observe, binary: "read back on a thread")
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: f"/opt/fake/{name}")
    note = "import os, pytest\n\ndef note(name):\n    with open(os.environ['O11Y_TEST_ORDER'], 'a') as f:\n        f.write(name + '\\n')\n"
    write_check(tiny_course, note + '''
from o11y_course.real.scraping import ReadBack
READ_BACK = ReadBack((), "up")

@pytest.mark.points(1)
@pytest.mark.hidden
@pytest.mark.real
def test_read_back(observe, tool):
    note("read back")
    READ_BACK.read(observe, tool("prometheus", "prometheus"))

@pytest.mark.points(1)
@pytest.mark.hidden
def test_quick():
    note("quick")
''', "test_hidden.py")
    write_check(tiny_course, note + '''
@pytest.mark.points(1)
@pytest.mark.real
def test_other_real(tool):
    note("other real")
''')
    grade(tiny_course, open_submission(tiny_course.reference_dir), discover(tiny_course.exercises_dir), sandbox=repo_sandbox)
    assert order.read_text().split("\n")[:-1] == ["quick", "other real", "read back"]
