"""Fixtures for the integrity tests: a two-exercise course, hostile submissions and one shared sandbox.

Every test grades a submission in which one exercise holds hostile code and the other the reference
solution, then checks the verdict, the time it took and that no process was left behind.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from o11y_course.course import Course
from o11y_course.exercises import discover
from o11y_course.grading import grade
from o11y_course.observe import TIMEOUT_ENV
from o11y_course.report.model import ExerciseResult, GradeReport
from o11y_course.sandbox.client import Sandbox
from o11y_course.submission import open_submission

REPO = Path(__file__).resolve().parents[2]
SOURCE = "beginner/02-metrics-endpoint"  # the exercise of this repository that the course is built from
HOSTILE = "beginner/02-metrics-endpoint"  # where a submission gets the hostile app.py by default
HONEST = "beginner/05-metrics-copy"  # the copy; a submission's other exercise holds the reference solution
FULL_MARKS = 18  # beginner/02 without its real-Prometheus check, which these cases leave out
TIMEOUT_SECONDS = 3  # $O11Y_TIMEOUT while these tests run: every hang costs this much
GRADE_BUDGET_SECONDS = 25.0  # one grading run, hangs included
MODULE_BUDGET_SECONDS = 30.0  # one test module (case group)
ZYGOTE_MODULE = "o11y_course.sandbox.zygote"


def shared_prometheus_pids() -> set[int]:
    """Process ids of the Prometheus servers the grader itself keeps for real checks."""
    from o11y_course.real.scraping import running_pids

    return running_pids()
# The one check that observes with allow_error=True: a crash in that scenario makes it fail, not error.
ALLOWS_ERRORS = "test_apps_do_not_share_state"


def other(exercise_id: str) -> str:
    """The exercise of the course that is not ``exercise_id``."""
    return HONEST if exercise_id == HOSTILE else HOSTILE


def cmdline(pid: int) -> list[str]:
    """The command line of process ``pid`` (empty when it is gone or a zombie)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def parent_and_state(pid: int) -> tuple[int, str] | None:
    """(parent pid, state letter) of process ``pid``, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return int(fields[1]), fields[0]


def is_running(pid: int) -> bool:
    """True when process ``pid`` exists and is not a zombie waiting to be reaped."""
    found = parent_and_state(pid)
    return found is not None and found[1] != "Z"


def all_pids() -> list[int]:
    """Every process id currently in /proc."""
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def descendants(root: int) -> set[int]:
    """Every process below ``root`` in the process tree (zombies included)."""
    children: dict[int, list[int]] = {}
    for pid in all_pids():
        found = parent_and_state(pid)
        if found is not None:
            children.setdefault(found[0], []).append(pid)
    seen: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def processes_running(*argv: str) -> list[int]:
    """Pids of running processes whose command line is exactly ``argv``."""
    return [pid for pid in all_pids() if cmdline(pid) == list(argv) and is_running(pid)]


OTHER_ZYGOTES: set[int] = set()  # zygotes of sandboxes started outside these tests (other test modules)


def pool_of_zygote(pid: int) -> str:
    """The pool a zygote serves, from its ``--pool NAME`` argument."""
    argv = cmdline(pid)
    return argv[argv.index("--pool") + 1] if "--pool" in argv[:-1] else "main"


def _zygotes() -> set[int]:
    return {pid for pid in descendants(os.getpid()) if ZYGOTE_MODULE in cmdline(pid)}


def assert_no_leftovers() -> None:
    """Below this test process only the sandbox's idle zygote may remain: no child, no grandchild.

    The grader's own shared Prometheus server (real checks reuse it within a process) is not a leftover.
    """
    left = descendants(os.getpid())
    zygotes = {pid for pid in left if ZYGOTE_MODULE in cmdline(pid)}
    grader_own = shared_prometheus_pids()
    strays = {pid: cmdline(pid) or parent_and_state(pid) for pid in left - zygotes - grader_own}
    zygotes -= OTHER_ZYGOTES
    assert not strays, f"processes left behind by grading: {strays}"
    pools = [pool_of_zygote(pid) for pid in zygotes]
    assert len(pools) == len(set(pools)), f"two sandbox zygotes of one pool are running: {zygotes}"


def assert_verdict(
    report: GradeReport,
    *,
    score: float,
    status: str,
    fragment: str | None,
    statuses: dict[str, str] | None = None,
    hostile: str = HOSTILE,
) -> ExerciseResult:
    """Check the hostile exercise's score, each check's status and message, and full marks for the other.

    Every check has ``status`` unless ``statuses`` names another for it (by default the check that
    tolerates crashes fails instead of erroring); every check that does not pass must explain itself
    with ``fragment`` (None: the caller compares the messages itself). Returns the hostile exercise's result.
    """
    honest = report.exercise(other(hostile))
    assert honest is not None
    assert (honest.score, honest.max_score) == (FULL_MARKS, FULL_MARKS), [(c.name, c.status, c.message) for c in honest.checks]
    assert all(c.status == "pass" for c in honest.checks)
    result = report.exercise(hostile)
    assert result is not None
    wanted = {c.name: status for c in honest.checks}
    if status == "error":
        wanted[ALLOWS_ERRORS] = "fail"
    wanted.update(statuses or {})
    got = {c.name: c.status for c in result.checks}
    assert got == wanted
    for check in result.checks:
        if check.status != "pass" and fragment is not None:
            assert fragment in check.message, f"{check.name}: {check.message!r} does not say {fragment!r}"
    assert result.max_score == FULL_MARKS
    assert result.score == score, [(c.name, c.status, c.message) for c in result.checks]
    return result


def verdict_rows(result: ExerciseResult) -> list[tuple[str, str, float, str, str]]:
    """(name, status, points, message, hint) of each check, to compare a result with a baseline's."""
    return [(c.name, c.status, c.points, c.message, c.hint) for c in result.checks]


