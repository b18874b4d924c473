"""Mutants: realistic wrong solutions, each a set of edits to the reference and the failure it must get.

``tests/mutants/<tier>/<NN-slug>/<name>/mutant.toml``::

    description = "uses the raw path as the endpoint label"
    [[expect]]                      # one or more checks that must fail, with a fragment of the message
    check = "test_item_ids_share_one_label"
    message = "route template"
    [[replace]]                     # exact edits of the reference; each `old` must occur exactly once
    file = "app.py"
    old = "..."
    new = "..."

Other files in the mutant's folder replace the reference's file of the same name.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from o11y_course.errors import UsageError
from o11y_course.exercises import Exercise
from o11y_course.toml import TOMLDecodeError, load_toml


@dataclass(frozen=True)
class Expectation:
    check: str
    message: str


@dataclass(frozen=True)
class Replacement:
    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Mutant:
    """One wrong solution of an exercise."""

    name: str
    folder: Path
    description: str
    expect: tuple[Expectation, ...]
    replace: tuple[Replacement, ...]


class MutantError(UsageError):
    """A mutant definition is malformed or no longer applies to the reference."""


def load_mutant(folder: Path) -> Mutant:
    """Read ``folder/mutant.toml``."""
    try:
        data = load_toml(folder / "mutant.toml")
        expect = tuple(Expectation(e["check"], e["message"]) for e in data["expect"])
        replace = tuple(Replacement(r["file"], r["old"], r["new"]) for r in data.get("replace", []))
    except (OSError, TOMLDecodeError, KeyError, TypeError) as exc:
        raise MutantError(f"mutant {folder}: bad mutant.toml ({type(exc).__name__}: {exc})") from None
    if not expect:
        raise MutantError(f"mutant {folder}: it must expect at least one failing check")
    return Mutant(folder.name, folder, str(data.get("description", "")), expect, replace)


def mutants_of(mutants_root: Path, exercise: Exercise) -> list[Mutant]:
    """All mutants of ``exercise``, by name."""
    folder = mutants_root / exercise.id
    if not folder.is_dir():
        return []
    return [load_mutant(p) for p in sorted(folder.iterdir()) if (p / "mutant.toml").is_file()]


def materialize(mutant: Mutant, reference_exercise_dir: Path, exercise: Exercise, dest_root: Path) -> Path:
    """Write the mutant as a ``<tier>/<NN-slug>/`` submission under ``dest_root``; returns dest_root."""
    target = dest_root / exercise.id
    shutil.copytree(reference_exercise_dir, target, ignore=shutil.ignore_patterns("__pycache__"))
    for extra in mutant.folder.iterdir():
        if extra.name != "mutant.toml" and extra.is_file():
            shutil.copy2(extra, target / extra.name)
    for edit in mutant.replace:
        path = target / edit.file
        text = path.read_text(encoding="utf-8")
        count = text.count(edit.old)
        if count != 1:
            raise MutantError(
                f"mutant {exercise.id}/{mutant.name}: the text to replace occurs {count} times in {edit.file} "
                f"(must be exactly once): {edit.old.strip()[:60]!r}"
            )
        path.write_text(text.replace(edit.old, edit.new), encoding="utf-8")
    return dest_root
