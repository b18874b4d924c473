"""The learner's command line as a learner uses it: check, list, hint, watch and run."""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from o11y_course.real.ports import free_port
from tests.conftest import REPO

EXERCISE = "beginner/02-metrics-endpoint"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A learner checkout with beginner/02 only (stub as shipped)."""
    for part in ("exercises", "checks"):
        shutil.copytree(REPO / part / EXERCISE, tmp_path / part / EXERCISE)
    return tmp_path


def learner_env(**extra: str) -> dict[str, str]:
    """The environment of a learner without Prometheus on PATH (so real checks are skipped fast)."""
    env = {k: v for k, v in os.environ.items() if k not in ("O11Y_REQUIRE_REAL", "NO_COLOR", "O11Y_COURSE_ROOT")}
    env["PATH"] = str(Path(sys.executable).parent)
    env.update(extra)
    return env


def o11y(checkout: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "o11y_course", *args], cwd=checkout, env=learner_env(**env),
                          capture_output=True, text=True, timeout=120)


def solve(checkout: Path) -> None:
    shutil.copy(REPO / "reference" / EXERCISE / "app.py", checkout / "exercises" / EXERCISE / "app.py")


class TestCheckAndList:
    def test_failing_check_explains_and_points_to_the_next_step(self, checkout):
        """A failing self-check shows each check with its message and hint, the next step, and exits 1."""
        result = o11y(checkout, "check", "02")
        assert result.returncode == 1
        assert "✘ GET /metrics answers 200" in result.stdout
        assert "GET /metrics answered 501, expected 200" in result.stdout and "Try: serve prometheus_client.generate_latest" in result.stdout
        assert "– A real Prometheus server scrapes the app" in result.stdout and "sudo apt-get install prometheus" in result.stdout
        assert "Next: fix the first failing check of beginner/02" in result.stdout
        assert "\x1b[" not in result.stdout, "piped output must be plain text"

    def test_passing_check_and_list_remember_progress(self, checkout):
        """After a passing check, list shows the points earned and the progress bar moves."""
        assert "not checked yet" in o11y(checkout, "list").stdout
        solve(checkout)
        result = o11y(checkout, "check", "beginner/02")
        assert result.returncode == 0 and "5/6 checks pass · 8/10 points" in result.stdout
        listing = o11y(checkout, "list").stdout
        assert "🔍 beginner/02" in listing and "✔ 8/10 public pts" in listing
        assert "Progress [####################] 1/1 exercises pass" in listing

    def test_colour_only_on_a_terminal(self, checkout):
        """On a terminal the output is coloured; NO_COLOR turns colour off there too."""
        assert "\x1b[" in run_in_terminal(checkout, "check", "02")
        assert "\x1b[3" not in run_in_terminal(checkout, "check", "02", NO_COLOR="1")


def run_in_terminal(checkout: Path, *args: str, **env: str) -> str:
    """Run o11y under a pseudo-terminal and return everything it printed."""
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "o11y_course", *args], cwd=checkout, env=learner_env(TERM="xterm-256color", **env),
                               stdin=child, stdout=child, stderr=child, close_fds=True)
    os.close(child)
    chunks = []
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(main, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=60)
    os.close(main)
    return b"".join(chunks).decode("utf-8", "replace")


def test_watch_rechecks_after_an_edit(checkout):
    """watch checks, waits, re-checks when the learner saves a fix, and reports the pass."""
    process = subprocess.Popen([sys.executable, "-m", "o11y_course", "watch", "02", "--cycles", "2"], cwd=checkout,
                               env=learner_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    seen = []
    deadline = time.monotonic() + 60
    for line in process.stdout:
        seen.append(line)
        if "Watching for changes" in line or time.monotonic() > deadline:
            break
    assert any("✘ GET /metrics answers 200" in line for line in seen), "".join(seen)
    time.sleep(0.5)
    solve(checkout)
    rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0, rest
    assert "✔ GET /metrics answers 200" in rest
    assert "Every exercise you are watching passes its public checks" in rest


def test_run_serves_the_app(checkout):
    """run serves the learner's app on localhost until interrupted."""
    solve(checkout)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "o11y_course", "run", "02", "--port", str(port)], cwd=checkout,
                               env=learner_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        body = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    assert response.read() == b"Hello World!"
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert 'app_requests_total{endpoint="/",method="GET",status="200"} 1.0' in body
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0 and f"app: http://127.0.0.1:{port}/" in output


def test_run_explains_an_exercise_without_an_app(checkout):
    """run on an exercise that has no app says so in one line."""
    shutil.copytree(REPO / "exercises" / "beginner/01-identify-the-pillar", checkout / "exercises" / "beginner/01-identify-the-pillar")
    result = o11y(checkout, "run", "01")
    assert result.returncode == 2 and "has no app to run" in result.stderr


@pytest.mark.skipif(shutil.which("prometheus") is None, reason="prometheus is not installed")
def test_run_with_prometheus_says_where_to_look(checkout):
    """run --prometheus starts a local Prometheus scraping the app, prints its address, and stops it on Ctrl-C."""
    solve(checkout)
    port = free_port()
    env = learner_env()
    env["PATH"] = f"{env['PATH']}:{Path(shutil.which('prometheus')).parent}"
    process = subprocess.Popen([sys.executable, "-m", "o11y_course", "run", "02", "--port", str(port), "--prometheus"], cwd=checkout,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    address = ""
    for line in process.stdout:
        if line.startswith("Prometheus: "):
            address = line.split()[1]
            break
    assert address.startswith("http://127.0.0.1:") and "app_requests_total" in address
    ready = address.split("/graph")[0] + "/-/ready"
    assert answers(ready, within=20), f"Prometheus at {ready} never answered"
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    assert process.returncode == 0
    assert not answers(ready, within=0.5), "Prometheus still answers after o11y run stopped"


def answers(url: str, within: float) -> bool:
    """True as soon as ``url`` answers 200; False when it has not within ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
