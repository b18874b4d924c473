"""The real-Prometheus check of beginner/02: skip or error when missing, and nothing left running."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from o11y_course.exercises import discover, resolve
from o11y_course.grading import grade
from o11y_course.submission import open_submission

CHECK = "test_real_prometheus_reads_the_counter"
needs_prometheus = pytest.mark.skipif(shutil.which("prometheus") is None and not os.environ.get("O11Y_REQUIRE_REAL"),
                                      reason="prometheus is not installed")


def prometheus_pids() -> list[int]:
    """Prometheus servers started by the grader (their config lives in an o11y-prometheus-* folder)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"o11y-prometheus-" in cmdline and b"--config.file" in cmdline:
                pids.append(int(entry.name))
    return pids


def real_check(course, sandbox, **options):
    exercise = resolve(discover(course.exercises_dir), "02")
    report = grade(course, open_submission(course.reference_dir), [exercise], sandbox=sandbox, only=frozenset({CHECK}), **options)
    (check,) = report.exercises[0].checks
    return check


class TestMissingPrometheus:
    @pytest.fixture(autouse=True)
    def no_prometheus_on_path(self, monkeypatch, tmp_path):
        """PATH without prometheus, and no O11Y_REQUIRE_REAL."""
        monkeypatch.setenv("PATH", str(tmp_path))
        monkeypatch.delenv("O11Y_REQUIRE_REAL", raising=False)

    def test_self_check_skips_with_an_install_hint(self, course, repo_sandbox):
        """A learner's self-check without Prometheus is skipped and says how to install it."""
        check = real_check(course, repo_sandbox, self_check=True)
        assert check.status == "skip"
        assert "prometheus is not installed" in check.message and "sudo apt-get install prometheus" in check.message

    def test_grading_reports_a_misconfigured_grader(self, course, repo_sandbox):
        """Grading without Prometheus is an error that names the missing package."""
        check = real_check(course, repo_sandbox)
        assert (check.status, check.message) == ("error", "grader misconfigured: install prometheus (prometheus was not found on PATH)")

    def test_require_real_turns_the_skip_into_an_error(self, course, repo_sandbox, monkeypatch):
        """With O11Y_REQUIRE_REAL=1 (as in CI) a self-check without Prometheus is an error too."""
        monkeypatch.setenv("O11Y_REQUIRE_REAL", "1")
        assert real_check(course, repo_sandbox, self_check=True).status == "error"

    def test_no_real_skips_without_looking(self, course, repo_sandbox):
        """o11y check --no-real skips the check and says why."""
        check = real_check(course, repo_sandbox, self_check=True, skip_real=True)
        assert check.status == "skip" and "--no-real" in check.message


@needs_prometheus
class TestNothingLeftRunning:
    def test_after_a_grading_command(self, run_o11y):
        """After `o11y grade` that ran the real check, no Prometheus server it started is left."""
        before = set(prometheus_pids())
        result = run_o11y("grade", "reference", "-e", "02", "--format", "json")
        assert '"status": "pass"' in result.stdout and CHECK in result.stdout
        assert set(prometheus_pids()) - before == set()

    def test_after_the_grader_is_killed(self, course):
        """When the grading process is killed mid-run, its Prometheus dies with it."""
        before = set(prometheus_pids())
        process = subprocess.Popen([sys.executable, "-m", "o11y_course", "grade", "reference", "-e", "02"], cwd=course.root,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not set(prometheus_pids()) - before and time.monotonic() < deadline:
            time.sleep(0.05)
        started = set(prometheus_pids()) - before
        assert started, "the grading run never started Prometheus"
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert _gone_soon(started)


def _gone_soon(pids: set[int] | None = None, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = set(prometheus_pids()) if pids is None else set(prometheus_pids()) & pids
        if not left:
            return True
        time.sleep(0.05)
    return False


@needs_prometheus
def test_a_run_never_reads_the_previous_runs_samples(course, repo_sandbox):
    """Right after the reference was scraped on the shared port, the stub (no /metrics) still fails:
    the query window starts when this run started serving, not a whole second earlier."""
    exercise = resolve(discover(course.exercises_dir), "02")
    for folder, status in ((course.reference_dir, "pass"), (course.root, "fail"), (course.reference_dir, "pass"), (course.root, "fail")):
        report = grade(course, open_submission(folder), [exercise], sandbox=repo_sandbox, only=frozenset({CHECK}))
        (check,) = report.exercises[0].checks
        assert check.status == status, (folder, check.message)
