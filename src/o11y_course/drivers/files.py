"""Driver for exercises whose answer is a data file (TOML, YAML, Markdown) rather than code.

Params (all JSON):
  files       names of files in the exercise folder to read, e.g. ["answers.toml"]
  max_bytes   the largest file read, default 256 KiB

Result ``values``: ``files`` maps each name to its UTF-8 text, or ``None`` when it is not read;
``missing`` lists the names that do not exist; ``refused`` maps a name to why it was not read
(a link leading out of the exercise folder, not a regular file, too large, not UTF-8).
Only regular files inside the exercise folder (``ctx.work_dir``) are ever opened.
"""

from __future__ import annotations

import os
import stat
from typing import Any

from o11y_course.sandbox.context import DriverContext

MAX_BYTES = 256 * 1024


class Refused(Exception):
    """The file exists but will not be read; the message says why, for the learner."""


def _inside(path: str, folder: str) -> bool:
    return os.path.join(path, "").startswith(os.path.join(folder, ""))


def _read(work_dir: str, name: str, max_bytes: int) -> str | None:
    """The text of ``name`` under ``work_dir``; ``None`` when it does not exist."""
    root = os.path.realpath(work_dir)
    lexical = os.path.normpath(os.path.join(root, name))
    if os.path.isabs(name) or not _inside(lexical, root):
        raise Refused("it is not a file name inside the exercise folder")
    if not os.path.lexists(lexical):
        return None
    real = os.path.realpath(lexical)
    if not _inside(real, root):
        raise Refused("it is a link to a file outside the exercise folder; keep a regular file there instead")
    try:
        info = os.stat(real)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise Refused("it is not a regular file")
    with open(real, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Refused(f"it is larger than {max_bytes // 1024} KiB, the most the grader reads")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(f"it is not UTF-8 text (byte {exc.start} cannot be decoded); save it as UTF-8") from None


def run(ctx: DriverContext, params: dict[str, Any]) -> dict[str, Any]:
    """Read the named files from the learner's exercise folder and report their text."""
    max_bytes = int(params.get("max_bytes", MAX_BYTES))
    files: dict[str, str | None] = {}
    missing: list[str] = []
    refused: dict[str, str] = {}
    for name in params.get("files", []):
        ctx.phase(f"read {name}")
        try:
            files[name] = _read(ctx.work_dir, name, max_bytes)
        except Refused as why:
            files[name] = None
            refused[name] = str(why)
            continue
        if files[name] is None:
            missing.append(name)
    return {"values": {"files": files, "missing": missing, "refused": refused}}
