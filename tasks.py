#!/usr/bin/env python3
"""Project tasks that need nothing but Python 3.10+: each one creates .venv on first use.

    python3 tasks.py grade     # set up, then grade the reference solutions (prints the score table)
    python3 tasks.py test      # set up, then run the whole test suite
    python3 tasks.py verify    # set up, then prove reference = full marks, stubs = zero, mutants fail
    python3 tasks.py bench     # set up, then run the benchmarks
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".o11y-installed"


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def setup() -> None:
    """Create .venv and install the project with its dev extra, again whenever pyproject.toml changes."""
    if sys.version_info < (3, 10):
        sys.exit(f"o11y-course needs Python 3.10 or newer; this is {sys.version.split()[0]}")
    if STAMP.is_file() and STAMP.read_text() == _fingerprint() and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing o11y-course and its dependencies into .venv ...", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]"], check=True)
    # An editable install caches bytecode at first import, unless PYTHONDONTWRITEBYTECODE is set:
    # write it now, so that no grading process compiles the grader or the checks from source.
    subprocess.run([str(PYTHON), "-m", "compileall", "-q", "src", "checks"], cwd=ROOT, check=True)
    STAMP.write_text(_fingerprint())


def run(*args: str) -> int:
    return subprocess.run([str(PYTHON), *args], cwd=ROOT).returncode


TASKS = {
    "grade": lambda extra: run("-m", "o11y_course", "grade", "reference", *extra),
    "test": lambda extra: run("-m", "pytest", *extra),
    "verify": lambda extra: run("-m", "o11y_course", "verify", *extra),
    "bench": lambda extra: run("benchmarks/grading_speed.py", *extra),
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in TASKS:
        print(__doc__.strip())
        return 2
    setup()
    return TASKS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
