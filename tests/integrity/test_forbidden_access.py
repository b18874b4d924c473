"""Submissions that reach for the network or the grader's hidden files: refused, explained, never leaked."""

from __future__ import annotations

import os
import shutil
import sysconfig
from pathlib import Path

import o11y_course
import o11y_course.outcomes
from tests.integrity.conftest import HONEST, HOSTILE, assert_verdict

# A non-routable address: the guard refuses the connect() before any packet could be sent.
NETWORK = 'import socket\n\nsocket.create_connection(("10.255.255.1", 80), timeout=1)\n'
HIDDEN_CHECK_TEXT = "Hidden checks for"  # the first words of test_hidden.py, which must never reach a learner
PROBE = "zz_integrity_probe.txt"  # a harmless file name, removed again should the guard ever let it through


def assert_nothing_leaked(report) -> None:
    """No message or hint quotes the hidden checks."""
    for exercise in report.exercises:
        for check in exercise.checks:
            assert HIDDEN_CHECK_TEXT not in check.message + check.hint


def test_network_connection_is_refused(make_submission, grade_submission):
    """A connection to a non-loopback address at import is refused: 0 points, every check errors naming the blocked network access."""
    report = grade_submission(make_submission(NETWORK))
    assert_verdict(report, score=0, status="error", fragment="network access to '10.255.255.1' is blocked while grading")


def test_reading_hidden_checks_is_refused(make_submission, grade_submission, integrity_course):
    """open() on the hidden checks at import is refused: 0 points, every check errors saying reading them is not allowed."""
    hidden = integrity_course.checks_dir / HOSTILE / "test_hidden.py"
    report = grade_submission(make_submission(f"SECRET = open({str(hidden)!r}).read()\nraise RuntimeError(SECRET)\n"))
    assert_verdict(report, score=0, status="error", fragment="reading the grader's checks or solutions is not allowed")
    assert_nothing_leaked(report)


def test_listing_the_reference_is_refused(make_submission, grade_submission, integrity_course, reference_source):
    """Listing the reference folder from an otherwise correct app is refused: 0 points, every check errors saying it is not allowed."""
    source = reference_source + f"\nimport os as _os\n\nprint(_os.listdir({str(integrity_course.reference_dir / HOSTILE)!r}))\n"
    report = grade_submission(make_submission(source))
    assert_verdict(report, score=0, status="error", fragment="reading the grader's checks or solutions is not allowed")


def test_symlink_to_hidden_checks_is_refused(make_submission, grade_submission, integrity_course, tmp_path):
    """A shipped symlink into the hidden checks is refused before any code runs: 0 points, every check errors naming the link, nothing leaks."""
    root = make_submission('import pathlib\n\nraise RuntimeError(pathlib.Path(__file__).with_name("notes.txt").read_text())\n')
    os.symlink(integrity_course.checks_dir / HOSTILE / "test_hidden.py", root / HOSTILE / "notes.txt")
    report = grade_submission(root)
    assert_verdict(
        report,
        score=0,
        status="error",
        fragment="Your submission tried something the grader forbids while copying your exercise folder: notes.txt is a link into the grader's checks",
    )
    assert_nothing_leaked(report)


def test_exercise_folder_linked_to_reference_is_refused(make_submission, grade_submission, integrity_course, stub_source):
    """An exercise folder that is a symlink to the reference solution scores 0, not the reference's 20: every check errors naming the link."""
    root = make_submission(stub_source)
    shutil.rmtree(root / HOSTILE)
    os.symlink(integrity_course.reference_dir / HOSTILE, root / HOSTILE)
    report = grade_submission(root)
    assert_verdict(report, score=0, status="error", fragment="the exercise folder is a link into the grader's checks or solutions, which is not allowed")


def test_hard_link_out_of_the_checks_is_refused(make_submission, grade_submission, integrity_course, marker_dir):
    """os.link() of a hidden check to a readable place is refused: 0 points, every check errors saying so, nothing leaks."""
    hidden = integrity_course.checks_dir / HOSTILE / "test_hidden.py"
    copy = marker_dir / "copy.py"
    report = grade_submission(make_submission(f"import os\n\nos.link({str(hidden)!r}, {str(copy)!r})\nraise RuntimeError(open({str(copy)!r}).read())\n"))
    assert_verdict(report, score=0, status="error", fragment="changing, moving or linking the grader's checks or solutions (os.link) is not allowed")
    assert_nothing_leaked(report)
    assert not copy.exists()


