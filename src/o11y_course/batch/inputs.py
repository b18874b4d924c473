"""Which folders a batch grades, and the id each one gets in the gradebook."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from o11y_course.exercises import TIERS

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Entry:
    """One submission of a batch: its gradebook id and its folder."""

    id: str
    path: Path


def looks_like_submission(path: Path) -> bool:
    """A learner repository (``exercises/``) or a ``<tier>/<NN-slug>/`` tree."""
    return path.is_dir() and ((path / "exercises").is_dir() or any((path / tier).is_dir() for tier in TIERS))


def _children(folder: Path, skip: Path | None) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and p.resolve() != skip)


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
        if path.is_dir() and not looks_like_submission(path):
            children = _children(path, skip)
            if any(looks_like_submission(c) for c in children):
                found.extend(children)
                continue
        found.append(path)
    return found


def submission_id(path: Path) -> str:
    """A file-name-safe id from the folder's name as given (a link keeps its own name; ``.`` is the
    current folder's); accented letters lose their accents, other characters become underscores."""
    name = Path(os.path.abspath(path)).name
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return _UNSAFE.sub("_", plain).strip("._") or "submission"


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
