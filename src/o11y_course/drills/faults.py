"""The fault injector's choice for a drill: which operation, what kind of fault, how strong, from when.

Everything is drawn from the drill's seed, so the same seed always injects the same fault.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from o11y_course.drills.shop import FAULT_TARGETS, OPERATIONS, SERVICES

KINDS = ("latency", "errors")
REQUESTS = 200  # requests in a drill's traffic run
ONSET = (60, 100)  # the fault starts with one of these requests (inclusive range)


@dataclass(frozen=True)
class Fault:
    """One injected fault: ``share`` of the calls to ``target`` from request ``onset`` on are hit."""

    target: str  # "payments.charge"
    kind: str  # "latency" | "errors"
    share: float
    added_ms: tuple[float, float]  # extra self time of a hit call (latency faults)
    onset: int  # index of the first request in the fault window
    deployed: str  # the service whose deploy finished just before the onset

    @property
    def service(self) -> str:
        return OPERATIONS[self.target].service

    @property
    def operation(self) -> str:
        return OPERATIONS[self.target].name


def check_seed(seed: object) -> int:
    """``seed`` as a drill seed: a non-negative int (``bool`` is refused)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"a drill seed is a non-negative int, not {seed!r}")
    return seed


def rng_for(seed: int, stream: str) -> random.Random:
    """An independent, reproducible random stream of drill ``seed`` (str seeds hash the same in every Python)."""
    return random.Random(f"o11y-drill/{check_seed(seed)}/{stream}")


def fault_of(seed: int) -> Fault:
    """The fault drill ``seed`` injects."""
    rng = rng_for(seed, "fault")
    target = rng.choice(FAULT_TARGETS)
    kind = rng.choice(KINDS)
    if kind == "latency":
        low = rng.uniform(300, 500)
        share, added = rng.uniform(0.35, 0.75), (low, low + rng.uniform(200, 400))
    else:
        share, added = rng.uniform(0.15, 0.40), (0.0, 0.0)
    onset = rng.randint(*ONSET)
    owner = OPERATIONS[target].service
    deployed = owner if rng.random() < 0.5 else rng.choice([s for s in SERVICES if s != owner])
    return Fault(target, kind, round(share, 3), (round(added[0], 1), round(added[1], 1)), onset, deployed)
