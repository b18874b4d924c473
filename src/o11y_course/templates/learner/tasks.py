#!/usr/bin/env python3
"""Run the course's commands with nothing but Python 3.10+: the first run creates .venv and installs the course.

    python3 tasks.py list         # the exercises, in order
    python3 tasks.py check 02     # the public checks of one exercise (or of all, without a number)
    python3 tasks.py hint 02      # the next hint of an exercise
    python3 tasks.py o11y ARGS    # any other o11y command, e.g. `python3 tasks.py o11y --help`
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
SHORTCUTS = ("list", "check", "hint")


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def setup() -> None:
    """Create .venv and install the course into it, again whenever pyproject.toml changes."""
    if sys.version_info < (3, 10):  # noqa: UP036 - it must tell users of an old Python what is wrong
        sys.exit(f"the course needs Python 3.10 or newer; this is {sys.version.split()[0]}")
    if STAMP.is_file() and STAMP.read_text() == _fingerprint() and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing the course and its dependencies into .venv ...", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", str(ROOT)], check=True)
    STAMP.write_text(_fingerprint())


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in (*SHORTCUTS, "o11y"):
        print(__doc__.strip())
        return 2
    setup()
    args = argv[1:] if argv[0] == "o11y" else argv
    return subprocess.run([str(PYTHON), "-m", "o11y_course", *args], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
