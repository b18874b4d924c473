"""The inventory service: how many of an item are in stock."""

from __future__ import annotations

import sys
from typing import TextIO

from flask import Flask, jsonify
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CollectorRegistry
from telemetry import instrument, json_logger

INVENTORY = {"apple": 3, "pear": 0, "plum": 7}


def lookup(sku: str) -> int | None:
    """Units in stock, or None for an unknown sku; the sku "boom" stands for a broken store."""
    if sku == "boom":
        raise RuntimeError("inventory store unavailable")
    return INVENTORY.get(sku)


def create_app(tracer_provider: TracerProvider, registry: CollectorRegistry | None = None, log_stream: TextIO | None = None) -> Flask:
    """The backend app, traced with ``tracer_provider``, metrics on ``registry``, JSON logs on ``log_stream``."""
    app = Flask(__name__)
    log = json_logger(log_stream if log_stream is not None else sys.stdout)
    instrument(app, tracer_provider, registry if registry is not None else CollectorRegistry(), log)
    tracer = tracer_provider.get_tracer(__name__)

    @app.route("/inventory/<sku>")
    def inventory(sku: str):
        # An exception inside the span marks it ERROR with an exception event, then reaches Flask (500).
        with tracer.start_as_current_span("inventory.lookup", attributes={"inventory.sku": sku}):
            in_stock = lookup(sku)
            log.info("inventory looked up", sku=sku, in_stock=in_stock)
        if in_stock is None:  # answered outside the span: a 404 is a correct answer, not a failed lookup
            return jsonify(error="unknown sku", sku=sku), 404
        return jsonify(sku=sku, in_stock=in_stock)

    return app
