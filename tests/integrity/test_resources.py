"""Submissions that exhaust a resource: memory without bound (at import and in a view), a flood of
output, a file that keeps growing, and a folder whose copy would never end."""

from __future__ import annotations

import os

from tests.integrity.conftest import ALLOWS_ERRORS, HOSTILE, assert_verdict

# The checks whose scenarios never send GET / (item ids, unmatched paths, a failing view): 2 + 2 + 1 points.
NO_INDEX_REQUEST = {"test_item_ids_share_one_label": "pass", "test_unmatched_requests_counted": "pass", "test_failing_view_counted_as_500": "pass"}
HOARD = "hoard = []\nwhile True:\n    hoard.append(bytearray(10**7))\n"


def test_unbounded_memory_at_import(make_submission, grade_submission):
    """Allocating without bound at import scores 0: every check errors, saying the code ran out of memory and what the limit is."""
    report = grade_submission(make_submission(HOARD))
    assert_verdict(report, score=0, status="error", fragment="ran out of memory while importing app.py (limit 1024 MB)")


def test_unbounded_memory_in_a_view(make_submission, grade_submission, reference_source):
    """Allocating without bound in the / view errors the checks that request / with "ran out of memory", not as an ordinary 500; 5 points remain."""
    hostile = reference_source.replace('return "Hello World!"', "hoard = []\n        while True:\n            hoard.append(bytearray(10**7))")
    assert hostile != reference_source
    report = grade_submission(make_submission(hostile))
    result = assert_verdict(
        report,
        score=5,
        status="error",
        statuses={**NO_INDEX_REQUEST, ALLOWS_ERRORS: "fail"},
        fragment="ran out of memory while handling GET / (limit 1024 MB)",
    )
    assert "hoard.append(bytearray(10**7))" in result.check("test_counts_each_request").message  # the learner's own line


def test_stdout_flood_at_import(make_submission, grade_submission):
    """Printing 50 MB at import is cut off at the output cap and scores 0: every check errors, saying the code printed too much."""
    report = grade_submission(make_submission("import sys\n\nfor _ in range(50):\n    sys.stdout.write('x' * 1024 * 1024)\n"))
    assert_verdict(report, score=0, status="error", fragment="printed more than 2048 KiB while importing app.py")


def test_a_file_that_keeps_growing_at_import(make_submission, grade_submission):
    """Writing a 200 MB file at import (a loop that would fill the disk, in small) stops at the 64 MB
    cap per file: 0 points, every check errors saying a file grew past the limit."""
    grow = "chunk = b'x' * (1 << 20)\nwith open('app.log', 'wb') as log:\n    for _ in range(200):\n        log.write(chunk)\n"
    report = grade_submission(make_submission(grow))
    assert_verdict(report, score=0, status="error", fragment="wrote a file larger than the grader allows while importing app.py (limit 64 MB per file)")


def test_a_link_to_a_device_in_the_folder(make_submission, grade_submission, reference_source):
    """A correct app beside a link to /dev/zero scores 0, quickly: copying the folder would never end,
    so every check errors naming the link and saying to remove it."""
    root = make_submission(reference_source)
    os.symlink("/dev/zero", root / HOSTILE / "data.bin")
    report = grade_submission(root)
    assert_verdict(
        report,
        score=0,
        status="error",
        fragment="The grader could not copy your exercise folder: data.bin is not a regular file or folder (a pipe, a device or a broken link): remove it",
    )