def test_moving_the_reference_out_is_refused(make_submission, grade_submission, integrity_course, marker_dir):
    """os.rename() of the reference solution to a readable place is refused: 0 points, the course stays intact."""
    solution = integrity_course.reference_dir / HOSTILE / "app.py"
    moved = marker_dir / "solution.py"
    report = grade_submission(make_submission(f"import os\n\nos.rename({str(solution)!r}, {str(moved)!r})\n", hostile=HONEST))
    assert_verdict(report, score=0, status="error", fragment="changing, moving or linking the grader's checks or solutions (os.rename) is not allowed", hostile=HONEST)
    assert solution.is_file() and not moved.exists()


def test_open_relative_to_a_directory_descriptor_is_refused(make_submission, grade_submission, integrity_course):
    """os.open(relative path, dir_fd=...) through /proc/self/root into the hidden checks is refused: 0 points, nothing leaks."""
    hidden = integrity_course.checks_dir / HOSTILE / "test_hidden.py"
    source = (
        "import os\n\n"
        'root = os.open("/proc/self", os.O_RDONLY)\n'
        f'fd = os.open("root" + {str(hidden)!r}, os.O_RDONLY, dir_fd=root)\n'
        "raise RuntimeError(os.read(fd, 200).decode())\n"
    )
    report = grade_submission(make_submission(source))
    assert_verdict(report, score=0, status="error", fragment="reading the grader's checks or solutions is not allowed")
    assert_nothing_leaked(report)


def test_writing_into_the_grader_is_refused(make_submission, grade_submission, integrity_course):
    """Writing a file into the grader's package, site-packages or the course is refused: 0 points, and no later run can be poisoned."""
    targets = [Path(o11y_course.__file__).parent / PROBE, Path(sysconfig.get_paths()["purelib"]) / PROBE, integrity_course.root / "exercises" / PROBE]
    source = "".join(f'open({str(target)!r}, "w").close()\n' for target in targets)
    try:
        report = grade_submission(make_submission(source))
        assert_verdict(report, score=0, status="error", fragment=f"writing into the grader's code, the course or the Python installation ({targets[0]}) is not allowed")
        assert [target for target in targets if target.exists()] == []
    finally:
        for target in targets:
            target.unlink(missing_ok=True)


def test_changing_the_grader_is_refused(make_submission, grade_submission):
    """Renaming a file of the grader's package is refused: 0 points, every check errors saying so, the file stays in place."""
    victim = Path(o11y_course.outcomes.__file__)
    source = f"import os\n\nos.rename({str(victim)!r}, {str(victim) + '.moved'!r})\n"
    try:
        report = grade_submission(make_submission(source))
        assert_verdict(report, score=0, status="error", fragment="changing the grader's code, the course or the Python installation (os.rename) is not allowed")
        assert victim.is_file()
    finally:
        if Path(str(victim) + ".moved").exists():
            Path(str(victim) + ".moved").rename(victim)


def test_the_batch_shared_folder_is_out_of_reach(make_submission, integrity_course, tmp_path, monkeypatch):
    """A batch worker shares the drills' evidence with the other workers through a folder of the batch:
    it is protected like the hidden checks, so no submission can plant evidence there for the next."""
    from o11y_course.batch.worker import course_spec, init_worker
    from o11y_course.drills.shared import SHARE_ENV
    from o11y_course.submission import open_submission

    shared = tmp_path / "batch" / "shared"
    shared.mkdir(parents=True)
    monkeypatch.setenv(SHARE_ENV, "")  # restored after the test: the worker sets it for its zygotes
    planting = f"import os\n\nwith open(os.path.join(os.environ[{SHARE_ENV!r}], '101.evidence'), 'wb') as f:\n    f.write(b'planted')\n"
    state = init_worker(course_spec(integrity_course), [HOSTILE, HONEST], {"skip_real": True}, shared=str(shared))
    try:
        report = state.judge.grade(open_submission(make_submission(planting)))
    finally:
        state.close()
    hostile = report.exercise(HOSTILE)
    judged = [c for c in hostile.checks if c.status != "skip"]  # the real check is off here
    assert hostile.score == 0 and judged
    assert all(c.status in ("error", "fail") and "reading the grader's checks or solutions is not allowed" in c.message for c in judged), judged[0].message
    assert list(shared.iterdir()) == []
