"""Helpers shared by the job tests: submit, poll with a deadline, read SSE, count and insert rows."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from asset_store.sql import utcnow
from serving.audit.models import AuditEvent
from serving.db import transaction
from serving.jobs.models import Job, JobEvent
from tests.world import World

T = TypeVar("T")
TERMINAL = {"succeeded", "failed", "cancelled"}


def wait_for(probe: Callable[[], T | None], timeout: float = 10.0, interval: float = 0.02) -> T:
    """Call ``probe`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value {value!r})")
        time.sleep(interval)


def submit(
    client: TestClient,
    world: World,
    actor: str = "creative_a",
    *,
    brand: str = "brand_a",
    brief: dict[str, Any] | None = None,
    key: str | None = None,
    **extra: Any,
) -> Any:
    body: dict[str, Any] = {
        "brand_id": world.ids[brand],
        "kind": "echo",
        "brief": brief if brief is not None else {"message": "hello", "steps": 2},
        **extra,
    }
    headers = world.auth(actor)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/v1/generations", json=body, headers=headers)


def fetch_job(client: TestClient, world: World, job_id: str, actor: str = "creative_a") -> dict[str, Any]:
    response = client.get(f"/v1/jobs/{job_id}", headers=world.auth(actor))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_status(
    client: TestClient, world: World, job_id: str, statuses: set[str] | str, timeout: float = 10.0
) -> dict[str, Any]:
    wanted = {statuses} if isinstance(statuses, str) else statuses

    def probe() -> dict[str, Any] | None:
        current = fetch_job(client, world, job_id)
        return current if current["status"] in wanted else None

    return wait_for(probe, timeout)


@dataclass
class SSE:
    id: int | None
    event: str
    data: dict[str, Any]


def parse_sse(text: str) -> list[SSE]:
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        if "event" in fields:
            ident = int(fields["id"]) if "id" in fields else None
            events.append(SSE(ident, fields["event"], json.loads(fields.get("data", "{}"))))
    return events


def count(factory: sessionmaker[Session], model: Any, *where: Any) -> int:
    with transaction(factory) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def audit_count(factory: sessionmaker[Session], action: str) -> int:
    return count(factory, AuditEvent, AuditEvent.action == action)


def load_job(factory: sessionmaker[Session], job_id: str) -> Job:
    with transaction(factory) as session:
        row = session.get(Job, job_id)
        assert row is not None
        return row


def event_types(factory: sessionmaker[Session], job_id: str) -> list[tuple[str, dict[str, Any]]]:
    with transaction(factory) as session:
        rows = session.scalars(select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.seq))
        return [(e.type, e.data) for e in rows]


def insert_job(factory: sessionmaker[Session], brand_id: str, **values: Any) -> str:
    """Write a job row straight to the database (as a crashed or other process would have left it)."""
    fields: dict[str, Any] = {
        "brand_id": brand_id,
        "kind": "echo",
        "status": "queued",
        "brief": {"message": "recover me", "steps": 3, "delay_s": 0.0},
        "principal_id": "usr_test",
        "request_hash": "0" * 64,
    }
    fields.update(values)
    with transaction(factory) as session:
        row = Job(**fields)
        session.add(row)
        session.flush()
        return row.id


def expired(seconds: float = 60.0) -> Any:
    return utcnow() - timedelta(seconds=seconds)
