"""Drills built once per batch: the zygotes of a batch's workers split the seeds between them.

Every worker of a batch needs the evidence of the same drills (about 0.1 s of CPU each through the
OpenTelemetry SDK). With a folder they share, each builder goes through the seeds and claims the
first one nobody has claimed (an exclusive create of ``<seed>.claim``), builds it and publishes it
(``<seed>.evidence``, written aside and renamed into place); then it reads what the others
published. Two workers that start together thus build about half each. A claim whose evidence does
not appear in time (its worker died) is built again here.

The folder is the grader's own: the batch creates it, and it is protected from learner code like
the hidden checks (see ``sandbox.guards``). ``marshal`` keeps tuples as tuples and loads no code.
"""

from __future__ import annotations

import marshal
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

SHARE_ENV = "O11Y_DRILL_SHARE"  # the shared folder, when the zygote runs in a batch worker
WAIT_SECONDS = 20.0  # for a drill another builder claimed; it takes that one about 0.1 s
POLL_SECONDS = 0.01

Evidence = dict[str, Any]


def shared_folder() -> str | None:
    """The batch's shared folder, or None outside a batch."""
    folder = os.environ.get(SHARE_ENV, "")
    return folder if folder and os.path.isdir(folder) else None


def build_shared(seeds: Iterable[int], folder: str, build: Callable[[int], Evidence], *, wait: float = WAIT_SECONDS) -> dict[int, Evidence]:
    """The evidence of every seed: built here for the seeds this call claims, read for the others."""
    found: dict[int, Evidence] = {}
    others: list[int] = []
    for seed in dict.fromkeys(int(s) for s in seeds):
        evidence = _read(folder, seed)
        if evidence is not None:
            found[seed] = evidence
        elif _claim(folder, seed):
            found[seed] = build(seed)
            _publish(folder, seed, found[seed])
        else:
            others.append(seed)
    deadline = time.monotonic() + wait
    for seed in others:
        evidence = _read(folder, seed)
        while evidence is None and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            evidence = _read(folder, seed)
        found[seed] = evidence if evidence is not None else build(seed)
    return found


def _path(folder: str, seed: int, suffix: str) -> str:
    return os.path.join(folder, f"{seed}.{suffix}")


def _claim(folder: str, seed: int) -> bool:
    try:
        os.close(os.open(_path(folder, seed, "claim"), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    return True


def _publish(folder: str, seed: int, evidence: Evidence) -> None:
    aside = _path(folder, seed, f"writing-{os.getpid()}")
    with open(aside, "wb") as handle:
        marshal.dump(evidence, handle)
    os.replace(aside, _path(folder, seed, "evidence"))


def _read(folder: str, seed: int) -> Evidence | None:
    try:
        with open(_path(folder, seed, "evidence"), "rb") as handle:
            evidence = marshal.load(handle)
    except FileNotFoundError:
        return None
    except (EOFError, ValueError, TypeError):  # not what a builder wrote: build it here instead
        return None
    return evidence if isinstance(evidence, dict) else None
