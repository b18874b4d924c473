"""Driver for exercises judged by the standard-library log records that learner code emits.

A capturing handler (level NOTSET) sits on one logger, so it sees every record of that logger and of
its children that propagate, whatever handlers, levels or ``propagate`` flag the learner sets up.
Records are turned into plain dicts the moment they are handled.

Params (all JSON):
  module     learner module to import (default ``shop``)
  logger     the logger to capture (default ``shop``)
  level      a level name the grader sets on that logger before the first step (e.g. ``"DEBUG"``);
             omit it (or null) to leave the level to the learner's own configuration
  steps      a list of steps, run in order; each step is one of
             {"call": "configure_logging", "args": ["warning"]}         a module attribute
             {"call": "shop.lookup", "args": ["tea"]}                    a method of a saved object
             {"emit": ["DEBUG", "INFO"]}                                  the grader logs one probe
                                                                          record per level itself
             with optional keys
             "kwargs"   keyword arguments
             "as"       save the call's result under this name (for later method calls)
             "label"    names the step in ``values`` and in each record's ``step`` (default: the call)
             "catch"    record an exception the call raises instead of failing the run
  An argument ``{"$gateway": {"decline": ["ord-2"], "error": "PaymentError", "reason": "..."}}`` is
  replaced by a fake payment gateway whose ``charge(order_id, amount_cents, card_number, password)``
  returns a transaction id, or raises the learner module's ``error`` class for declined order ids.

Result: ``{"logs": [record, ...], "values": {label: {"returned": ...} | {"raised": {...}}}}`` where a
record is ``{"step", "logger", "levelname", "levelno", "message", "msg", "args", "exc_info",
"exc_type", "exc_message", "extra"}``; ``values["$capture"]`` tells how many records were dropped.
"""

from __future__ import annotations

import builtins
import json
import logging
from types import ModuleType
from typing import Any

from o11y_course.drivers.plain import safe_repr, safe_str
from o11y_course.sandbox.context import DriverContext
from o11y_course.sandbox.learner_errors import LearnerCrash

RECORD_LIMIT = 500
TEXT_LIMIT = 2000
PROBE_MESSAGE = "grader probe record at {level}"
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("x", logging.INFO, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


def _args(args: Any) -> list[str]:
    if isinstance(args, dict):
        return [f"{key}={safe_repr(value, TEXT_LIMIT)}" for key, value in args.items()]
    if isinstance(args, tuple):
        return [safe_repr(value, TEXT_LIMIT) for value in args]
    return [] if args is None else [safe_repr(args, TEXT_LIMIT)]


def record_dict(record: logging.LogRecord, step: str | None) -> dict[str, Any]:
    """A log record as plain data: what it says, how it was built, and what was attached to it."""
    try:
        message = safe_str(record.getMessage(), TEXT_LIMIT)
    except Exception as exc:  # noqa: BLE001 - a message whose arguments do not fit its template
        message = f"<message could not be formatted: {type(exc).__name__}: {safe_str(exc, 200)}>"
    exc_info = record.exc_info if isinstance(record.exc_info, tuple) else None
    exception = exc_info[1] if exc_info and len(exc_info) > 1 else None
    extra = {key: safe_repr(value, TEXT_LIMIT) for key, value in vars(record).items() if key not in _STANDARD_ATTRIBUTES}
    return {
        "step": step,
        "logger": record.name,
        "levelname": record.levelname,
        "levelno": record.levelno,
        "message": message,
        "msg": safe_str(record.msg, TEXT_LIMIT),
        "args": _args(record.args),
        "exc_info": exception is not None,
        "exc_type": type(exception).__name__ if exception is not None else None,
        "exc_message": safe_str(exception, TEXT_LIMIT) if exception is not None else None,
        "extra": extra,
    }


class RecordCapture(logging.Handler):
    """Keeps every record it handles as a plain dict, tagged with the step that was running."""

    def __init__(self, limit: int = RECORD_LIMIT):
        super().__init__(logging.NOTSET)
        self.limit = limit
        self.records: list[dict[str, Any]] = []
        self.dropped = 0
        self.step: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) >= self.limit:
            self.dropped += 1
            return
        self.records.append(record_dict(record, self.step))


class FakeGateway:
    """A payment gateway that declines the order ids it was told to, raising the learner's error class."""

    def __init__(self, error: type[BaseException], decline: list[str], reason: str):
        self.error = error
        self.decline = set(decline)
        self.reason = reason
        self.charges: list[str] = []

    def charge(self, order_id: str, amount_cents: int, card_number: str, password: str) -> str:
        """Charge the card for ``order_id``; return a transaction id or raise for a declined order."""
        self.charges.append(order_id)
        if order_id in self.decline:
            raise self.error(self.reason)
        return f"txn-{len(self.charges):04d}"


