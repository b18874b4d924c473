"""Which folders a batch grades, and the id each one gets in the gradebook."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from o11y_course.exercises import EXERCISE_FOLDER, TIERS

_UNSAFE_RUN = re.compile(r"_{2,}")
REPOSITORY_MARKS = ("pyproject.toml",)  # the template's: a folder with it is a learner's repository, never a class of them
GRADEBOOK = "gradebook.csv"  # a batch writes it; a folder with one is an earlier batch's output


@dataclass(frozen=True)
class Entry:
    """One submission of a batch: its gradebook id and its folder."""

    id: str
    path: Path


def looks_like_submission(path: Path) -> bool:
    """A learner repository (``exercises/``) or a ``<tier>/<NN-slug>/`` tree (a learner folder that
    happens to be named ``advanced`` holds no ``NN-slug`` folder, so its class is not taken for one)."""
    return path.is_dir() and ((path / "exercises").is_dir() or any(_has_exercise_folders(path / tier) for tier in TIERS))


def _has_exercise_folders(tier: Path) -> bool:
    try:
        return tier.is_dir() and any(EXERCISE_FOLDER.match(child.name) and child.is_dir() for child in tier.iterdir())
    except OSError:
        return False


def _may_be_class_folder(path: Path) -> bool:
    """A folder that is neither a submission nor a learner's repository (it is a class when one of
    its subfolders is a submission)."""
    return path.is_dir() and not looks_like_submission(path) and not any((path / mark).exists() for mark in REPOSITORY_MARKS)


def _children(folder: Path, skip: Path | None) -> list[Path]:
    """The subfolders that may be submissions: not hidden, not the output folder, not an earlier
    batch's output (a folder with a gradebook, or the feedback folder beside one)."""
    earlier_output = (folder / GRADEBOOK).is_file()
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and p.resolve() != skip
        and not (p / GRADEBOOK).is_file()
        and not (earlier_output and p.name == "feedback")
    )


def expand(paths: Sequence[str | Path], out: Path | None = None) -> list[Path]:
    """The submission folders named by ``paths``.

    A path that is a submission is graded as one; a folder that is not one but holds submissions
    (e.g. ``submissions/`` with one clone per learner) stands for all of its subfolders, broken
    ones included. Anything else is graded as one submission and reported with its problem.
    """
    skip = out.resolve() if out is not None else None
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if _may_be_class_folder(path):
            children = _children(path, skip)
            if any(looks_like_submission(child) for child in children):
                found.extend(children)
                continue
        found.append(path)
    return _once(found)


def _once(paths: list[Path]) -> list[Path]:
    """``paths`` without repeats: one folder named twice (``a/``, ``./a``, a link to it) is graded once."""
    seen: set[Path] = set()
    kept = []
    for path in paths:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            kept.append(path)
    return kept


def submission_id(path: Path) -> str:
    """A file-name-safe id from the folder's name as given (a link keeps its own name; ``.`` is the
    current folder's): letters and digits of any script stay, so José and 学生一 keep their names;
    other characters become underscores."""
    name = unicodedata.normalize("NFC", Path(os.path.abspath(path)).name)
    kept = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)
    return _UNSAFE_RUN.sub("_", kept).strip("._") or "submission"


def entries(paths: Sequence[Path]) -> list[Entry]:
    """Ids for ``paths``: the folder name, with ``-2``, ``-3`` ... added when two would collide."""
    taken: set[str] = set()
    result = []
    for path in paths:
        base = candidate = submission_id(path)
        number = 1
        while candidate.lower() in taken:
            number += 1
            candidate = f"{base}-{number}"
        taken.add(candidate.lower())
        result.append(Entry(candidate, path))
    return result
