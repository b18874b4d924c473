"""Scenarios: what a check asks the sandbox to do with the learner's code (plain data only)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

FLASK_DRIVER = "o11y_course.drivers.flask_app:run"


@dataclass(frozen=True)
class Scenario:
    """A named run of a driver with JSON parameters; equal scenarios share one observation."""

    name: str
    driver: str
    params_json: str = "{}"
    timeout: float | None = None

    @property
    def params(self) -> dict[str, Any]:
        return json.loads(self.params_json)

    @property
    def key(self) -> str:
        digest = hashlib.sha256(f"{self.driver}|{self.params_json}".encode()).hexdigest()[:12]
        return f"{self.name}#{digest}"


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
) -> Scenario:
    """A scenario that builds the learner's Flask app(s) with ``create_app`` and sends ``steps``."""
    params = {
        "module": module,
        "apps": apps,
        "registry": registry,
        "extra_routes": extra_routes or [],
        "steps": steps,
    }
    return Scenario(name, FLASK_DRIVER, json.dumps(params, sort_keys=True), timeout)


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
