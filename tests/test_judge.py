"""The batch workers' judge: one pytest session grades submission after submission, and each report
is the one ``grade`` gives for that submission alone."""

from __future__ import annotations

import re
import shutil

import pytest

from o11y_course.errors import GraderError
from o11y_course.exercises import discover
from o11y_course.grading import grade
from o11y_course.judge import Judge
from o11y_course.submission import open_submission
from tests.conftest import TINY_EXERCISE

EXERCISE = TINY_EXERCISE
_PORT = re.compile(r"127\.0\.0\.1:\d+")


def plain(report) -> dict:
    """A report as data, loopback ports (a fresh one per run) left out."""
    data = report.to_dict()
    for exercise in data["exercises"]:
        for check in exercise["checks"]:
            check["message"] = _PORT.sub("127.0.0.1:PORT", check["message"])
    return data


@pytest.fixture
def broken_copy(course, tmp_path):
    """The reference with beginner/03's app failing at import, beginner/02's file missing."""
    root = tmp_path / "broken"
    shutil.copytree(course.reference_dir, root)
    (root / "beginner" / "03-log-levels" / "app.py").write_text("raise RuntimeError('broken at import')\n")
    (root / EXERCISE / "app.py").unlink()
    return root


def test_each_report_is_the_one_grade_gives(course, repo_sandbox, broken_copy):
    """Reference, stubs, a broken copy, then the reference again: one session, and every report is
    what grading that submission alone gives (so nothing of one submission leaks into the next)."""
    exercises = discover(course.exercises_dir)
    paths = [course.reference_dir, course.root / "exercises", broken_copy, course.reference_dir]
    alone = [plain(grade(course, open_submission(p), exercises, sandbox=repo_sandbox, skip_real=True)) for p in paths]
    with Judge(course, exercises, sandbox=repo_sandbox, skip_real=True) as judge:
        together = [plain(judge.grade(open_submission(p))) for p in paths]
    assert together == alone
    totals = [sum(c["points"] for e in r["exercises"] for c in e["checks"] if c["status"] == "pass") for r in together]
    assert totals[0] == totals[3] > totals[2] > totals[1] == 0


GOOD_CHECK = """
import pytest
from o11y_course.scenario import flask_scenario, get
S = flask_scenario('s', [get('/')])

@pytest.mark.points(1)
def test_ok(observe):
    assert observe(S).responses[0].status == 200
"""


def test_a_check_file_that_cannot_load_is_reported_for_every_submission(tiny_course, repo_sandbox):
    """It is collected once, but each submission's report says so (and the other file's checks run)."""
    (tiny_course.checks_dir / EXERCISE / "test_public.py").write_text(GOOD_CHECK)
    (tiny_course.checks_dir / EXERCISE / "test_hidden.py").write_text("import no_such_module_here\n")
    with Judge(tiny_course, discover(tiny_course.exercises_dir), sandbox=repo_sandbox) as judge:
        reports = [judge.grade(open_submission(tiny_course.reference_dir)) for _ in range(2)]
    for report in reports:
        checks = {c.id.rsplit("::", 1)[-1]: c for c in report.exercises[0].checks}
        assert checks["test_ok"].status == "pass"
        assert checks["test_hidden.py"].status == "error" and "no_such_module_here" in checks["test_hidden.py"].message


def test_checks_that_cannot_run_at_all_are_a_grader_error_each_time(tiny_course, repo_sandbox):
    """A check without points stops pytest at collection: every grade says why, none hangs."""
    (tiny_course.checks_dir / EXERCISE / "test_public.py").write_text("def test_x():\n    pass\n")
    with Judge(tiny_course, discover(tiny_course.exercises_dir), sandbox=repo_sandbox) as judge:
        for _ in range(2):
            with pytest.raises(GraderError, match=r"could not run \(pytest exit code 4\).*has no @pytest.mark.points"):
                judge.grade(open_submission(tiny_course.reference_dir))


def test_the_process_output_is_its_own_while_the_session_waits(tiny_course, repo_sandbox, capsys):
    """pytest's own output is kept out of sight while it starts; between submissions, what the
    process prints goes where it always went."""
    (tiny_course.checks_dir / EXERCISE / "test_public.py").write_text(GOOD_CHECK)
    with Judge(tiny_course, discover(tiny_course.exercises_dir), sandbox=repo_sandbox) as judge:
        judge.grade(open_submission(tiny_course.reference_dir))
        print("between two submissions")
        judge.grade(open_submission(tiny_course.reference_dir))
    assert "between two submissions" in capsys.readouterr().out
