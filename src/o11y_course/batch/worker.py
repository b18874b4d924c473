"""What runs inside a batch worker process: one sandbox, one judge, and a grading run per submission.

A worker starts its sandbox zygote (and, when an exercise needs it, its shared Prometheus server)
once, from its main thread, and keeps them for every submission it grades; Prometheus's 5 s
start-up is therefore paid once per worker, not once per submission. Its judge keeps one pytest
session open (see ``judge``): the checks are configured and collected once per worker.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from o11y_course.checks_overlay import OverlaidCourse
from o11y_course.course import Course
from o11y_course.drills.shared import SHARE_ENV
from o11y_course.errors import GraderError, UsageError
from o11y_course.exercises import Exercise, discover
from o11y_course.judge import Judge
from o11y_course.sandbox.client import Sandbox
from o11y_course.submission import open_submission


@dataclass(frozen=True)
class GradeOptions:
    """How each submission of a batch is graded (the grade command's options)."""

    public_only: bool = False
    skip_real: bool = False  # --no-real: checks that need a real component report skip


@dataclass
class WorkerState:
    """A worker's course, exercises, sandbox, judge and options."""

    course: Course
    exercises: list[Exercise]
    sandbox: Sandbox
    options: GradeOptions
    judge: Judge

    def close(self) -> None:
        """End the judge's session, then stop the sandbox and the worker's Prometheus server."""
        self.judge.close()
        self.sandbox.close()
        from o11y_course.real.scraping import stop_shared_prometheus

        stop_shared_prometheus()


def course_from(spec: dict[str, Any]) -> Course:
    """The course a worker grades with, from the plain description the parent sends."""
    root = Path(spec["root"])
    if spec.get("merged_checks"):
        return OverlaidCourse(root, merged_checks=Path(spec["merged_checks"]), sources=tuple(Path(s) for s in spec["sources"]))
    return Course(root)


def course_spec(course: Course) -> dict[str, Any]:
    """A plain description of ``course`` that a worker process can rebuild it from."""
    if isinstance(course, OverlaidCourse):
        return {"root": str(course.root), "merged_checks": str(course.merged_checks), "sources": [str(s) for s in course.sources]}
    return {"root": str(course.root)}


def init_worker(spec: dict[str, Any], exercise_ids: list[str], options: dict[str, Any], shared: str | None = None) -> WorkerState:
    """Start this worker's sandbox and real components; called once in the worker's main thread.

    ``shared`` is a folder of the batch where the workers' sandboxes share work they would each do
    (the drills, see ``drills.shared``); learner code may not touch it."""
    course = course_from(spec)
    exercises = [e for e in discover(course.exercises_dir) if e.id in exercise_ids]
    grading = GradeOptions(**options)
    preload = tuple(dict.fromkeys(name for e in exercises for name in e.preload))
    protected = [str(p) for p in course.protected_dirs()]
    if shared:
        os.environ[SHARE_ENV] = shared  # the zygotes started from here inherit it
        protected.append(shared)
    sandbox = Sandbox(protected_dirs=protected, preload=preload)
    sandbox.start()
    binary = shutil.which("prometheus")
    if binary and not grading.skip_real and any("prometheus" in e.real for e in exercises):
        from o11y_course.real.scraping import prestart

        prestart(binary)
    judge = Judge(course, exercises, sandbox=sandbox, public_only=grading.public_only, skip_real=grading.skip_real)
    judge.start()  # configures and collects the checks while the first submission is on its way
    return WorkerState(course, exercises, sandbox, grading, judge)


def grade_submission(state: WorkerState, path: str) -> dict[str, Any]:
    """Grade the submission at ``path``: ``{"report": <JSON report>}``, or ``{"error": message}`` when it cannot be graded."""
    try:
        report = state.judge.grade(open_submission(Path(path)))
    except (UsageError, GraderError) as exc:  # a bad layout, or checks that could not run: said in one line
        return {"error": str(exc)}
    return {"report": report.to_dict()}
