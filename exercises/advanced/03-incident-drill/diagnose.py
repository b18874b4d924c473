"""Diagnose an incident drill: which operation of which service is at fault, how, and one trace that shows it.

Run ``python diagnose.py`` to see your answers for the two public drills.
"""

from __future__ import annotations

from incident import Diagnosis, Evidence


def diagnose(evidence: Evidence) -> Diagnosis:
    """Name the faulty service and operation, the kind of fault, and a trace that shows it."""
    # TODO 1 (detect, metrics): parse evidence.metrics and work out each operation's share of 5xx
    #         answers (shop_requests_total) and how its latency is spread (shop_request_duration_seconds).
    # TODO 2 (locate, traces): group evidence.spans into traces; find the deepest spans that failed,
    #         and each span's self time (its duration minus its children's), after the change versus before.
    # TODO 3 (explain, logs): read the log lines of the suspect spans (same span_id) to confirm the cause.
    # TODO 4: return what you found, with the trace_id of one trace in which the fault shows.
    return Diagnosis(service="TODO", operation="TODO", kind="latency", example_trace_id="TODO")


if __name__ == "__main__":
    from incident import PUBLIC_DRILLS, load_drill

    for name, seed in PUBLIC_DRILLS.items():
        print(f"{name} (drill {seed}): {diagnose(load_drill(seed))}")
