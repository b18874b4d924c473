"""Submissions that never finish: an endless loop at import and in a view cost one timeout per run, not a hung grader."""

from __future__ import annotations

from tests.integrity.conftest import ALLOWS_ERRORS, TIMEOUT_SECONDS, assert_verdict

# The checks whose scenarios never send GET / (item ids, unmatched paths, a failing view): 2 + 2 + 1 points.
NO_INDEX_REQUEST = {"test_item_ids_share_one_label": "pass", "test_unmatched_requests_counted": "pass", "test_failing_view_counted_as_500": "pass"}


def test_endless_loop_at_import(make_submission, grade_submission):
    """An endless loop at import scores 0 after a single timeout: every check errors, saying import did not finish in time."""
    report = grade_submission(make_submission("while True:\n    pass\n"), max_seconds=TIMEOUT_SECONDS + 8)
    assert_verdict(report, score=0, status="error", fragment=f"did not finish within {float(TIMEOUT_SECONDS)} s while importing app.py")


def test_endless_loop_in_a_view(make_submission, grade_submission, reference_source):
    """An endless loop in the / view keeps the 5 points of checks that never request / and errors the rest with the timeout."""
    hostile = reference_source.replace('return "Hello World!"', "while True:\n            pass")
    assert hostile != reference_source
    # Three scenarios request / (three GET / then a scrape; one request, three scrapes; two apps): three timeouts.
    report = grade_submission(make_submission(hostile), max_seconds=3 * TIMEOUT_SECONDS + 10)
    assert_verdict(
        report,
        score=5,
        status="error",
        statuses={**NO_INDEX_REQUEST, ALLOWS_ERRORS: "fail"},
        fragment=f"did not finish within {float(TIMEOUT_SECONDS)} s while handling GET /",
    )
