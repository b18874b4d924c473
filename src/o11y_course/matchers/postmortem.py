"""Reading a learner's POSTMORTEM.md: the six sections of a blameless postmortem, filled in."""

from __future__ import annotations

import re
from typing import Any

from o11y_course.matchers.files import text_from
from o11y_course.matchers.markdown import section, word_count

NAME = "POSTMORTEM.md"
SECTIONS = ("Summary", "Impact", "Detection", "Root cause", "Resolution", "Action items")
MIN_WORDS = 15
MIN_ACTIONS = 2
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?\S", re.MULTILINE)


def postmortem_text(values: dict[str, Any]) -> str:
    """The text of POSTMORTEM.md; fails the check when it is missing or was not read."""
    return text_from(values.get("postmortem") or {}, NAME, f"start from the {NAME} template with its six sections")


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
        elif word_count(found.body) < MIN_WORDS:
            problems.append(f"the {title} section has {word_count(found.body)} words; write at least {MIN_WORDS}")
        elif title == "Action items" and action_items(found.body) < MIN_ACTIONS:
            problems.append(f"the Action items section lists {action_items(found.body)} item(s); list at least {MIN_ACTIONS}, one per line starting with '- '")
    return problems


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE) is not None


def names_fault(text: str, service: str, operation: str) -> bool:
    """The Root cause section names both ``service`` and ``operation`` (as words, any case)."""
    found = section(text, "Root cause")
    return found is not None and _mentions(found.body, service) and _mentions(found.body, operation)
