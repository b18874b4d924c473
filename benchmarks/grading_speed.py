#!/usr/bin/env python3
"""How long grading takes, against the time Python needs to import the telemetry stack once.

Targets (COURSE §11): `o11y grade reference` within 5x the import time; `o11y check 02` within 2.5x.
Each figure is the median of several runs of a fresh process, so start-up costs are included.

Checks that run a real Prometheus cost a fixed ~5 s (Prometheus applies scrape targets only 5 s after
it starts), so each command is timed with them (as graded) and with `--no-real` (the quick checks);
the targets are judged on the `--no-real` runs and the full runs are reported beside them. The
grader's and the checks' bytecode is cached first, as installed (see ``bytecode.py``).

    python benchmarks/grading_speed.py [--runs 7]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bytecode import compile_grader

ROOT = Path(__file__).resolve().parents[1]
IMPORT_STACK = "import flask, prometheus_client, structlog, opentelemetry.sdk.trace"
TARGETS = {"o11y grade reference --no-real": 5.0, "o11y check 02 --no-real": 2.5}


def timed(args: list[str], expect_codes: tuple[int, ...]) -> float:
    """Wall-clock seconds of one run of ``args`` in a fresh process."""
    start = time.perf_counter()
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in expect_codes:
        sys.exit(f"{' '.join(args)} exited {result.returncode}:\n{result.stderr[-2000:]}")
    return elapsed


def median_of(runs: int, args: list[str], expect_codes: tuple[int, ...] = (0,)) -> float:
    timed(args, expect_codes)  # warm the file cache first
    return statistics.median(timed(args, expect_codes) for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    runs = parser.parse_args().runs
    compile_grader(ROOT)
    py = sys.executable
    baseline = median_of(runs, [py, "-c", IMPORT_STACK])
    commands = {
        "o11y grade reference": ["grade", "reference"],
        "o11y grade reference --no-real": ["grade", "reference", "--no-real"],
        "o11y check 02": ["check", "02"],
        "o11y check 02 --no-real": ["check", "02", "--no-real"],
    }
    measured = {name: median_of(runs, [py, "-m", "o11y_course", *args], expect_codes=(0, 1)) for name, args in commands.items()}
    print(f"machine: {platform.machine()}, {platform.system()}, Python {platform.python_version()}, median of {runs} runs")
    print(f"{'import the stack once':<32} {baseline:6.3f} s   1.00x")
    ok = True
    for name, seconds in measured.items():
        ratio = seconds / baseline
        verdict = ""
        if name in TARGETS:
            within = ratio <= TARGETS[name]
            ok &= within
            verdict = f"  (target <= {TARGETS[name]}x: {'met' if within else 'MISSED'})"
        print(f"{name:<32} {seconds:6.3f} s   {ratio:5.2f}x{verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
