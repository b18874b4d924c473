"""Reading the data files a ``file_scenario`` brought back from the learner's exercise folder."""

from __future__ import annotations

from typing import Any

from o11y_course.feedback import fail
from o11y_course.observation import Observation


def file_text(observation: Observation, name: str) -> str:
    """The text of ``name`` as the files driver read it; fails when it is missing or was refused."""
    return text_from(observation.values, name)


def text_from(found: dict[str, Any], name: str, missing_hint: str | None = None) -> str:
    """The text of ``name`` in a files-driver result (``{"files", "refused"}``); fails when missing or refused."""
    refused = found.get("refused") or {}
    if name in refused:
        fail(f"{name} could not be read: {refused[name]}.", f"keep {name} as a plain UTF-8 text file in the exercise folder")
    text = (found.get("files") or {}).get(name)
    if text is None:
        fail(f"{name} is missing from the exercise folder.", missing_hint or f"restore {name} from the template and fill it in")
    return text
