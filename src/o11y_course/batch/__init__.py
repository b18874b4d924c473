"""Batch grading: ``o11y grade DIR... --jobs N --out grades/``.

Submissions are graded in parallel by worker processes, each with its own sandbox (see ``pool``
and ``worker``). The output folder gets:

- ``gradebook.csv``: one row per submission (id, points per exercise, total, max, status, error);
- ``feedback/<id>.md`` and ``feedback/<id>.json``: each submission's report for the learner
  (Markdown, hidden checks shown per ``--reveal``) and in full (the JSON report model);
- ``stats.json``: pass rate per check and score distribution per exercise;
- ``heatmap.svg``: every check's result for every submission, with pass rates;
- ``summary.md``: the class at a glance (a workflow can append it to its job summary).

A submission that cannot be graded at all (no exercises in it, a grader failure, a crashed or
hung worker) gets a row with status ``error``, its message and zero points; the others go on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from o11y_course.batch.alongside import start_alongside
from o11y_course.batch.gradebook import Graded, write_gradebook
from o11y_course.batch.heatmap import draw_heatmap
from o11y_course.batch.heatmap import preload as preload_heatmap
from o11y_course.batch.inputs import GRADEBOOK, Entry, entries, expand
from o11y_course.batch.pool import JobResult, run_jobs
from o11y_course.batch.progress import BatchProgress
from o11y_course.batch.stats import class_stats
from o11y_course.batch.summary import render_summary
from o11y_course.batch.worker import GradeOptions, course_spec
from o11y_course.course import Course
from o11y_course.errors import UsageError
from o11y_course.exercises import Exercise
from o11y_course.report import json_report, markdown
from o11y_course.report.model import GradeReport
from o11y_course.report.points import points_text
from o11y_course.report.reveal import DEFAULT_REVEAL

DEFAULT_OUT = "grades"
HEATMAP = "heatmap.svg"
STATS = "stats.json"
SUMMARY = "summary.md"
OUTPUT_FILES = (GRADEBOOK, STATS, HEATMAP, SUMMARY)
TIMEOUT_ENV = "O11Y_SUBMISSION_TIMEOUT"
DEFAULT_TIMEOUT = 900.0  # seconds one submission may take in all before its worker is stopped


def submission_timeout() -> float:
    """The wall-clock limit for one submission: ``$O11Y_SUBMISSION_TIMEOUT`` or 900 s."""
    raw = os.environ.get(TIMEOUT_ENV)
    try:
        return float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        raise UsageError(f"{TIMEOUT_ENV}={raw!r} is not a number of seconds") from None


def grade_all(
    course: Course,
    items: list[Entry],
    exercises: list[Exercise],
    *,
    jobs: int,
    options: GradeOptions | None = None,
    progress: BatchProgress | None = None,
) -> list[Graded]:
    """Grade every entry on ``jobs`` worker processes; one Graded per entry, in order."""

    def as_graded(result: JobResult) -> Graded:
        item = items[result.index]
        if result.ok and "report" in result.value:
            return Graded(item.id, str(item.path), GradeReport.from_dict(result.value["report"]), seconds=result.seconds)
        message = result.value["error"] if result.ok else result.value
        return Graded(item.id, str(item.path), None, error=" ".join(str(message).split())[:500] or "unknown error", seconds=result.seconds)

    graded: dict[int, Graded] = {}

    def record(result: JobResult) -> None:
        graded[result.index] = as_graded(result)
        if progress is not None:
            progress.done(graded[result.index])

    with contextlib.ExitStack() as stack:
        shared = _shared_folder(stack)
        run_jobs(
            [str(item.path) for item in items],
            jobs=jobs,
            init="o11y_course.batch.worker:init_worker",
            init_args=(course_spec(course), [e.id for e in exercises], asdict(options or GradeOptions()), shared),
            work="o11y_course.batch.worker:grade_submission",
            timeout=submission_timeout(),
            on_result=record,
        )
    return [graded[i] for i in range(len(items))]


def _shared_folder(stack: contextlib.ExitStack) -> str | None:
    """A private folder the workers share work through for this batch (removed with ``stack``), or
    None when none can be made: each worker then does all of that work itself."""
    try:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="o11y-batch-"))
        shared = os.path.join(scratch, "shared")  # its parent stays the grader's: protected folders' parents are read-only to learner code
        os.mkdir(shared, 0o700)
    except OSError:
        return None
    return shared


def write_outputs(out: Path, results: list[Graded], exercises: list[Exercise], reveal: str = DEFAULT_REVEAL) -> dict[str, Any]:
    """Write the gradebook, feedback files, statistics, picture and summary; returns the statistics.

    The picture is drawn alongside the other files, on another core where the platform allows it."""
    out.mkdir(parents=True, exist_ok=True)
    stats = class_stats(results, exercises)
    picture_done = start_alongside(lambda: draw_heatmap(out / HEATMAP, results, stats["checks"]))
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    for stale in [*feedback.glob("*.md"), *feedback.glob("*.json")]:
        if stale.is_file():
            stale.unlink()
    write_gradebook(out / GRADEBOOK, results, exercises)
    for graded in results:
        if graded.report is not None:
            (feedback / f"{graded.id}.md").write_text(markdown.render(graded.report, reveal=reveal), encoding="utf-8")
            (feedback / f"{graded.id}.json").write_text(json_report.render(graded.report), encoding="utf-8")
        else:
            (feedback / f"{graded.id}.md").write_text(f"## Not graded\n\n{markdown.escape(graded.error)}\n", encoding="utf-8")
    (out / STATS).write_text(json.dumps(stats, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    picture_done()
    (out / SUMMARY).write_text(render_summary(stats, results, HEATMAP), encoding="utf-8")
    return stats



def prepare_output(out: Path, ids: list[str]) -> None:
    """Make ``out`` and ``out/feedback`` and prove they can be written, before any grading: a batch
    never grades a whole class only to fail at the end. UsageError says what is in the way."""
    feedback = out / "feedback"
    try:
        feedback.mkdir(parents=True, exist_ok=True)
        for folder in (out, feedback):
            with tempfile.TemporaryFile(dir=folder):
                pass
    except OSError as exc:
        raise UsageError(f"cannot write the results to --out {str(out)!r}: {exc.strerror or exc} ({exc.filename or out})") from None
    planned = [out / name for name in OUTPUT_FILES] + [feedback / f"{i}{suffix}" for i in ids for suffix in (".md", ".json")]
    blocked = next((path for path in planned if path.exists() and not path.is_file()), None)
    if blocked is not None:
        raise UsageError(f"cannot write the results to --out {str(out)!r}: {str(blocked)!r} is in the way and is not a file")


def grade_batch(course: Course, paths: Sequence[str], exercises: list[Exercise], args: argparse.Namespace) -> int:
    """``o11y grade DIR... --out OUT --jobs N``: grade, write the outputs, print a short summary.

    ``args`` are the grade command's options: out, jobs, format, public_only, reveal, no_real.
    """
    if args.format != "text":
        raise UsageError("batch grading writes its own files (gradebook.csv, feedback/, stats.json, heatmap.svg); --format is for one submission")
    target = Path(args.out or DEFAULT_OUT)
    if target.exists() and not target.is_dir():
        raise UsageError(f"--out {str(target)!r} exists and is not a folder")
    workers = args.jobs if args.jobs is not None else min(4, os.cpu_count() or 1)
    if workers < 1:
        raise UsageError("--jobs must be at least 1")
    items = entries(expand(paths, target))
    if not items:
        raise UsageError("no submissions to grade")
    prepare_output(target, [item.id for item in items])
    options = GradeOptions(public_only=args.public_only, skip_real=args.no_real)
    # The picture's library loads while the workers start (they wait for their sandbox and Prometheus).
    preloading = threading.Thread(target=preload_heatmap, name="o11y-preload-matplotlib", daemon=True)
    preloading.start()
    with BatchProgress(len(items)) as progress:
        results = grade_all(course, items, exercises, jobs=workers, options=options, progress=progress)
    preloading.join()  # long done by now; the picture is then drawn in a child process (see write_outputs)
    stats = write_outputs(target, results, exercises, args.reveal or DEFAULT_REVEAL)
    total = stats["total"]
    mean = "–" if total["mean"] is None else points_text(total["mean"])
    print(f"graded {len(results)} submissions ({len(results) - stats['graded']} not graded); mean total {mean}/{points_text(total['max_score'])}")
    print(f"wrote {target}/gradebook.csv, stats.json, {HEATMAP}, summary.md and feedback/<id>.md|.json")
    return 0
