"""Wire models of the webhook API: endpoints, secrets, deliveries and their log, replays."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints

from serving.webhooks.filters import FILTER_PATTERN

EventFilter = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=FILTER_PATTERN)]
EventFilters = Annotated[
    list[EventFilter],
    Field(
        max_length=50,
        description="Event types to send: exact ('asset.created'), a prefix ending in '.' ('review.'), "
        "or '*'. Empty: every event of the brand.",
    ),
]
Url = Annotated[HttpUrl, Field(description="Where events are POSTed (http or https).")]
DeliveryStatus = Literal["pending", "succeeded", "dead"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WebhookCreate(_In):
    url: Url
    event_types: EventFilters = []
    description: str | None = Field(default=None, max_length=300, description="A note for people.")
    active: bool = Field(default=True, description="Inactive endpoints receive nothing new.")


class WebhookUpdate(_In):
    url: Url | None = None
    event_types: EventFilters | None = None
    description: str | None = Field(default=None, max_length=300, description="A note for people.")
    active: bool | None = Field(
        default=None,
        description="Inactive: new events are not queued for it; queued ones wait until it is active again.",
    )


class WebhookPublic(BaseModel):
    id: str
    brand_id: str
    url: str
    description: str | None
    event_types: list[str]
    active: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    previous_secret_expires_at: datetime | None = Field(
        description="Until then deliveries are also signed with the secret before the last rotation."
    )


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="The signing secret (whsec_...): shown this once, keep it safe.")


class SecretRotate(_In):
    previous_valid_seconds: int = Field(
        default=86_400,
        ge=0,
        le=7 * 86_400,
        description="How long deliveries keep a second signature made with the old secret (0: none).",
    )


class WebhookSecret(BaseModel):
    webhook_id: str
    secret: str = Field(description="The new signing secret: shown this once.")
    previous_secret_expires_at: datetime | None


class DeliveryPublic(BaseModel):
    id: str
    webhook_id: str
    event_id: str
    event_type: str
    event_created_at: datetime
    status: DeliveryStatus
    attempts: int = Field(description="Attempts ever made, replays included.")
    tries: int = Field(description="Attempts since it was last queued (counted toward max_attempts).")
    next_attempt_at: datetime | None = Field(description="When it will be tried next (pending only).")
    last_status_code: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class AttemptPublic(BaseModel):
    attempt: int
    at: datetime
    status_code: int | None = Field(description="HTTP status; null when no response came (see error).")
    latency_ms: float
    error: str | None
    outcome: Literal["succeeded", "retrying", "dead"]
    detail: dict[str, Any]


class DeliveryDetail(DeliveryPublic):
    log: list[AttemptPublic] = Field(description="Every attempt, oldest first.")


class ReplayRange(_In):
    since: datetime = Field(description="Events created at or after this time (with a timezone).")
    until: datetime | None = Field(default=None, description="Events created before this time; unset: now.")
    event_types: EventFilters | None = None
    include_succeeded: bool = Field(default=True, description="Also send again what was delivered.")


class ReplayResult(BaseModel):
    requeued: int = Field(description="Existing deliveries queued again.")
    created: int = Field(description="Deliveries created for events the endpoint never had.")
