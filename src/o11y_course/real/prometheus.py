"""A throw-away Prometheus server on loopback: scrape some targets, answer queries, leave nothing behind."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from o11y_course.errors import GraderError
from o11y_course.real.ports import free_port
from o11y_course.sandbox.limits import die_with_parent

_RUNNING: set[subprocess.Popen[bytes]] = set()


def _kill_leftovers() -> None:
    for process in list(_RUNNING):
        process.kill()
        process.wait()


atexit.register(_kill_leftovers)

CONFIG = """\
global:
  scrape_interval: {interval}
  scrape_timeout: {timeout}
scrape_configs:
  - job_name: app
    static_configs:
      - targets: [{targets}]
"""


class PrometheusServer:
    """``with PrometheusServer(binary, ["127.0.0.1:8000"]) as prom: prom.query("up")``.

    Prometheus applies new targets only every 5 s after start, so the first scrape comes about
    5 s in; scrapes then follow every ``interval``.
    """

    def __init__(self, binary: str, targets: list[str], interval: str = "100ms"):
        self.binary = binary
        self.targets = targets
        self.interval = interval
        self.port = 0
        self._dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PrometheusServer:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def start(self) -> None:
        """Start the server process without waiting for it to be ready.

        Started from the main thread, the process is killed when that thread ends (Linux
        parent-death signal), so even a grader killed outright leaves no server behind. The signal
        follows the starting *thread*, so from any other thread it is not set, and the server ends
        with ``__exit__`` or at the grader's exit instead.
        """
        self._dir = Path(tempfile.mkdtemp(prefix="o11y-prometheus-"))
        config = self._dir / "prometheus.yml"
        config.write_text(
            CONFIG.format(interval=self.interval, timeout=self.interval, targets=", ".join(json.dumps(t) for t in self.targets))
        )
        self.port = free_port()
        self._process = subprocess.Popen(
            [
                self.binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={self._dir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=error",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=(self._dir / "prometheus.log").open("wb"),
            preexec_fn=die_with_parent if hasattr(os, "fork") and threading.current_thread() is threading.main_thread() else None,
        )
        _RUNNING.add(self._process)

    def wait_ready(self, seconds: float = 15.0) -> None:
        """Wait until the server answers /-/ready."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise GraderError(f"prometheus exited at start: {self.log()[-400:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise GraderError("prometheus did not become ready within 15 s")

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def alive(self) -> bool:
        """True while the server process runs."""
        return self._process is not None and self._process.poll() is None

    def log(self) -> str:
        """What Prometheus wrote to stderr."""
        path = self._dir / "prometheus.log" if self._dir else None
        return path.read_text(errors="replace") if path and path.exists() else ""

    def api(self, endpoint: str, **params: str) -> Any:
        """GET /api/v1/<endpoint> and return its ``data``."""
        query = urllib.parse.urlencode(params)
        url = f"http://127.0.0.1:{self.port}/api/v1/{endpoint}" + (f"?{query}" if query else "")
        with urllib.request.urlopen(url, timeout=5) as response:
            payload = json.load(response)
        if payload.get("status") != "success":
            raise GraderError(f"prometheus API {endpoint} failed: {payload}")
        return payload["data"]

    def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        """Instant query results (at unix time ``at``, default now): ``[{"metric": {...}, "value": [ts, "3"]}, ...]``."""
        params = {"query": expr} if at is None else {"query": expr, "time": f"{at:.3f}"}
        return self.api("query", **params)["result"]

    def targets_health(self) -> list[dict[str, Any]]:
        """Each active target's ``health``, ``lastError`` and ``scrapeUrl``."""
        return self.api("targets")["activeTargets"]

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            _RUNNING.discard(process)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
