"""Submissions that end the process: os._exit() and sys.exit(), at import and in a view."""

from __future__ import annotations

from tests.integrity.conftest import ALLOWS_ERRORS, HONEST, assert_verdict

# The checks whose scenarios never send GET / (item ids, unmatched paths, a failing view): 2 + 2 + 1 points.
NO_INDEX_REQUEST = {"test_item_ids_share_one_label": "pass", "test_unmatched_requests_counted": "pass", "test_failing_view_counted_as_500": "pass"}


def test_os_exit_at_import(make_submission, grade_submission):
    """os._exit(0) at import scores 0: every check errors (the crash-tolerant one fails), saying the code ended the process."""
    report = grade_submission(make_submission("import os\n\nos._exit(0)\n"))
    assert_verdict(report, score=0, status="error", fragment="ended the process (exit code 0) while importing app.py")


def test_sys_exit_at_import(make_submission, grade_submission):
    """sys.exit(0) at import scores 0, whichever exercise it is in: every check errors, naming sys.exit()."""
    report = grade_submission(make_submission("import sys\n\nsys.exit(0)\n", hostile=HONEST))
    assert_verdict(report, score=0, status="error", fragment="called sys.exit() while importing app.py", hostile=HONEST)


def test_os_exit_in_a_view(make_submission, grade_submission, reference_source):
    """os._exit(3) in the / view loses only the checks that request /; they error, saying the process ended while handling GET /."""
    hostile = reference_source.replace('return "Hello World!"', "import os\n\n        os._exit(3)")
    assert hostile != reference_source
    report = grade_submission(make_submission(hostile))
    assert_verdict(
        report,
        score=5,
        status="error",
        statuses={**NO_INDEX_REQUEST, ALLOWS_ERRORS: "fail"},
        fragment="ended the process (exit code 3) while handling GET /",
    )
