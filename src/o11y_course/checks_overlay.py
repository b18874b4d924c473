"""Extra check folders laid over the course's own: ``o11y grade ... --checks DIR``.

An instructor keeps the hidden checks in a private bundle (``o11y bundle``) and grades with the
learner template's public checks plus the bundle. The grader builds a temporary merged tree
``checks/<tier>/<NN-slug>/...`` (the course's files, then each extra folder's files over them) and
grades with it, so every check file still belongs to an exercise by its folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from o11y_course.course import Course
from o11y_course.errors import UsageError
from o11y_course.exercises import TIERS

MANIFEST = "manifest.json"
SKIPPED_NAMES = ("__pycache__",)


@dataclass(frozen=True)
class OverlaidCourse(Course):
    """A course whose checks come from a merged temporary tree."""

    merged_checks: Path = Path()
    sources: tuple[Path, ...] = ()

    @property
    def checks_dir(self) -> Path:
        return self.merged_checks

    def protected_dirs(self) -> tuple[Path, ...]:
        """The course's secrets plus the merged tree and every extra check folder."""
        own = (self.root / "checks", self.root / "reference", self.root / "tests")
        return tuple(p for p in (*own, self.merged_checks, *self.sources) if p.is_dir())


def checks_base(folder: Path) -> Path:
    """The folder holding ``<tier>/<NN-slug>/``: ``folder/checks`` for a bundle, else ``folder`` itself."""
    if not folder.is_dir():
        raise UsageError(f"--checks {str(folder)!r} is not a folder")
    base = folder / "checks" if (folder / "checks").is_dir() else folder
    if not any((base / tier).is_dir() for tier in TIERS):
        raise UsageError(
            f"--checks {str(folder)!r} holds no checks: expected checks/<tier>/<NN-slug>/ (an `o11y bundle` folder) or <tier>/<NN-slug>/ inside it"
        )
    return base


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify_manifest(folder: Path) -> None:
    """When ``folder`` has a manifest (an ``o11y bundle``), every file it lists is there, unchanged,
    and it holds no check file the manifest does not list."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return
    try:
        files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError):
        raise UsageError(f"{manifest} is not a bundle manifest (it needs a 'files' object)") from None
    for name, digest in files.items():
        path = folder / name
        if not path.is_file():
            raise UsageError(f"the bundle {str(folder)!r} lacks {name}, which its manifest lists")
        if file_digest(path) != digest:
            raise UsageError(f"{name} in the bundle {str(folder)!r} differs from its manifest: write the bundle again with `o11y bundle`")
    for path in _check_files(checks_base(folder)):
        name = path.relative_to(folder).as_posix()
        if name not in files:  # added by hand: it would run as a check of the course
            raise UsageError(f"{name} in the bundle {str(folder)!r} is not in its manifest: remove it, or write the bundle again with `o11y bundle`")


def _check_files(base: Path) -> Iterator[Path]:
    """Files under ``base/<tier>/<NN-slug>/``, without caches."""
    for tier in TIERS:
        for path in sorted((base / tier).rglob("*")) if (base / tier).is_dir() else ():
            rel = path.relative_to(base)
            if path.is_file() and len(rel.parts) >= 3 and not any(p in SKIPPED_NAMES for p in rel.parts) and path.suffix != ".pyc":
                yield path


def merge_into(target: Path, bases: Sequence[Path]) -> None:
    """Copy the check files of each base into ``target``, later ones replacing earlier ones."""
    for base in bases:
        for path in _check_files(base):
            destination = target / path.relative_to(base)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)


@contextlib.contextmanager
def overlay_checks(course: Course, extra: Sequence[str | Path] | None) -> Iterator[Course]:
    """``course`` itself when there is nothing extra, else an OverlaidCourse over a temporary merged tree."""
    if not extra:
        yield course
        return
    folders = [Path(e).resolve() for e in extra]
    bases = [checks_base(f) for f in folders]
    for folder in folders:
        verify_manifest(folder)
    scratch = Path(tempfile.mkdtemp(prefix="o11y-checks-"))
    try:
        merged = scratch / "checks"
        merged.mkdir()
        merge_into(merged, [course.checks_dir, *bases])
        yield OverlaidCourse(course.root, merged_checks=merged, sources=tuple(folders))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
