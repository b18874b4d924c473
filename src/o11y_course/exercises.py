"""Exercise discovery: every ``exercise.toml`` under ``exercises/`` describes one exercise."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from o11y_course.errors import UsageError
from o11y_course.toml import TOMLDecodeError, load_toml

TIERS = ("beginner", "intermediate", "advanced")
TIER_MARKERS = {"beginner": "🔍", "intermediate": "🧩", "advanced": "💡"}
EXERCISE_FOLDER = re.compile(r"^(?P<order>\d{2})-(?P<slug>[a-z0-9-]+)$")  # NN-slug


@dataclass(frozen=True)
class Exercise:
    """One exercise as its metadata describes it."""

    id: str  # "beginner/02-metrics-endpoint"
    title: str
    tier: str
    order: int
    files: tuple[str, ...]
    points: int
    hints: tuple[str, ...] = field(default=())
    timeout: float | None = None
    real: tuple[str, ...] = ()  # real components some checks start, e.g. ("prometheus",)
    run: dict[str, str] = field(default_factory=dict)  # how `o11y run` serves the app: {"kind": "flask", ...}
    preload: tuple[str, ...] = ()  # modules the sandbox imports once, before forking runs of this exercise
    provided: tuple[str, ...] = ()  # files the course gives beside the stub; a submission without one is run with the course's

    @property
    def folder(self) -> str:
        """The exercise's folder name, e.g. ``02-metrics-endpoint``."""
        return self.id.split("/", 1)[1]

    @property
    def slug(self) -> str:
        return self.folder.split("-", 1)[1]

    @property
    def marker(self) -> str:
        return TIER_MARKERS[self.tier]

    @property
    def sort_key(self) -> tuple[int, int]:
        return (TIERS.index(self.tier), self.order)


class ExerciseConfigError(UsageError):
    """An ``exercise.toml`` is missing a field or has a wrong value."""


def load_exercise(toml_path: Path, exercises_root: Path) -> Exercise:
    """Read one ``exercise.toml``; its place under ``exercises/<tier>/<NN-slug>/`` gives the id."""
    rel = toml_path.parent.relative_to(exercises_root)
    where = f"exercises/{rel.as_posix()}/exercise.toml"
    if len(rel.parts) != 2 or rel.parts[0] not in TIERS or not EXERCISE_FOLDER.match(rel.parts[1]):
        raise ExerciseConfigError(f"{where}: exercises live in exercises/<tier>/<NN-slug>/ with tier one of {', '.join(TIERS)}")
    try:
        data = load_toml(toml_path)
    except TOMLDecodeError as exc:
        raise ExerciseConfigError(f"{where}: {exc}") from None
    exercise_id = rel.as_posix()
    if data.get("id", exercise_id) != exercise_id:
        raise ExerciseConfigError(f"{where}: id {data['id']!r} does not match its folder {exercise_id!r}")
    for key, kind in (("title", str), ("files", list), ("points", int)):
        if not isinstance(data.get(key), kind):
            raise ExerciseConfigError(f"{where}: field {key!r} must be a {kind.__name__}")
    hints = data.get("hints", [])
    if not isinstance(hints, list) or not all(isinstance(h, str) for h in hints):
        raise ExerciseConfigError(f"{where}: 'hints' must be a list of strings")
    provided = data.get("provided", [])
    if not isinstance(provided, list) or not all(isinstance(p, str) and p and Path(p).name == p for p in provided):
        raise ExerciseConfigError(f"{where}: 'provided' must be a list of file names in the exercise folder")
    return Exercise(
        id=exercise_id,
        title=data["title"],
        tier=rel.parts[0],
        order=int(EXERCISE_FOLDER.match(rel.parts[1]).group("order")),
        files=tuple(data["files"]),
        points=data["points"],
        hints=tuple(hints),
        timeout=data.get("timeout"),
        real=tuple(data.get("real", ())),
        run=dict(data.get("run", {})),
        preload=tuple(data.get("preload", ())),
        provided=tuple(provided),
    )


def discover(exercises_root: Path) -> list[Exercise]:
    """All exercises under ``exercises_root``, in course order."""
    found = [load_exercise(p, exercises_root) for p in exercises_root.glob("*/*/exercise.toml")]
    return sorted(found, key=lambda e: e.sort_key)


def resolve(exercises: list[Exercise], ident: str) -> Exercise:
    """Find an exercise by id or short form: ``02``, ``metrics-endpoint``, ``beginner/02``.

    A bare number that several tiers share names the earliest tier's exercise (``02`` is
    ``beginner/02``); ``advanced/02`` names the other.
    """
    ident = ident.strip().strip("/")
    matches = [e for e in exercises if _matches(e, ident)]
    if len(matches) == 1 or (matches and ident.isdigit()):
        return min(matches, key=lambda e: e.sort_key)
    known = ", ".join(e.id for e in exercises) or "none"
    if not matches:
        raise UsageError(f"unknown exercise {ident!r}; known exercises: {known}")
    raise UsageError(f"{ident!r} matches several exercises ({', '.join(e.id for e in matches)}); add the tier, e.g. beginner/{ident}")


def _matches(exercise: Exercise, ident: str) -> bool:
    tier, folder = exercise.id.split("/")
    order = folder[:2]
    if "/" in ident:
        want_tier, rest = ident.split("/", 1)
        return want_tier == tier and rest in (folder, order, exercise.slug)
    return ident in (exercise.id, folder, order, exercise.slug, str(exercise.order))
