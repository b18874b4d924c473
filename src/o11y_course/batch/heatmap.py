"""The class picture: every check's result for every submission, and each check's pass rate.

Rows are checks in course order (a line between exercises), columns are submissions from the
highest total to the lowest. A row that is mostly orange is a concept the class missed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from o11y_course.batch.gradebook import Graded

STATES = ("pass", "fail", "error", "skip", "not run")
COLOURS = ("#2c7bb6", "#fdae61", "#d7191c", "#c2a5cf", "#eeeeee")  # blue and orange stay apart for colour-blind readers
MAX_COLUMN_LABELS = 80


def _label(check: dict[str, Any]) -> str:
    tier, folder = check["exercise"].split("/", 1)
    name = check["id"].split("::", 1)[-1]
    rate = "n/a" if check["pass_rate"] is None else f"{check['pass_rate']:.0%}"
    return f"{tier}/{folder[:2]} {name} ({rate})"


def matrix(results: list[Graded], checks: list[dict[str, Any]]) -> tuple[list[list[int]], list[Graded]]:
    """State indexes (into STATES) per check row and submission column; columns by total, highest first."""
    columns = sorted(results, key=lambda g: (-g.total(), g.id))
    rows = []
    for check in checks:
        row = []
        for graded in columns:
            exercise = graded.report.exercise(check["exercise"]) if graded.report is not None else None
            found = next((c for c in exercise.checks if c.id == check["id"]), None) if exercise is not None else None
            row.append(STATES.index(found.status) if found is not None else STATES.index("not run"))
        rows.append(row)
    return rows, columns


def preload() -> None:
    """Import matplotlib ahead (about half a second); the batch calls it while its workers start."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401


def draw_heatmap(path: Path, results: list[Graded], checks: list[dict[str, Any]]) -> None:
    """Write the picture to ``path`` (SVG or PNG, from its suffix) with matplotlib's Agg backend.

    In an SVG the labels stay text (searchable, sharp at any zoom, and not drawn glyph by glyph,
    which is most of the time a PNG of a whole course takes).
    """
    preload()
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch
    from matplotlib.transforms import blended_transform_factory

    cells, columns = matrix(results, checks)
    n_rows, n_cols = max(1, len(checks)), max(1, len(columns))
    # Inches: the check labels (about 0.065 in per character at these sizes), the grid, the bars.
    # Margins are worked out here because matplotlib's tight_layout would lay the figure out twice
    # to measure them, the slowest part of the picture.
    label_in = 0.35 + 0.065 * max((len(_label(c)) for c in checks), default=0)
    grid_in, bars_in = max(3.0, 0.22 * n_cols), 2.0
    width = min(60.0, label_in + grid_in + bars_in + 0.4)
    height = min(80.0, 2.2 + 0.26 * n_rows)
    figure, (grid, bars) = plt.subplots(1, 2, figsize=(width, height), gridspec_kw={"width_ratios": [grid_in, bars_in]})
    if checks and columns:
        cmap = ListedColormap(COLOURS)
        grid.imshow(cells, aspect="auto", interpolation="nearest", cmap=cmap, norm=BoundaryNorm(range(len(STATES) + 1), cmap.N))
        if n_cols <= 150:  # thin white lines between cells (two line collections), while cells are wide enough
            grid.vlines([i - 0.5 for i in range(1, n_cols)], -0.5, n_rows - 0.5, colors="white", linewidth=0.6)
            grid.hlines([i - 0.5 for i in range(1, n_rows)], -0.5, n_cols - 0.5, colors="white", linewidth=0.6)
    # Labels are plain texts beside the grid rather than tick labels: matplotlib builds several
    # artists per tick and measures every tick label to place the titles.
    grid.set_yticks([])
    grid.set_xticks([])
    rows_at = blended_transform_factory(grid.transAxes, grid.transData)
    for index, check in enumerate(checks):
        grid.text(-0.01, index, _label(check), transform=rows_at, ha="right", va="center", fontsize=8)
    if len(columns) <= MAX_COLUMN_LABELS:
        columns_at = blended_transform_factory(grid.transData, grid.transAxes)
        for index, graded in enumerate(columns):
            grid.text(index, -0.004, graded.id, transform=columns_at, ha="center", va="top", rotation=90, fontsize=7)
    grid.set_title("Result of each check per submission", fontsize=10)
    for index in range(1, len(checks)):
        if checks[index]["exercise"] != checks[index - 1]["exercise"]:
            grid.axhline(index - 0.5, color="black", linewidth=1)
            bars.axhline(index - 0.5, color="black", linewidth=0.5)
    rates = [c["pass_rate"] or 0 for c in checks]
    bars.barh(range(len(checks)), rates, color=COLOURS[0], height=0.7)
    bars.set_xlim(0, 1)
    bars.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0%", "25%", "50%", "75%", "100%"], fontsize=7)
    bars.set_title("Pass rate", fontsize=10)
    bars.grid(axis="x", linewidth=0.3)
    grid.set_xlim(-0.5, n_cols - 0.5)
    for axes in (grid, bars):  # the bars line up with the rows; only the grid labels them
        axes.set_ylim(n_rows - 0.5, -0.5)
    bars.set_yticks([])
    figure.legend(handles=[Patch(color=c, label=s) for s, c in zip(STATES, COLOURS, strict=True)], loc="upper center", ncol=len(STATES), fontsize=8, frameon=False)
    bottom = (0.55 + (0.06 * max((len(g.id) for g in columns), default=0) if len(columns) <= MAX_COLUMN_LABELS else 0.0)) / height
    left = min(label_in / width, 0.6)
    figure.subplots_adjust(left=left, right=1 - 0.3 / width, bottom=min(bottom, 0.4), top=1 - 0.75 / height, wspace=0.15 * 5 / (grid_in + bars_in))
    grid_box = grid.get_position()
    figure.text((grid_box.x0 + grid_box.x1) / 2, 0.12 / height, f"{len(columns)} submissions, highest total first", ha="center", va="bottom", fontsize=10)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "o11y-heatmap"}):
        figure.savefig(path, dpi=100, metadata={"Software": None} if path.suffix == ".png" else {"Date": None})
    plt.close(figure)
