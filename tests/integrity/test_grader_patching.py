"""Submissions that patch pytest or the grader from app.py, or shadow its modules: none of it reaches the grader."""

from __future__ import annotations

import os

import _pytest.reports

import o11y_course.outcomes
import o11y_course.plugin
from o11y_course.exercises import discover
from o11y_course.grading import grade
from o11y_course.report.model import CheckResult
from o11y_course.sandbox.client import Sandbox
from o11y_course.submission import open_submission
from tests.integrity.conftest import FULL_MARKS, assert_no_leftovers, assert_verdict, verdict_rows

PATCHES = '''
import os as _os

import _pytest.reports

import o11y_course.outcomes
import o11y_course.plugin
import o11y_course.report.model


def _always_pass(excinfo, skipped):
    return "pass", "", ""


_pytest.reports.TestReport.passed = property(lambda self: True)
_pytest.reports.TestReport.failed = property(lambda self: False)
o11y_course.outcomes.classify = _always_pass
o11y_course.plugin.classify = _always_pass
o11y_course.report.model.CheckResult.earned = property(lambda self: self.points)
with open({marker!r}, "w") as _marker:
    _marker.write(str(_os.getpid()))
'''

# A module named like one the grader imports, placed at the submission's root.
SHADOW = '''
import os

with open({marker!r}, "a") as _handle:
    _handle.write(f"{{__name__}} imported by pid {{os.getpid()}}\\n")
raise ImportError("a submission's module shadowed one of the grader's")
'''


def test_patching_pytest_and_the_grader_changes_nothing(make_submission, grade_submission, stub_source, stub_verdict, marker_dir):
    """A stub that patches TestReport, classify() and CheckResult.earned at import still scores 0, exactly like the plain stub."""
    originals = (_pytest.reports.TestReport.passed, o11y_course.outcomes.classify, o11y_course.plugin.classify, CheckResult.earned)
    marker = marker_dir / "patched-in"
    report = grade_submission(make_submission(stub_source + PATCHES.format(marker=str(marker))))
    result = assert_verdict(report, score=0, status="fail", fragment=None)
    assert verdict_rows(result) == verdict_rows(stub_verdict)
    assert "GET /metrics answered 501" in result.check("test_metrics_endpoint_serves_exposition").message
    assert int(marker.read_text()) != os.getpid()  # the patches ran, in another process
    assert (_pytest.reports.TestReport.passed, o11y_course.outcomes.classify, o11y_course.plugin.classify, CheckResult.earned) == originals


def test_modules_shadowing_the_grader_are_never_imported(make_submission, integrity_course, reference_source, marker_dir, monkeypatch):
    """Graded from inside a submission whose root holds flask.py, prometheus_client.py and o11y_course.py, both exercises still get 20: the sandbox never imports them."""
    marker = marker_dir / "shadow-imported"
    files = {name: SHADOW.format(marker=str(marker)) for name in ("flask.py", "werkzeug.py", "prometheus_client.py", "o11y_course.py")}
    root = make_submission(reference_source, root_files=files)
    monkeypatch.chdir(root)  # `python -m` puts the working directory first on sys.path
    with Sandbox(protected_dirs=[str(integrity_course.checks_dir), str(integrity_course.reference_dir)]) as fresh:
        report = grade(integrity_course, open_submission(root), discover(integrity_course.exercises_dir), sandbox=fresh, exclude_real=True)
    assert_no_leftovers()
    assert_verdict(report, score=FULL_MARKS, status="pass", fragment=None)
    assert not marker.exists(), f"shadowing modules ran in the sandbox: {marker.read_text()}"
