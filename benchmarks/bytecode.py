"""The benchmarks time the grader as it runs once installed: with its modules' bytecode cached.

A regular install writes the bytecode of every module, and Python caches it for an editable one at
first import, unless ``PYTHONDONTWRITEBYTECODE`` is set (as it is on some build machines). Then
every process of a run would compile the grader and the checks from source again, a cost no
installed grader pays. ``compile_grader`` writes the caches first (``compileall`` ignores the
variable); where they are present already it only compares timestamps.
"""

from __future__ import annotations

import compileall
from pathlib import Path


def compile_grader(root: Path) -> None:
    """Cache the bytecode of the grader's package (``src``) and of the course's checks."""
    for folder in ("src", "checks"):
        compileall.compile_dir(str(root / folder), quiet=1)
