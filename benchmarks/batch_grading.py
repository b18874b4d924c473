#!/usr/bin/env python3
"""How fast a class is graded: N submissions (copies of the reference and of the stubs) with --jobs 2.

Every copy is made unique (a comment naming it ends each of its text files), as the submissions of
a real class are.

Target (COURSE §11): 50 submissions graded with `--jobs 2` at 1 submission per second or more.
The time is that of the whole command in a fresh process (worker start-up, the first Prometheus
start of each worker, and writing the gradebook, statistics and picture included). The median time
per submission, as the workers report it, is shown for the reference copies and for the stubs. The
grader's and the checks' bytecode is cached first, as installed (see ``bytecode.py``).

    python benchmarks/batch_grading.py [-n 50] [--jobs 2] [-e 02 ...]
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bytecode import compile_grader

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.0  # submissions per second
_LINE = re.compile(r"^\[\d+/\d+\] (?P<id>\S+): .*\((?P<seconds>[\d.]+) s\)$")


COMMENTS = {".py": "# {}\n", ".yml": "# {}\n", ".yaml": "# {}\n", ".toml": "# {}\n", ".md": "\n<!-- {} -->\n"}


def make_distinct(folder: Path, label: str) -> None:
    """End every text file the learner edits with a comment naming ``label``: no two copies are alike,
    so nothing the grader keeps for one submission's exact files can serve another."""
    for path in folder.rglob("*"):
        comment = COMMENTS.get(path.suffix)
        if comment and path.is_file():
            with path.open("a", encoding="utf-8") as handle:
                handle.write(comment.format(label))


def make_class(folder: Path, count: int) -> None:
    """``count`` submissions: reference copies (a <tier>/<NN-slug>/ tree) and stub copies (a learner repository), alternating."""
    for index in range(count):
        if index % 2 == 0:
            target = folder / f"reference-{index:03d}"
            shutil.copytree(ROOT / "reference", target)
        else:
            target = folder / f"stubs-{index:03d}"
            shutil.copytree(ROOT / "exercises", target / "exercises")
        make_distinct(target, f"submission {index:03d}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50, help="submissions in the class (default 50: 25 reference copies, 25 stubs)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    parser.add_argument("-e", "--exercise", action="append", default=[], help="grade only this exercise (repeatable)")
    args = parser.parse_args()
    compile_grader(ROOT)
    with tempfile.TemporaryDirectory(prefix="o11y-batch-bench-") as scratch:
        submissions, out = Path(scratch) / "submissions", Path(scratch) / "grades"
        make_class(submissions, args.n)
        command = [sys.executable, "-m", "o11y_course", "grade", str(submissions), "--jobs", str(args.jobs), "--out", str(out)]
        command += [flag for e in args.exercise for flag in ("-e", e)]
        start = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"{' '.join(command)} exited {result.returncode}:\n{result.stderr[-2000:]}")
        per = {"reference": [], "stubs": []}
        for line in result.stderr.splitlines():
            match = _LINE.match(line)
            if match:
                per[match.group("id").split("-", 1)[0]].append(float(match.group("seconds")))
        rows = (out / "gradebook.csv").read_text(encoding="utf-8").splitlines()[1:]
        errors = sum(1 for row in rows if ",error," in row)
    rate = args.n / elapsed
    print(f"machine: {platform.machine()}, {platform.system()}, Python {platform.python_version()}, {args.jobs} jobs")
    print(f"graded {args.n} submissions ({errors} not graded) in {elapsed:.1f} s: {rate:.2f} submissions per second")
    for kind, seconds in per.items():
        if seconds:
            print(f"  {kind}: median {statistics.median(seconds):.2f} s per submission in a worker ({len(seconds)} graded)")
    print(f"target >= {TARGET:g} per second: {'met' if rate >= TARGET else 'MISSED'}")
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
