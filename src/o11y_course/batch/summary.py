"""``summary.md``: the class at a glance, for a person or a workflow's job summary."""

from __future__ import annotations

from typing import Any

from o11y_course.batch.gradebook import Graded
from o11y_course.report.markdown import cell
from o11y_course.report.points import points_text

WEAKEST = 10


def _number(value: Any) -> str:
    return "–" if value is None else points_text(value)


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def render_summary(stats: dict[str, Any], results: list[Graded], heatmap_name: str) -> str:
    """Totals, exercises, the checks the class passed least, submissions that could not be graded, and the gradebook."""
    total = stats["total"]
    lines = [
        "## Class results",
        "",
        f"{stats['submissions']} submissions, {stats['graded']} graded; mean total {_number(total['mean'])}/{_number(total['max_score'])},"
        f" median {_number(total['median'])}. The picture `{heatmap_name}` shows every check for every submission.",
        "",
        "| exercise | mean | median | min | max | out of |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for exercise in stats["exercises"]:
        values = [_number(exercise[k]) for k in ("mean", "median", "min", "max", "max_score")]
        lines.append(f"| {cell(exercise['id'])} | " + " | ".join(values) + " |")
    ranked = sorted((c for c in stats["checks"] if c["pass_rate"] is not None), key=lambda c: (c["pass_rate"], c["id"]))[:WEAKEST]
    if ranked:
        lines += ["", "### Checks the class passed least", "", "| pass rate | check | title |", "|---:|---|---|"]
        lines += [f"| {_rate(c['pass_rate'])} | {cell(c['id'])} | {cell(c['title'])} |" for c in ranked]
    if stats["errors"]:
        lines += ["", "### Not graded", ""]
        lines += [f"- **{cell(e['id'])}**: {cell(e['error'])}" for e in stats["errors"]]
    lines += ["", "### Gradebook", "", "| submission | total | status |", "|---|---:|---|"]
    for graded in sorted(results, key=lambda g: g.id):
        maximum = graded.report.max_score if graded.report is not None else total["max_score"]
        lines.append(f"| {cell(graded.id)} | {points_text(graded.total())}/{points_text(maximum)} | {graded.status} |")
    return "\n".join(lines) + "\n"
