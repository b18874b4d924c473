"""Reading the data files a ``file_scenario`` brought back from the learner's exercise folder."""

from __future__ import annotations

from o11y_course.feedback import fail
from o11y_course.observation import Observation


def file_text(observation: Observation, name: str) -> str:
    """The text of ``name`` as the files driver read it; fails when it is missing or was refused."""
    refused = observation.values.get("refused", {})
    if name in refused:
        fail(f"{name} could not be read: {refused[name]}.", f"keep {name} as a plain UTF-8 text file in the exercise folder")
    text = observation.values.get("files", {}).get(name)
    if text is None:
        fail(f"{name} is missing from the exercise folder.", f"restore {name} from the template and fill it in")
    return text
