"""Scenarios: what a check asks the sandbox to do with the learner's code (plain data only)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

FLASK_DRIVER = "o11y_course.drivers.flask_app:run"
FILES_DRIVER = "o11y_course.drivers.files:run"


@dataclass(frozen=True)
class Scenario:
    """A named run of a driver with JSON parameters; scenarios with the same run share one observation."""

    name: str
    driver: str
    params_json: str = "{}"
    timeout: float | None = None

    @property
    def params(self) -> dict[str, Any]:
        return json.loads(self.params_json)

    @property
    def key(self) -> str:
        """What the run depends on (driver, parameters, time limit), not its name: two checks that
        describe the same run under different names share one observation."""
        return hashlib.sha256(f"{self.driver}|{self.params_json}|{self.timeout}".encode()).hexdigest()[:16]


def request(method: str, path: str, *, app: int = 0, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """One HTTP request step for the Flask driver."""
    step: dict[str, Any] = {"method": method, "path": path, "app": app}
    if headers:
        step["headers"] = headers
    return step


def get(path: str, *, app: int = 0) -> dict[str, Any]:
    """A GET request step."""
    return request("GET", path, app=app)


def flask_scenario(
    name: str,
    steps: list[dict[str, Any]],
    *,
    apps: int = 1,
    registry: str = "fresh",
    extra_routes: list[dict[str, str]] | None = None,
    module: str = "app",
    timeout: float | None = None,
    log_stream: bool = False,
) -> Scenario:
    """A scenario that builds the learner's Flask app(s) with ``create_app`` and sends ``steps``.

    With ``log_stream`` each app gets ``log_stream=io.StringIO()`` and its lines come back as ``logs``.
    """
    params: dict[str, Any] = {
        "module": module,
        "apps": apps,
        "registry": registry,
        "extra_routes": extra_routes or [],
        "steps": steps,
    }
    if log_stream:
        params["log_stream"] = True
    return Scenario(name, FLASK_DRIVER, json.dumps(params, sort_keys=True), timeout)


def file_scenario(name: str, files: list[str], *, max_bytes: int = 256 * 1024, timeout: float | None = None) -> Scenario:
    """A scenario that reads data files (``answers.toml``, ``alerts.yml``) from the learner's exercise folder."""
    params = {"files": list(files), "max_bytes": max_bytes}
    return Scenario(name, FILES_DRIVER, json.dumps(params, sort_keys=True), timeout)


@dataclass(frozen=True)
class HttpExchange:
    """One request the scenario sent and the response the learner's app gave."""

    method: str
    path: str
    status: int
    mimetype: str
    content_type: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    app: int = 0


LOG_RECORDS_DRIVER = "o11y_course.drivers.log_records:run"


def call(target: str, *args: Any, label: str | None = None, save_as: str | None = None, catch: bool = False, **kwargs: Any) -> dict[str, Any]:
    """One step for the log-records driver: call a module attribute, or ``saved_name.method``.

    ``label`` names the step (its records and its result); ``save_as`` keeps the result for later
    method calls; ``catch`` records an exception instead of failing the run.
    """
    step: dict[str, Any] = {"call": target, "args": list(args)}
    if kwargs:
        step["kwargs"] = kwargs
    if label is not None:
        step["label"] = label
    if save_as is not None:
        step["as"] = save_as
    if catch:
        step["catch"] = True
    return step


def probe(*levels: str, label: str | None = None) -> dict[str, Any]:
    """A step in which the grader itself logs one record per level through the captured logger."""
    step: dict[str, Any] = {"emit": list(levels)}
    if label is not None:
        step["label"] = label
    return step


def payment_gateway(decline: tuple[str, ...] | list[str] = (), *, error: str = "PaymentError", reason: str = "card declined by the issuer") -> dict[str, Any]:
    """An argument placeholder: a fake gateway that raises ``error`` for the ``decline`` order ids."""
    return {"$gateway": {"decline": list(decline), "error": error, "reason": reason}}


def log_scenario(
    name: str,
    steps: list[dict[str, Any]],
    *,
    module: str = "shop",
    logger: str = "shop",
    level: str | None = "DEBUG",
    timeout: float | None = None,
) -> Scenario:
    """A scenario that runs ``steps`` against ``module`` and captures the records of ``logger``.

    ``level`` is set on the logger by the grader before the steps; ``None`` leaves it to the learner.
    """
    params = {"module": module, "logger": logger, "level": level, "steps": steps}
    return Scenario(name, LOG_RECORDS_DRIVER, json.dumps(params, sort_keys=True), timeout)
