"""Settings of the NATS JetStream feed (``nats`` in the serving settings); they import nothing heavy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from serving.nats_feed.subjects import PREFIX_PATTERN, STREAM_NAME_PATTERN


class NatsFeedSettings(BaseModel):
    """Where and how the outbox is published to JetStream (``ATELIER_NATS__ENABLED=true`` turns it on)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=False, description="Publish every outbox event to NATS JetStream.")
    servers: list[str] = Field(
        default_factory=lambda: ["nats://127.0.0.1:4222"],
        min_length=1,
        description="NATS server URLs (a cluster's seeds); credentials may go in the URL.",
    )
    stream: str = Field(
        default="ATELIER",
        pattern=STREAM_NAME_PATTERN,
        description="JetStream stream, created (or updated) on start to capture '<subject_prefix>.>'.",
    )
    subject_prefix: str = Field(
        default="atelier",
        pattern=PREFIX_PATTERN,
        description="First token(s) of every subject: <prefix>.<brand_id or 'global'>.<event type>.",
    )
    duplicate_window_seconds: float = Field(
        default=300.0,
        gt=0,
        le=86_400,
        description="JetStream drops a message whose Nats-Msg-Id (the event id) it saw this recently.",
    )
    max_age_hours: float = Field(
        default=168.0, ge=0, description="How long the stream keeps messages (0: until deleted)."
    )
    replicas: int = Field(default=1, ge=1, le=5, description="Stream replicas (3 on a JetStream cluster).")
    batch_size: int = Field(default=500, ge=1, le=5000, description="Events published per round.")
    poll_seconds: float = Field(default=0.5, gt=0, description="How often an idle publisher looks for work.")
    lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="One process publishes at a time; another takes over when its lease runs out.",
    )
    publish_timeout_seconds: float = Field(
        default=5.0, gt=0, le=120, description="How long a round waits for JetStream's acknowledgements."
    )
    connect_timeout_seconds: int = Field(default=2, ge=1, le=60, description="Per-server connect timeout.")
    backoff_base_seconds: float = Field(
        default=0.5, gt=0, description="Wait after the first failed round (NATS down); doubles each time."
    )
    backoff_max_seconds: float = Field(default=30.0, gt=0, description="Longest wait between failed rounds.")

    @model_validator(mode="after")
    def _window_outlasts_a_republish(self) -> NatsFeedSettings:
        # A republish comes at the latest one lease (crash) or one backoff (lost ack) after the first copy.
        latest = max(self.lease_seconds, self.backoff_max_seconds) + self.publish_timeout_seconds
        if self.duplicate_window_seconds <= latest:
            raise ValueError(
                f"duplicate_window_seconds must exceed max(lease_seconds, backoff_max_seconds) + "
                f"publish_timeout_seconds ({latest:g}), or a republished event reaches consumers twice"
            )
        if self.max_age_hours and self.duplicate_window_seconds > self.max_age_hours * 3600:
            raise ValueError("duplicate_window_seconds cannot exceed the stream's max_age_hours")
        return self
