"""A small Markdown reader for learner-written reports: ATX headings, their sections, and pipe tables.

It reads only what reports such as ``FINDINGS.md`` need. Headings inside fenced code blocks are
not headings; a table is a header row, a delimiter row (``|---|:--:|``) and the rows that follow
until a line without a pipe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_DELIMITER_CELL = re.compile(r"^:?-+:?$")


@dataclass(frozen=True)
class Section:
    """A heading and the text under it, up to the next heading of the same or a higher level."""

    title: str
    level: int
    body: str
    line: int  # 1-based line number of the heading


@dataclass(frozen=True)
class Table:
    """A pipe table: its header cells and its rows (each padded or cut to the header's width)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(index, level, title) of every ATX heading outside fenced code blocks."""
    found = []
    fence: str | None = None
    for index, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        heading = _HEADING.match(line)
        if heading:
            found.append((index, len(heading.group(1)), (heading.group(2) or "").strip()))
    return found


def sections(text: str, level: int = 2) -> list[Section]:
    """Every section whose heading has exactly ``level`` hashes, in document order."""
    lines = text.splitlines()
    headings = _headings(lines)
    result = []
    for position, (index, depth, title) in enumerate(headings):
        if depth != level:
            continue
        end = next((other for other, other_depth, _ in headings[position + 1 :] if other_depth <= level), len(lines))
        body = "\n".join(lines[index + 1 : end]).strip("\n")
        result.append(Section(title, depth, body, index + 1))
    return result


def section(text: str, title: str, level: int = 2) -> Section | None:
    """The first section titled ``title`` (case and surrounding spaces ignored), or ``None``."""
    wanted = title.strip().casefold()
    return next((s for s in sections(text, level) if s.title.casefold() == wanted), None)


def split_row(line: str) -> list[str]:
    """The cells of one table row: outer pipes dropped, ``\\|`` kept as a literal pipe, cells stripped."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells = re.split(r"(?<!\\)\|", text)
    return [cell.strip().replace("\\|", "|") for cell in cells]


def _is_delimiter(line: str) -> bool:
    if "-" not in line:
        return False
    cells = split_row(line)
    return bool(cells) and all(_DELIMITER_CELL.match(cell) for cell in cells)


def tables(text: str) -> list[Table]:
    """Every pipe table in ``text``, in document order."""
    lines = text.splitlines()
    found = []
    index = 0
    while index + 1 < len(lines):
        line, below = lines[index], lines[index + 1]
        if "|" in line and _is_delimiter(below):
            header = tuple(split_row(line))
            if len(split_row(below)) == len(header):
                rows = []
                index += 2
                while index < len(lines) and "|" in lines[index] and lines[index].strip():
                    cells = split_row(lines[index])
                    rows.append(tuple((cells + [""] * len(header))[: len(header)]))
                    index += 1
                found.append(Table(header, tuple(rows)))
                continue
        index += 1
    return found


def word_count(text: str) -> int:
    """Words in ``text`` (letters and digits, with inner apostrophes, dots, commas, dashes, underscores)."""
    return len(re.findall(r"[A-Za-z0-9]+(?:['.,_-][A-Za-z0-9]+)*", text))
