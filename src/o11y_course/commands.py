"""What each ``o11y`` command does; the argument parsing lives in ``cli``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from o11y_course.course import Course, find_course
from o11y_course.errors import UsageError
from o11y_course.exercises import Exercise, discover, resolve
from o11y_course.sandbox.client import Sandbox


def _sandbox(course: Course, exercises: list[Exercise] | None = None) -> Sandbox:
    """A started sandbox (its zygote warms up while pytest loads) that hides the course's secrets.

    The zygote also imports what the ``exercises`` declare in ``preload`` (e.g. the Flask instrumentation).
    """
    extra = tuple(dict.fromkeys(name for e in exercises or [] for name in e.preload))
    sandbox = Sandbox(protected_dirs=[str(p) for p in course.protected_dirs()], preload=extra)
    sandbox.start()
    return sandbox


def _prestart_real(exercises: list[Exercise], skip: bool = False) -> None:
    """Start real components the exercises need now, so their start-up overlaps the quick checks."""
    import shutil

    if skip or not any("prometheus" in e.real for e in exercises):
        return
    binary = shutil.which("prometheus")
    if binary:
        from o11y_course.real.scraping import prestart

        prestart(binary)


def _exercises(course: Course, wanted: list[str]) -> list[Exercise]:
    everything = discover(course.exercises_dir)
    if not everything:
        raise UsageError(f"no exercises found under {course.exercises_dir}")
    if not wanted:
        return everything
    chosen = {e.id: e for e in (resolve(everything, w) for w in wanted)}  # -e 01 -e beginner/01 names one exercise
    return list(chosen.values())


def cmd_grade(args: argparse.Namespace) -> int:
    from o11y_course.report import renderer

    render = renderer(args.format, args.reveal)
    course = find_course()
    from o11y_course.checks_overlay import overlay_checks
    from o11y_course.submission import open_submission

    if args.out is not None or len(args.path) > 1:
        from o11y_course.batch import grade_batch

        with overlay_checks(course, args.checks) as graded_course:
            return grade_batch(graded_course, args.path, _exercises(course, args.exercise), args)
    submission = open_submission(Path(args.path[0]))
    exercises = _exercises(course, args.exercise)
    _prestart_real(exercises, skip=args.no_real)
    with overlay_checks(course, args.checks) as course, _sandbox(course, exercises) as sandbox:
        from o11y_course.grading import grade

        report = grade(course, submission, exercises, sandbox=sandbox, public_only=args.public_only, skip_real=args.no_real)
    sys.stdout.write(render(report))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from o11y_course.verify import verify_exercise

    course = find_course()
    exercises = _exercises(course, [args.exercise] if args.exercise else [])
    findings = []
    _prestart_real(exercises, skip=args.no_real)
    with _sandbox(course, exercises) as sandbox:
        for exercise in exercises:
            for finding in verify_exercise(course, exercise, sandbox, skip_real=args.no_real):
                findings.append(finding)
                mark = "ok  " if finding.ok else "FAIL"
                print(f"{mark} {finding.exercise}  {finding.subject}: {finding.detail}", flush=True)
    bad = [f for f in findings if not f.ok]
    print(f"verify: {len(findings) - len(bad)} ok, {len(bad)} failed")
    return 1 if bad else 0


def _learner_commands() -> dict:
    from o11y_course.learner import commands as learner

    return {"check": learner.cmd_check, "list": learner.cmd_list, "hint": learner.cmd_hint, "watch": learner.cmd_watch, "run": learner.cmd_run}


def _publishing_commands() -> dict:
    from o11y_course.bundle import bundle_command
    from o11y_course.release import release_command
    from o11y_course.report.saved import report_command

    return {"release": release_command, "bundle": bundle_command, "report": report_command}


COMMANDS = {"grade": cmd_grade, "verify": cmd_verify}


def run(args: argparse.Namespace) -> int:
    """Dispatch to the command named in ``args``."""
    return {**COMMANDS, **_learner_commands(), **_publishing_commands()}[args.command](args)
