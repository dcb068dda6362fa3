"""A real HTTP webhook receiver for the tests (aiohttp on 127.0.0.1 in a thread), and small helpers.

The receiver does what the docs ask of one: it verifies the signature over the raw body, rejects stale
timestamps, and applies each event's effect once (dedupe by ``Atelier-Event-Id``). ``plan`` scripts the
status codes it answers; ``lose_first_response`` answers 500 *after* applying an event the first time,
as if the response were lost, so the event comes again (a harmless duplicate).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from serving.db import transaction
from serving.events.service import emit
from serving.webhooks.models import WebhookAttempt, WebhookDelivery
from serving.webhooks.verify import SignatureError, verify_signature

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Received:
    event_id: str
    event_type: str
    headers: dict[str, str]
    body: bytes
    verified: bool


@dataclass
class Receiver:
    """Start/stop at will on a fixed port; between the two, connections are refused."""

    secrets: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    plan: list[int] = field(default_factory=list)
    lose_first_response: bool = False
    tolerance_s: float = 300
    received: list[Received] = field(default_factory=list)
    effects: dict[str, dict[str, Any]] = field(default_factory=dict)
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/hooks"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = dict(request.headers)
        verified = False
        for secret in self.secrets:
            try:
                verify_signature(secret, headers, body, self.tolerance_s)
                verified = True
                break
            except SignatureError:
                continue
        event_id = headers.get("Atelier-Event-Id", "")
        with self._lock:
            self.received.append(
                Received(event_id, headers.get("Atelier-Event-Type", ""), headers, body, verified)
            )
            if not verified:
                return web.Response(status=400, text="bad signature")
            if self.plan:
                status = self.plan.pop(0)
                if status >= 300:
                    return web.Response(status=status, text=f"planned {status}")
            first = event_id not in self.effects
            if first:
                self.effects[event_id] = json.loads(body)  # the effect, applied once per event id
        if first and self.lose_first_response:
            return web.Response(status=500, text="applied, but the response is lost")
        return web.Response(status=204)

    def start(self) -> Receiver:
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application()
            app.router.add_post("/hooks", self._handle)
            self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(self._runner.setup())
            loop.run_until_complete(web.TCPSite(self._runner, HOST, self.port).start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name="webhook-receiver", daemon=True)
        self._thread.start()
        assert ready.wait(10), "the receiver did not start"
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = self._thread = self._runner = None

    def ids(self) -> list[str]:
        with self._lock:
            return [r.event_id for r in self.received]


def emit_events(
    factory: sessionmaker[Session], brand_id: str, types: list[str], data: Callable[[int], dict[str, Any]]
) -> list[str]:
    """Commit one event per type (as domain changes would); returns their ids in order."""
    with transaction(factory) as session:
        events = [
            emit(session, t, brand_id=brand_id, subject_type="test", subject_id=f"s{i}", data=data(i))
            for i, t in enumerate(types)
        ]
        session.flush()
        return [e.id for e in events]


def deliveries(factory: sessionmaker[Session], webhook_id: str) -> list[WebhookDelivery]:
    with factory() as session:
        stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == webhook_id)
        return list(session.scalars(stmt.order_by(WebhookDelivery.event_id)))


def attempts(factory: sessionmaker[Session], delivery_id: str) -> list[WebhookAttempt]:
    with factory() as session:
        stmt = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
        return list(session.scalars(stmt.order_by(WebhookAttempt.attempt)))
