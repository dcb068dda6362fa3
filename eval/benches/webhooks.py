"""Bench "webhooks": signed webhook deliveries per second from the outbox to a local receiver.

``events`` (default 5,000) events of one brand are committed to the outbox of a scratch PostgreSQL
database (SQLite when no server answers; the result says which), with one active endpoint subscribed
to them. The clock runs from the dispatcher's start to the last delivery recorded as succeeded: it
covers the fan-out (outbox → deliveries), the leased claims, signing, the HTTP POSTs (httpx, one pool)
and the log writes. The receiver is an aiohttp server in a separate process that verifies every
signature (``serving.webhooks.verify``) and dedupes by event id, as receivers should; both processes
share this machine's CPUs. ``webhook_events_per_s`` = events / seconds.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import socket
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from serving.db import make_engine, make_session_factory, transaction, upgrade
from serving.events.service import emit
from serving.settings import WebhookSettings
from serving.tenancy.models import Brand
from serving.webhooks.dispatcher import WebhookDispatcher
from serving.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from serving.webhooks.secrets import derive_secret

EVENTS = 5_000
PEPPER = "bench-pepper"
HOST = "127.0.0.1"
PG_DSN = os.environ.get("ATELIER_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
TIMEOUT_S = 300.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(port: int, secret: str, ready: Any, unique: Synchronized[int], bad: Synchronized[int]) -> None:
    """The receiver process: verify, dedupe by event id, answer 204."""
    from aiohttp import web

    from serving.webhooks.verify import SignatureError, verify_signature

    seen: set[str] = set()

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify_signature(secret, request.headers, body)
        except SignatureError:
            with bad.get_lock():
                bad.value += 1
            return web.Response(status=400)
        event_id = request.headers["Atelier-Event-Id"]
        if event_id not in seen:
            seen.add(event_id)
            with unique.get_lock():
                unique.value += 1
        return web.Response(status=204)

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/hooks", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, HOST, port, backlog=1024).start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


@contextmanager
def _receiver(secret: str) -> Iterator[tuple[str, Synchronized[int], Synchronized[int]]]:
    context = multiprocessing.get_context("spawn")
    port = _free_port()
    ready = context.Event()
    unique: Synchronized[int] = context.Value("i", 0)
    bad: Synchronized[int] = context.Value("i", 0)
    process = context.Process(target=_serve, args=(port, secret, ready, unique, bad), daemon=True)
    process.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("the bench receiver did not start")
        yield f"http://{HOST}:{port}/hooks", unique, bad
    finally:
        process.terminate()
        process.join(10)


@contextmanager
def _database() -> Iterator[tuple[str, str]]:
    """A scratch PostgreSQL database (migrated); SQLite in a temp dir if no server answers."""
    import psycopg

    name = f"atelier_bench_webhooks_{os.getpid()}"
    try:
        with psycopg.connect(PG_DSN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        with tempfile.TemporaryDirectory(prefix="atelier-bench-webhooks-") as folder:
            url = f"sqlite:///{folder}/bench.db"
            upgrade(url)
            yield url, "sqlite (fresh, WAL): no PostgreSQL server answered"
        return
    url = PG_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    try:
        upgrade(url)
        yield url, "postgresql on 127.0.0.1 (scratch database)"
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _setup(factory: sessionmaker[Session], url: str, events: int) -> str:
    """A brand, its endpoint at ``url``, and ``events`` committed events; returns the endpoint secret."""
    with transaction(factory) as session:
        brand = Brand(slug="bench", name="Bench")
        session.add(brand)
        session.flush()
        sub = WebhookSubscription(
            brand_id=brand.id, url=url, event_types=["asset."], secret_salt="bench", created_by="bench"
        )
        session.add(sub)
        brand_id = brand.id
    for start in range(0, events, 1000):
        with transaction(factory) as session:
            for i in range(start, min(events, start + 1000)):
                data = {"path": f"kv/{i}.png", "tags": ["food_beverage/coffee"], "campaign": "618"}
                emit(
                    session,
                    "asset.created",
                    brand_id=brand_id,
                    subject_type="asset",
                    subject_id=f"{i:064x}",
                    data=data,
                )
    return derive_secret(PEPPER, "bench")


def _succeeded(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        stmt = select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == "succeeded")
        return int(session.scalar(stmt) or 0)


async def _drain(dispatcher: WebhookDispatcher, factory: sessionmaker[Session], events: int) -> float:
    started = time.perf_counter()
    dispatcher.start()
    try:
        while await asyncio.to_thread(_succeeded, factory) < events:
            if time.perf_counter() - started > TIMEOUT_S:
                raise RuntimeError(f"not all {events} events were delivered in {TIMEOUT_S}s")
            await asyncio.sleep(0.05)
        return time.perf_counter() - started
    finally:
        await dispatcher.stop()


def run(events: int = EVENTS, concurrency: int = 64, batch_size: int = 500) -> dict[str, Any]:
    logging.getLogger("serving").setLevel(logging.WARNING)
    settings = WebhookSettings(
        concurrency=int(concurrency),
        batch_size=int(batch_size),
        poll_seconds=0.05,
        allow_private_targets=True,  # the receiver is on 127.0.0.1
    )
    events = int(events)
    with _database() as (url, database), _receiver(derive_secret(PEPPER, "bench")) as (hook_url, unique, bad):
        engine = make_engine(url, pool_size=10)
        factory = make_session_factory(engine)
        _setup(factory, hook_url, events)
        dispatcher = WebhookDispatcher(factory, settings, PEPPER)
        seconds = asyncio.run(_drain(dispatcher, factory, events))
        with factory() as session:
            latencies = list(session.scalars(select(WebhookAttempt.latency_ms)))
            attempts = len(latencies)
        engine.dispose()
        received, rejected = unique.value, bad.value
    if received != events or rejected:
        raise RuntimeError(f"receiver saw {received} distinct events of {events}, {rejected} bad signatures")
    return {
        "metrics": {
            "webhook_events_per_s": round(events / seconds, 1),
            "webhook_drain_seconds": round(seconds, 3),
            "webhook_attempts": attempts,
            "webhook_post_p50_ms": round(statistics.median(latencies), 2),
            "webhook_post_p99_ms": round(statistics.quantiles(latencies, n=100)[98], 2),
        },
        "config": {
            "events": events,
            "database": database,
            "concurrency": settings.concurrency,
            "batch_size": settings.batch_size,
            "receiver": "aiohttp in a separate process, verifying each signature, dedupe by event id",
            "measured": "dispatcher start → last delivery succeeded (fan-out, claim, sign, POST, log)",
            "cpus": os.cpu_count(),
        },
    }
