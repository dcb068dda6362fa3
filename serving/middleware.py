"""ASGI middleware: request ids, body size limits, Prometheus request metrics."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.problem import problem_response

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestIdMiddleware:
    """Take a sane ``X-Request-ID`` or make one; echo it on the response.

    ``echo=False`` when a proxy in front already echoes it (Ray Serve's proxy does, with the same id),
    so the response carries one ``X-Request-ID`` header, not two.
    """

    def __init__(self, app: ASGIApp, echo: bool = True) -> None:
        self.app = app
        self.echo = echo

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        if not self.echo:
            await self.app(scope, receive, send)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodySizeLimitMiddleware:
    """Refuse bodies over ``max_bytes`` with 413 problem+json, by Content-Length or while streaming."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, streamed: Sequence[tuple[str, re.Pattern[str]]] = ()
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed = tuple(streamed)
        """(method, path pattern) of routes that stream large bodies and enforce their own limits."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._streams(scope):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        received = 0
        too_large = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise _TooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if too_large and not started:
                return  # the app's answer to a cut-off body (FastAPI: 400 "error parsing") becomes 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            if started:
                raise
        if too_large and not started:
            await self._reject(scope, receive, send)

    def _streams(self, scope: Scope) -> bool:
        method, path = scope.get("method", ""), scope.get("path", "")
        return any(method == m and pattern.match(path) for m, pattern in self.streamed)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            "payload_too_large",
            "Payload too large",
            f"the request body exceeds {self.max_bytes} bytes",
            scope.get("path"),
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class MetricsMiddleware:
    """Count and time requests by method, route template and status."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter(
            "atelier_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=registry
        )
        self.latency = Histogram(
            "atelier_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_code = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            route = _route_template(scope)
            self.requests.labels(scope["method"], route, str(status_code)).inc()
            self.latency.labels(scope["method"], route).observe(time.perf_counter() - started)


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"