@pytest.fixture(scope="package", autouse=True)
def short_timeout() -> Iterator[None]:
    """Every scenario may run for TIMEOUT_SECONDS only, so that hangs stay cheap."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TIMEOUT_ENV, str(TIMEOUT_SECONDS))
        yield


@pytest.fixture(scope="module", autouse=True)
def module_budget() -> Iterator[None]:
    """A case group (one test module) finishes within MODULE_BUDGET_SECONDS."""
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    assert elapsed < MODULE_BUDGET_SECONDS, f"this case group took {elapsed:.1f} s"


@pytest.fixture(scope="package")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CI-like workspace folder: the course is checked out inside it, at ``.course/``."""
    return tmp_path_factory.mktemp("workspace")


@pytest.fixture(scope="package")
def integrity_course(workspace: Path) -> Course:
    """A temporary course with two copies of beginner/02-metrics-endpoint: HOSTILE and HONEST."""
    root = workspace / ".course"
    for exercise_id in (HOSTILE, HONEST):
        for part in ("exercises", "checks", "reference"):
            shutil.copytree(REPO / part / SOURCE, root / part / exercise_id, ignore=shutil.ignore_patterns("__pycache__"))
        toml = root / "exercises" / exercise_id / "exercise.toml"
        toml.write_text(re.sub(r"(?m)^id\s*=.*\n", "", toml.read_text()))
    course = Course(root)
    assert [e.id for e in discover(course.exercises_dir)] == [HOSTILE, HONEST]
    return course


@pytest.fixture(scope="package")
def reference_source() -> str:
    """The reference solution's app.py: full marks."""
    return (REPO / "reference" / SOURCE / "app.py").read_text()


@pytest.fixture(scope="package")
def stub_source() -> str:
    """The exercise template's app.py: it imports and serves, but scores nothing."""
    return (REPO / "exercises" / SOURCE / "app.py").read_text()


@pytest.fixture(scope="package")
def sandbox(integrity_course: Course) -> Iterator[Sandbox]:
    """One started sandbox for all integrity tests; it hides the course's checks and reference."""
    OTHER_ZYGOTES.update(_zygotes())  # other tests' session-wide sandboxes are not this one's business
    box = Sandbox(protected_dirs=[str(integrity_course.checks_dir), str(integrity_course.reference_dir)])
    box.start()
    try:
        yield box
    finally:
        box.close()
    zygotes = _zygotes() - OTHER_ZYGOTES
    assert not zygotes, f"the sandbox's zygote outlived close(): {zygotes}"


@pytest.fixture
def marker_dir(tmp_path: Path) -> Path:
    """A world-writable folder where hostile code leaves pid files and markers for the test to inspect."""
    folder = tmp_path / "markers"
    folder.mkdir()
    folder.chmod(0o1777)
    return folder


@pytest.fixture
def make_submission(tmp_path: Path, reference_source: str) -> Callable[..., Path]:
    """A factory: a ``<tier>/<NN-slug>/`` submission with a hostile app.py in one exercise, the reference in the other."""
    counter = iter(range(1000))

    def _make(
        app_source: str,
        *,
        hostile: str = HOSTILE,
        exercise_files: dict[str, str] | None = None,
        root_files: dict[str, str] | None = None,
        root: Path | None = None,
    ) -> Path:
        root = root or tmp_path / f"submission-{next(counter)}"
        folder = root / hostile
        folder.mkdir(parents=True)
        (folder / "app.py").write_text(app_source)
        for name, text in (exercise_files or {}).items():
            (folder / name).write_text(text)
        for name, text in (root_files or {}).items():
            (root / name).write_text(text)
        (root / other(hostile)).mkdir(parents=True)
        (root / other(hostile) / "app.py").write_text(reference_source)
        return root

    return _make


@pytest.fixture
def grade_submission(integrity_course: Course, sandbox: Sandbox) -> Callable[..., GradeReport]:
    """A helper: grade a submission folder on the integrity course, within a time bound and leaving no process behind."""

    def _grade(path: Path, *, max_seconds: float = GRADE_BUDGET_SECONDS) -> GradeReport:
        started = time.monotonic()
        report = grade(integrity_course, open_submission(path), discover(integrity_course.exercises_dir), sandbox=sandbox, exclude_real=True)
        elapsed = time.monotonic() - started
        assert elapsed < max_seconds, f"grading took {elapsed:.1f} s (limit {max_seconds} s)"
        assert_no_leftovers()
        return report

    return _grade


@pytest.fixture(scope="package")
def stub_verdict(tmp_path_factory: pytest.TempPathFactory, integrity_course: Course, sandbox: Sandbox, stub_source: str) -> ExerciseResult:
    """How the plain exercise template scores on HOSTILE (0 points, every check failing): a baseline."""
    root = tmp_path_factory.mktemp("stub-submission")
    shutil.copytree(REPO / "exercises" / SOURCE, root / HOSTILE)
    shutil.copytree(REPO / "exercises" / SOURCE, root / HONEST)
    report = grade(integrity_course, open_submission(root), discover(integrity_course.exercises_dir), sandbox=sandbox, exclude_real=True)
    result = report.exercise(HOSTILE)
    assert result is not None and result.score == 0 and result.max_score == FULL_MARKS
    assert {c.status for c in result.checks} == {"fail"}
    return result
