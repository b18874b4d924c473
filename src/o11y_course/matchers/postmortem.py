"""Reading a learner's POSTMORTEM.md: the six sections of a blameless postmortem, filled in."""

from __future__ import annotations

import re
from typing import Any

from o11y_course.feedback import fail
from o11y_course.matchers.markdown import section

NAME = "POSTMORTEM.md"
SECTIONS = ("Summary", "Impact", "Detection", "Root cause", "Resolution", "Action items")
MIN_WORDS = 15
MIN_ACTIONS = 2
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?\S", re.MULTILINE)


def postmortem_text(values: dict[str, Any]) -> str:
    """The text of POSTMORTEM.md; fails the check when it is missing or was not read."""
    found = values.get("postmortem") or {}
    if NAME in found.get("refused", {}):
        fail(f"{NAME} was not read: {found['refused'][NAME]}.", f"keep {NAME} as a UTF-8 text file in the exercise folder")
    text = (found.get("files") or {}).get(NAME)
    if text is None:
        fail(f"{NAME} is missing from the exercise folder.", f"start from the {NAME} template with its six sections")
    return text


def _words(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9]+(?:['.,_-][A-Za-z0-9]+)*", text))


def action_items(body: str) -> int:
    """How many list items (``- ...``, ``1. ...``, ``- [ ] ...``) a section holds."""
    return len(_LIST_ITEM.findall(body))


def section_problems(text: str) -> list[str]:
    """What keeps POSTMORTEM.md from having the six sections, each filled in."""
    problems = []
    for title in SECTIONS:
        found = section(text, title)
        if found is None:
            problems.append(f"there is no '## {title}' section")
        elif re.search(r"\bTODO\b", found.body):
            problems.append(f"the {title} section still says TODO")
        elif _words(found.body) < MIN_WORDS:
            problems.append(f"the {title} section has {_words(found.body)} words; write at least {MIN_WORDS}")
        elif title == "Action items" and action_items(found.body) < MIN_ACTIONS:
            problems.append(f"the Action items section lists {action_items(found.body)} item(s); list at least {MIN_ACTIONS}, one per line starting with '- '")
    return problems


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE) is not None


def names_fault(text: str, service: str, operation: str) -> bool:
    """The Root cause section names both ``service`` and ``operation`` (as words, any case)."""
    found = section(text, "Root cause")
    return found is not None and _mentions(found.body, service) and _mentions(found.body, operation)
