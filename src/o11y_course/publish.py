"""Writing a folder for others: the output folder rules of ``o11y release`` and ``o11y bundle``.

Which check files are withheld from learners is decided by name: anything under ``checks/`` with
``hidden`` in its path (``test_hidden.py``, ``hidden_rules.yml``, a ``hidden/`` folder) goes to the
instructor's bundle, everything else to the learner template.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from o11y_course.course import Course
from o11y_course.errors import UsageError

CACHE_NAMES = frozenset({"__pycache__", ".o11y", ".pytest_cache", ".ruff_cache", ".mypy_cache"})
KEPT_IN_OUT = frozenset({".git"})  # an output folder's git repository survives --force


def is_withheld(relative: Path) -> bool:
    """True for a file under ``checks/`` that only instructors may have (its path says ``hidden``)."""
    return any("hidden" in part.lower() for part in relative.parts)


def is_cache(relative: Path) -> bool:
    """True for caches and local state that never belong in a published folder."""
    return any(part in CACHE_NAMES for part in relative.parts) or relative.suffix in (".pyc", ".pyo")


def files_under(folder: Path) -> Iterator[Path]:
    """Every file below ``folder`` (sorted, caches left out), as paths relative to it."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not is_cache(relative):
            yield relative


def check_files(course: Course, withheld: bool) -> list[Path]:
    """The course's check files (relative to ``checks/``) that are withheld, or that are shipped."""
    return [rel for rel in files_under(course.checks_dir) if is_withheld(rel) == withheld]


def prepare_out(out: Path, course: Course, force: bool, what: str) -> Path:
    """Make ``out`` an empty folder (``.git`` kept); refuse a non-empty one without ``force``."""
    out = out.resolve()
    root = course.root.resolve()
    if out == root or out in root.parents:
        raise UsageError(f"{what} would overwrite the course itself: choose a folder outside {root}")
    if root in out.parents:  # its .git, .github or sources would be replaced, and the copy would ship beside them
        raise UsageError(f"{what} cannot be written inside the course ({root}): choose a folder outside it")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder")
    present = [p for p in out.iterdir() if p.name not in KEPT_IN_OUT] if out.is_dir() else []
    if present and not force:
        raise UsageError(f"{out} is not empty: add --force to replace its contents (a .git folder in it is kept)")
    for path in present:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    out.mkdir(parents=True, exist_ok=True)
    return out


def copy_file(source: Path, target: Path) -> None:
    """Copy one file, creating its folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def copy_tree(source: Path, target: Path) -> int:
    """Copy ``source`` into ``target`` without caches; returns the number of files copied."""
    count = 0
    for relative in files_under(source):
        copy_file(source / relative, target / relative)
        count += 1
    return count
