"""``o11y verify``: the reference earns full marks, stubs earn zero, every mutant fails as it says."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from o11y_course.course import Course
from o11y_course.exercises import Exercise
from o11y_course.grading import grade
from o11y_course.mutants import Mutant, materialize, mutants_of
from o11y_course.report.model import ExerciseResult
from o11y_course.sandbox.client import Sandbox
from o11y_course.submission import open_submission


@dataclass(frozen=True)
class Finding:
    """One verification verdict."""

    exercise: str
    subject: str  # "reference", "stub", "mutant <name>", "coverage", "points"
    ok: bool
    detail: str


def _graded(
    course: Course, root: Path, exercise: Exercise, sandbox: Sandbox, only: frozenset[str] | None = None, skip_real: bool = False
) -> ExerciseResult:
    report = grade(course, open_submission(root), [exercise], sandbox=sandbox, only=only, skip_real=skip_real)
    result = report.exercise(exercise.id)
    assert result is not None
    return result


def verify_reference(
    course: Course, exercise: Exercise, sandbox: Sandbox, skip_real: bool = False
) -> tuple[list[Finding], ExerciseResult]:
    """The reference must pass every check, and the checks' points must add up to the exercise's.

    With ``skip_real`` the checks that need a real component are skipped, and only those may skip.
    """
    result = _graded(course, course.reference_dir, exercise, sandbox, skip_real=skip_real)
    findings = []
    skipped = [c for c in result.checks if skip_real and c.status == "skip"]
    bad = [c for c in result.checks if c.status != "pass" and c not in skipped]
    detail = "; ".join(f"{c.name} {c.status}: {c.message[:160]}" for c in bad)
    if not detail and result.checks:
        detail = f"earns {result.score:g}/{result.max_score:g}" + (f" ({len(skipped)} real-component checks skipped)" if skipped else "")
    findings.append(Finding(exercise.id, "reference", not bad and bool(result.checks), detail or "no checks ran"))
    points_ok = result.max_score == exercise.points
    findings.append(Finding(exercise.id, "points", points_ok,
                            f"checks add up to {result.max_score:g}, exercise.toml says {exercise.points}"))
    return findings, result


def verify_stub(course: Course, exercise: Exercise, sandbox: Sandbox, skip_real: bool = False) -> Finding:
    """The stub must earn zero: no check may pass on it."""
    result = _graded(course, course.root, exercise, sandbox, skip_real=skip_real)
    passing = [c.name for c in result.checks if c.status == "pass"]
    detail = f"passes {', '.join(passing)}" if passing else f"earns 0/{result.max_score:g}"
    return Finding(exercise.id, "stub", not passing, detail)


def verify_mutant(course: Course, exercise: Exercise, mutant: Mutant, sandbox: Sandbox, skip_real: bool = False) -> Finding:
    """The mutant must fail each check it names, with a message containing the named fragment."""
    with tempfile.TemporaryDirectory(prefix="o11y-mutant-") as tmp:
        root = materialize(mutant, course.reference_dir / exercise.id, exercise, Path(tmp))
        result = _graded(course, root, exercise, sandbox, only=frozenset(e.check for e in mutant.expect), skip_real=skip_real)
    problems = []
    for expectation in mutant.expect:
        check = result.check(expectation.check)
        if check is None:
            problems.append(f"{expectation.check} did not run")
        elif skip_real and check.status == "skip":
            continue  # needs a real component that is switched off
        elif check.status not in ("fail", "error"):
            problems.append(f"{expectation.check} did not fail ({check.status})")
        elif expectation.message.lower() not in f"{check.message} {check.hint}".lower():
            problems.append(f"{expectation.check} failed without {expectation.message!r}: {check.message[:200]!r}")
    detail = "; ".join(problems) or "fails " + ", ".join(e.check for e in mutant.expect)
    return Finding(exercise.id, f"mutant {mutant.name}", not problems, detail)


def verify_exercise(course: Course, exercise: Exercise, sandbox: Sandbox, skip_real: bool = False) -> list[Finding]:
    """Every verdict for one exercise, including whether each check is caught by some mutant."""
    findings, reference = verify_reference(course, exercise, sandbox, skip_real)
    findings.append(verify_stub(course, exercise, sandbox, skip_real))
    mutants = mutants_of(course.mutants_dir, exercise)
    findings += [verify_mutant(course, exercise, m, sandbox, skip_real) for m in mutants]
    named = {e.check for m in mutants for e in m.expect}
    uncovered = [c.name for c in reference.checks if c.name not in named]
    findings.append(Finding(exercise.id, "coverage", not uncovered,
                            f"no mutant fails {', '.join(uncovered)}" if uncovered else f"{len(mutants)} mutants cover every check"))
    return findings
