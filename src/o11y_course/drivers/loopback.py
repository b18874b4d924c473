"""Sending one request to an app the driver serves on loopback, recorded as an exchange (plain data)."""

from __future__ import annotations

import http.client
from typing import Any

from o11y_course.drivers.flask_app import BODY_LIMIT

POLL_SECONDS = 0.005  # how often a loopback server's idle loop looks for a shutdown request (the default is 0.5 s);
# each look costs microseconds, while every stop of a server waits for the next one


def send(port: int, step: dict[str, Any], *, app: int = 0, timeout: float = 30.0) -> dict[str, Any]:
    """One request on its own connection to 127.0.0.1:``port``; a transport failure is recorded as status 0."""
    method, path = step.get("method", "GET"), step["path"]
    exchange: dict[str, Any] = {"app": app, "method": method, "path": path, "status": 0, "content_type": "", "mimetype": "", "headers": {}, "body": ""}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, headers=step.get("headers") or {})
        response = connection.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as exc:
        exchange["body"] = f"no answer: {type(exc).__name__}: {exc}"
        return exchange
    finally:
        connection.close()
    content_type = response.getheader("Content-Type", "") or ""
    exchange.update(
        status=response.status,
        content_type=content_type,
        mimetype=content_type.split(";", 1)[0].strip().lower(),
        headers=dict(response.getheaders()),
        body=body[:BODY_LIMIT].decode("utf-8", "replace"),
    )
    return exchange
