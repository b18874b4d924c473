"""The run's folder: a private copy of the learner's exercise folder, made before any learner code runs.

The copy follows symlinks, so every symlink is resolved and refused when it leads into a protected
folder: a link must not smuggle hidden checks or solutions in. The grader itself may name a
protected folder (to grade the reference or a mutant); then only what lies inside that very folder
is allowed from it. Only regular files and folders are copied: a pipe or a device (a link to
``/dev/zero``, say) would never end, so it is refused, as is a folder far larger than an exercise.
"""

from __future__ import annotations

import os

from o11y_course.sandbox.guards import lexically_inside, protection_check
from o11y_course.sandbox.learner_errors import COPY_PHASE, LearnerCrash

SKIPPED_NAMES = frozenset({"__pycache__", ".git"})
SKIPPED_SUFFIXES = (".pyc",)
MAX_BYTES = 64 * 1024 * 1024  # an exercise folder holds a few small files
MAX_ENTRIES = 2000
MAX_DEPTH = 20


def _crash(kind: str, message: str) -> LearnerCrash:
    return LearnerCrash(COPY_PHASE, {"type": kind, "message": message, "traceback": []})


def _link_crash(what: str) -> LearnerCrash:
    return _crash("SandboxViolation", f"{what} into the grader's checks or solutions, which is not allowed")


class _Copier:
    """Copies one folder tree, counting what it copies and collecting links into protected folders."""

    def __init__(self, root: str, protected: list[str] | tuple[str, ...]):
        self.root = root
        self.is_protected = protection_check(protected)
        self.own = protection_check([root])
        self.leaks: list[str] = []
        self.bytes = 0
        self.entries = 0

    def copy(self, source: str, target: str, *, linked: bool = False, depth: int = 0) -> None:
        """Copy folder ``source`` to ``target``; ``linked`` when a symlink led here (then any entry
        may resolve elsewhere, and each is checked; otherwise only the symlinks can)."""
        if depth > MAX_DEPTH:
            raise _crash("UnusableFolder", f"its folders nest deeper than {MAX_DEPTH} levels (a link to a folder above it?)")
        os.mkdir(target)
        with os.scandir(source) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            if entry.name in SKIPPED_NAMES or entry.name.endswith(SKIPPED_SUFFIXES):
                continue
            shown = os.path.relpath(entry.path, self.root)
            is_link = entry.is_symlink()
            if (linked or is_link) and self.is_protected(entry.path) and not self.own(entry.path):
                self.leaks.append(shown)
                continue
            self.entries += 1
            if self.entries > MAX_ENTRIES:
                raise _crash("UnusableFolder", f"it holds more than {MAX_ENTRIES} files and folders; keep only the exercise's own files in it")
            if entry.is_dir():  # follows a link to a folder, as the learner's code would
                self.copy(entry.path, os.path.join(target, entry.name), linked=linked or is_link, depth=depth + 1)
            elif entry.is_file():
                self._copy_file(entry.path, os.path.join(target, entry.name), shown)
            else:
                raise _crash("UnusableFolder", f"{shown} is not a regular file or folder (a pipe, a device or a broken link): remove it")

    def _copy_file(self, source: str, target: str, shown: str) -> None:
        with open(source, "rb") as handle:
            data = handle.read(MAX_BYTES - self.bytes + 1)
        self.bytes += len(data)
        if self.bytes > MAX_BYTES:
            raise _crash("UnusableFolder", f"it holds more than {MAX_BYTES // (1024 * 1024)} MB (at {shown}); keep only the exercise's own files in it")
        with open(target, "xb") as handle:
            handle.write(data)


def prepare_workdir(
    exercise_dir: str, base: str, protected: list[str] | tuple[str, ...] = (), provided: dict[str, str] | None = None
) -> str:
    """Copy the learner's exercise folder into ``base`` (a fresh temporary folder) and move there.

    ``provided`` (file name -> the course's copy, chosen by the grader) adds the files the course
    gives beside the stub that the submission lacks.
    """
    if protection_check(protected)(exercise_dir) and not lexically_inside(exercise_dir, protected):
        raise _link_crash("the exercise folder is a link")
    work = os.path.join(base, "exercise")
    copier = _Copier(exercise_dir, protected)
    copier.copy(exercise_dir, work)
    if copier.leaks:
        leaks = sorted(copier.leaks)
        raise _link_crash(f"{', '.join(leaks)} {'is a link' if len(leaks) == 1 else 'are links'}")
    for name, source in (provided or {}).items():
        target = os.path.join(work, os.path.basename(name))
        if not os.path.lexists(target):
            with open(source, "rb") as original, open(target, "xb") as copy:
                copy.write(original.read())
    os.chdir(work)
    return work
