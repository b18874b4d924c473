"""Driver for advanced/03-incident-drill: the learner's ``diagnose()`` on drills the grader builds.

For each seed the grader builds the drill with the course's simulator (``o11y_course.drills``),
wraps its evidence in the learner's own ``incident.Evidence`` (by keyword: ``spans``, ``metrics``,
``logs``), calls ``diagnose(evidence)``, and keeps the four attributes of what comes back. The
truth never leaves the simulator here: the checks work it out again from the seed.

Params (all JSON):
  seeds        the drills to run, in order
  postmortem   also read POSTMORTEM.md (default false)

Result ``values``:
  drills       one entry per seed: ``{"seed", "diagnosis": {"service", "operation", "kind",
               "example_trace_id"}}`` with strings, or ``{"seed", "problem": text}`` when the result
               is not a diagnosis, or ``{"seed", "crash": {"phase", "type", "message", "traceback"}}``
  crash        present instead of ``drills`` when importing ``incident`` or ``diagnose`` failed
  postmortem   the files driver's values for POSTMORTEM.md (``files``, ``missing``, ``refused``)
"""

from __future__ import annotations

import json
from typing import Any

from o11y_course.drills.shared import build_shared, shared_folder
from o11y_course.drivers import files
from o11y_course.sandbox.context import DriverContext
from o11y_course.sandbox.learner_errors import LearnerCrash
from o11y_course.scenario import Scenario

DRIVER = "o11y_course.drivers.drill_runner:run"
FIELDS = ("service", "operation", "kind", "example_trace_id")
POSTMORTEM = "POSTMORTEM.md"
POSTMORTEM_MAX_BYTES = 64 * 1024
MAX_FIELD_CHARS = 200
MAX_KEPT_DRILLS = 64  # evidence kept by a zygote (about 1 MB each); a course uses a few dozen seeds
OWN_ZYGOTE = True  # the drills' evidence (about 30 MB for a course) lives in a zygote of its own (see sandbox.pools)

_EVIDENCE: dict[int, dict[str, Any]] = {}


def _build(seed: int) -> dict[str, Any]:
    from o11y_course.drills import make_drill

    return make_drill(seed).evidence_fields()


def _keep(seed: int, evidence: dict[str, Any]) -> None:
    if seed not in _EVIDENCE and len(_EVIDENCE) >= MAX_KEPT_DRILLS:
        _EVIDENCE.pop(next(iter(_EVIDENCE)))
    _EVIDENCE[seed] = evidence


def evidence_of(seed: int) -> dict[str, Any]:
    """The keyword arguments of ``incident.Evidence`` for drill ``seed``, built once per process."""
    if seed not in _EVIDENCE:
        _keep(seed, _build(seed))
    return _EVIDENCE[seed]


def prepare(params: dict[str, Any]) -> None:
    """Build the evidence of the request's drills now (called in the zygote, before any learner code).
    In a batch worker, the workers' zygotes split the building between them (``drills.shared``)."""
    seeds = [int(seed) for seed in params.get("seeds", [])[:MAX_KEPT_DRILLS]]
    missing = [seed for seed in seeds if seed not in _EVIDENCE]
    folder = shared_folder()
    if folder is not None and missing:
        for seed, evidence in build_shared(missing, folder, _build).items():
            _keep(seed, evidence)
    for seed in seeds:
        evidence_of(seed)


def drill_scenario(name: str, seeds: list[int], *, postmortem: bool = False, timeout: float | None = None) -> Scenario:
    """A scenario that runs the learner's ``diagnose()`` on the drills ``seeds`` (and reads POSTMORTEM.md)."""
    params = {"seeds": [int(seed) for seed in seeds], "postmortem": postmortem}
    return Scenario(name, DRIVER, json.dumps(params, sort_keys=True), timeout)


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # noqa: BLE001 - a learner's __repr__ may raise anything
        text = f"<repr() failed: {type(exc).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def diagnosis_data(result: Any) -> dict[str, Any]:
    """``{"diagnosis": {...}}`` with the four fields as strings, or ``{"problem": text}``."""
    found: dict[str, str] = {}
    for name in FIELDS:
        try:
            value = getattr(result, name)
        except Exception:  # noqa: BLE001 - a missing attribute or a property that raises
            return {"problem": f"diagnose() returned {type(result).__name__} {_short(result)}, which has no attribute {name!r}"}
        if not isinstance(value, str):
            return {"problem": f"diagnose() returned a diagnosis whose {name} is {type(value).__name__} {_short(value)}, not a str"}
        found[name] = value[:MAX_FIELD_CHARS]
    return {"diagnosis": found}


def _diagnose_all(ctx: DriverContext, seeds: list[int]) -> dict[str, Any]:
    try:
        evidence_type = ctx.attribute(ctx.import_module("incident"), "Evidence")
        diagnose = ctx.attribute(ctx.import_module("diagnose"), "diagnose")
    except LearnerCrash as crash:
        return {"crash": crash.to_dict()}
    drills = []
    for number, seed in enumerate(seeds, start=1):
        ctx.phase(f"building drill {number}")
        fields = evidence_of(seed)
        try:
            evidence = ctx.call("incident.Evidence(spans=..., metrics=..., logs=...)", evidence_type, **fields)
            result = ctx.call(f"diagnose() on drill {number}", diagnose, evidence)
        except LearnerCrash as crash:
            drills.append({"seed": seed, "crash": crash.to_dict()})
            continue
        drills.append({"seed": seed, **diagnosis_data(result)})
    return {"drills": drills}


def run(ctx: DriverContext, params: dict[str, Any]) -> dict[str, Any]:
    """Run ``diagnose()`` on every drill of ``params["seeds"]``; read POSTMORTEM.md when asked."""
    values = _diagnose_all(ctx, [int(seed) for seed in params.get("seeds", [])])
    if params.get("postmortem"):
        values["postmortem"] = files.run(ctx, {"files": [POSTMORTEM], "max_bytes": POSTMORTEM_MAX_BYTES})["values"]
    return {"values": values}
