"""A minimal OTLP/HTTP trace receiver on loopback: what a Collector would have been sent.

It accepts ``POST /v1/traces`` with a protobuf ``ExportTraceServiceRequest`` (optionally gzip or
deflate compressed), answers an empty ``ExportTraceServiceResponse``, and records each request and
the spans in it as plain data. Any other path is recorded and answered 404, as a Collector would.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from o11y_course.drivers.loopback import POLL_SECONDS

TRACES_PATH = "/v1/traces"
MAX_BODY = 4 * 1024 * 1024
_KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}


def decode_traces(body: bytes, encoding: str = "") -> list[dict[str, Any]]:
    """The spans of one protobuf ``ExportTraceServiceRequest`` body, as plain dicts."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "deflate":
        body = zlib.decompress(body)
    message = ExportTraceServiceRequest()
    message.ParseFromString(body)
    spans = []
    for resource_spans in message.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    {
                        "name": span.name,
                        "kind": _KINDS.get(span.kind, str(span.kind)),
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "service": resource.get("service.name"),
                        "scope": scope_spans.scope.name,
                    }
                )
    return spans


def _value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind in ("string_value", "bool_value", "int_value", "double_value") else None


class OtlpReceiver:
    """``with OtlpReceiver() as receiver:`` serves on 127.0.0.1 until the block ends."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True)

    @property
    def traces_endpoint(self) -> str:
        """The full URL an OTLP/HTTP span exporter should post to."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{TRACES_PATH}"

    @property
    def spans(self) -> list[dict[str, Any]]:
        """Every span received so far, in arrival order."""
        with self._lock:
            return [span for request in self.requests for span in request.get("spans", [])]

    def __enter__(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(entry)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server looks for
                length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
                body = self.rfile.read(length)
                entry: dict[str, Any] = {
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type", ""),
                    "encoding": self.headers.get("Content-Encoding", ""),
                    "bytes": len(body),
                }
                if self.path != TRACES_PATH:
                    receiver._record(entry)
                    self._answer(404, b"")
                    return
                try:
                    entry["spans"] = decode_traces(body, entry["encoding"])
                except Exception as exc:  # noqa: BLE001 - a malformed body is data to report
                    entry["error"] = f"{type(exc).__name__}: {exc}"[:200]
                    receiver._record(entry)
                    self._answer(400, b"")
                    return
                receiver._record(entry)
                self._answer(200, b"")  # an empty ExportTraceServiceResponse serializes to no bytes

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep the access log quiet
                pass

        return Handler