def _error_class(ctx: DriverContext, module: ModuleType, name: str) -> type[BaseException]:
    builtin = getattr(builtins, name, None)
    if isinstance(builtin, type) and issubclass(builtin, BaseException):
        return builtin
    return ctx.attribute(module, name)


def _resolve(ctx: DriverContext, module: ModuleType, value: Any) -> Any:
    """Replace ``{"$gateway": spec}`` placeholders (at any depth) with fake gateways."""
    if isinstance(value, dict):
        if set(value) == {"$gateway"}:
            spec = value["$gateway"]
            error = _error_class(ctx, module, spec.get("error", "PaymentError"))
            return FakeGateway(error, list(spec.get("decline", [])), spec.get("reason", "card declined by the issuer"))
        return {key: _resolve(ctx, module, item) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(ctx, module, item) for item in value]
    return value


def _plain(value: Any) -> Any:
    """``value`` when it is JSON data, else its repr."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return safe_repr(value, TEXT_LIMIT)
    return value


def _call_text(step: dict[str, Any]) -> str:
    parts = [safe_repr(arg, 60) for arg in step.get("args", [])]
    parts += [f"{key}={safe_repr(value, 60)}" for key, value in step.get("kwargs", {}).items()]
    return f"{step['call']}({', '.join(parts)})"


def _target(ctx: DriverContext, module: ModuleType, saved: dict[str, Any], call: str) -> Any:
    owner, _, method = call.partition(".")
    if not method:
        return ctx.attribute(module, call)
    if owner not in saved:
        raise KeyError(f"step calls {call!r} but no earlier step saved {owner!r}")
    obj = saved[owner]
    if not hasattr(obj, method):
        raise LearnerCrash(
            "contract",
            {"type": "MissingName", "message": f"{type(obj).__name__} has no method {method}", "traceback": []},
        )
    return getattr(obj, method)


def _run_call(ctx: DriverContext, module: ModuleType, saved: dict[str, Any], step: dict[str, Any], label: str) -> dict[str, Any]:
    fn = _target(ctx, module, saved, step["call"])
    args = _resolve(ctx, module, step.get("args", []))
    kwargs = _resolve(ctx, module, step.get("kwargs", {}))
    phase = f"calling {label}"
    if not step.get("catch"):
        result = ctx.call(phase, fn, *args, **kwargs)
    else:
        ctx.phase(phase)
        try:
            result = fn(*args, **kwargs)
        except MemoryError as exc:
            raise ctx.crash(phase, exc) from None
        except Exception as exc:  # noqa: BLE001 - the step asked to record what learner code raises
            return {"raised": {"type": type(exc).__name__, "message": safe_str(exc, 500)}}
        except BaseException as exc:  # noqa: BLE001 - SystemExit and the like still end the run
            raise ctx.crash(phase, exc) from None
        ctx.raise_noticed_memory_error()
    if "as" in step:
        saved[step["as"]] = result
    return {"returned": _plain(result)}


def _emit_probes(logger: logging.Logger, levels: list[str]) -> dict[str, Any]:
    for name in levels:
        logger.log(logging.getLevelName(name), PROBE_MESSAGE.format(level=name))
    return {"returned": None}


def step_labels(steps: list[dict[str, Any]]) -> list[str]:
    """One unique label per step: its own ``label``, or the call it makes (numbered when repeated)."""
    labels: list[str] = []
    for step in steps:
        label = step.get("label")
        if label is not None:
            if label in labels:
                raise ValueError(f"two steps share the label {label!r}")
        else:
            base = f"probe records at {', '.join(step['emit'])}" if "emit" in step else _call_text(step)
            label, repeat = base, 1
            while label in labels:
                repeat += 1
                label = f"{base} #{repeat}"
        labels.append(label)
    return labels


def run(ctx: DriverContext, params: dict[str, Any]) -> dict[str, Any]:
    """Import the module, capture its logger, run the steps, and report the records and results."""
    module = ctx.import_module(params.get("module", "shop"))
    logger = logging.getLogger(params.get("logger", "shop"))
    if params.get("level"):
        logger.setLevel(params["level"])
    capture = RecordCapture()
    values: dict[str, Any] = {}
    saved: dict[str, Any] = {}
    steps = params.get("steps", [])
    for step, label in zip(steps, step_labels(steps), strict=True):
        if capture not in logger.handlers:  # learner code may clear the logger's handlers
            logger.addHandler(capture)
        capture.step = label
        if "emit" in step:
            values[label] = _emit_probes(logger, step["emit"])
        else:
            values[label] = _run_call(ctx, module, saved, step, label)
        capture.step = None
    logger.removeHandler(capture)
    values["$capture"] = {"captured": len(capture.records), "dropped": capture.dropped}
    return {"logs": capture.records, "values": values}
