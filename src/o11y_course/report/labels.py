"""How platform reports name a check: its title, plus the case for a parametrized check."""

from __future__ import annotations

from o11y_course.report.model import CheckResult


def check_label(check: CheckResult) -> str:
    """The check's title, with ``[case]`` appended when the check runs once per case.

    ``test_first_pillar[memory-leak]`` and ``test_first_pillar[late-emails]`` share one title;
    the case keeps their rows and test names apart.
    """
    name = check.name
    if name.endswith("]") and "[" in name:
        case = f"[{name[name.index('[') + 1 : -1]}]"
        if not check.title.endswith(case):  # the grader's titles already name the case
            return f"{check.title} {case}"
    return check.title
