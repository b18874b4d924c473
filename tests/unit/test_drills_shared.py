"""The drills of a batch are built once: builders that share a folder split the seeds between them."""

from __future__ import annotations

import os
import threading
import time

from o11y_course.drills import make_drill
from o11y_course.drills.shared import build_shared

SEEDS = list(range(1, 13))


def fake_evidence(seed: int) -> dict:
    return {"spans": ({"seed": seed, "attributes": {"kind": ("a", "b")}},), "metrics": f"m{seed}", "logs": (f"line {seed}",)}


def test_two_builders_at_once_build_each_seed_once(tmp_path):
    """Two builders that start together each build part of the seeds, none twice, and both end with every seed."""
    built: list[tuple[str, int]] = []
    results: dict[str, dict] = {}

    def builder(name: str) -> None:
        def build(seed: int) -> dict:
            built.append((name, seed))
            time.sleep(0.02)
            return fake_evidence(seed)

        results[name] = build_shared(SEEDS, str(tmp_path), build)

    threads = [threading.Thread(target=builder, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(seed for _, seed in built) == SEEDS  # each seed built exactly once
    assert {name for name, _ in built} == {"a", "b"}  # and the work was shared
    for found in results.values():
        assert found == {seed: fake_evidence(seed) for seed in SEEDS}  # tuples stay tuples


def test_a_claim_that_is_never_published_is_built_here(tmp_path):
    """A builder that claimed a seed and died leaves no evidence: after the wait, the seed is built here."""
    os.close(os.open(tmp_path / "5.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    built: list[int] = []
    found = build_shared([4, 5, 6], str(tmp_path), lambda seed: built.append(seed) or fake_evidence(seed), wait=0.2)
    assert built == [4, 6, 5] and found[5] == fake_evidence(5)


def test_a_file_that_is_not_evidence_is_not_used(tmp_path):
    """A damaged or foreign file where the evidence should be is ignored and the drill built here."""
    (tmp_path / "7.evidence").write_bytes(b"\x00not marshal data")
    os.close(os.open(tmp_path / "7.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    found = build_shared([7], str(tmp_path), fake_evidence, wait=0.1)
    assert found == {7: fake_evidence(7)}


def test_a_real_drill_read_back_equals_the_one_built(tmp_path):
    """The evidence another builder published is exactly what building it here gives."""
    build_shared([3], str(tmp_path), lambda seed: make_drill(seed).evidence_fields())
    found = build_shared([3], str(tmp_path), lambda seed: (_ for _ in ()).throw(AssertionError("built twice")))
    assert found[3] == make_drill(3).evidence_fields()
