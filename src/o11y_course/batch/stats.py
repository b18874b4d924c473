"""Class statistics: how often each check passed, and how the points of each exercise are spread.

Pass rates count the submissions in which a check ran (``passed / ran``), so a submission that
could not be graded at all does not make every check look harder. Score distributions cover every
row of the gradebook, where such a submission scores 0, so they agree with the gradebook.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

from o11y_course.batch.gradebook import Graded
from o11y_course.exercises import Exercise
from o11y_course.report.points import json_number

SCHEMA = "o11y-course/class-stats/v1"
BUCKETS = 5


def histogram(values: list[float], maximum: float, buckets: int = BUCKETS) -> list[dict[str, Any]]:
    """Counts of ``values`` in equal-width buckets over ``[0, maximum]``; the last bucket includes ``maximum``."""
    if maximum <= 0:
        return [{"from": 0, "to": 0, "count": len(values)}]
    width = maximum / buckets
    counts = [0] * buckets
    for value in values:
        counts[min(buckets - 1, max(0, math.floor(value / width)))] += 1
    return [{"from": json_number(i * width), "to": json_number((i + 1) * width), "count": c} for i, c in enumerate(counts)]


def distribution(values: list[float], maximum: float) -> dict[str, Any]:
    """Mean, median, minimum, maximum and histogram of some scores out of ``maximum``."""
    if not values:
        return {"max_score": json_number(maximum), "count": 0, "mean": None, "median": None, "min": None, "max": None, "histogram": []}
    return {
        "max_score": json_number(maximum),
        "count": len(values),
        "mean": json_number(statistics.fmean(values)),
        "median": json_number(statistics.median(values)),
        "min": json_number(min(values)),
        "max": json_number(max(values)),
        "histogram": histogram(values, maximum),
    }


def check_rows(results: list[Graded], exercises: list[Exercise]) -> list[dict[str, Any]]:
    """Per check, in course order: its title, points, visibility, status counts and pass rate."""
    order = {e.id: i for i, e in enumerate(exercises)}
    rows: dict[str, dict[str, Any]] = {}
    for graded in results:
        if graded.report is None:
            continue
        for exercise in graded.report.exercises:
            for check in exercise.checks:
                entry = rows.setdefault(
                    check.id,
                    {
                        "id": check.id,
                        "exercise": exercise.id,
                        "title": check.title,
                        "points": json_number(check.points),
                        "visibility": check.visibility,
                        "counts": {"pass": 0, "fail": 0, "error": 0, "skip": 0},
                    },
                )
                entry["counts"][check.status] += 1
    ordered = sorted(rows.values(), key=lambda r: order.get(r["exercise"], len(order)))  # stable: first-seen order within an exercise
    for entry in ordered:
        ran = sum(entry["counts"].values())
        entry["ran"] = ran
        entry["pass_rate"] = json_number(entry["counts"]["pass"] / ran) if ran else None
    return ordered


def class_stats(results: list[Graded], exercises: list[Exercise]) -> dict[str, Any]:
    """The contents of ``stats.json``."""
    graded = [r for r in results if r.report is not None]
    return {
        "schema": SCHEMA,
        "submissions": len(results),
        "graded": len(graded),
        "errors": [{"id": r.id, "error": r.error} for r in results if r.report is None],
        "checks": check_rows(results, exercises),
        "exercises": [
            {"id": e.id, "title": e.title, **distribution([r.points(e.id) for r in results], _exercise_max(results, e))} for e in exercises
        ],
        "total": distribution([r.total() for r in results], sum(_exercise_max(results, e) for e in exercises)),
    }


def _exercise_max(results: list[Graded], exercise: Exercise) -> float:
    """An exercise's maximum as the reports give it (the points in exercise.toml when none does)."""
    for graded in results:
        found = graded.report.exercise(exercise.id) if graded.report is not None else None
        if found is not None and found.checks:
            return found.max_score
    return exercise.points
