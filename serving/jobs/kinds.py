"""Job kinds: each declares its brief schema and an async ``run`` that reports progress.

The registry maps names to ``"module:Class"`` strings; a kind's module is imported on first use.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ValidationError

from pipelines.base import Registry
from serving.errors import InvalidInput
from serving.gateway.protocol import ModelGateway


class JobCancelled(Exception):
    """Raised inside a job when cancellation was requested."""


class JobContext(Protocol):
    """What a running job may use: its brief, the model gateway, progress and checkpoints."""

    job_id: str
    brand_id: str
    gateway: ModelGateway
    checkpoint: dict[str, Any]

    async def progress(self, fraction: float, message: str, data: dict[str, Any] | None = None) -> None:
        """Record progress in [0, 1] and send an event to subscribers."""
        ...

    async def save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Persist state so a resumed attempt continues instead of starting over."""
        ...

    def raise_if_cancelled(self) -> None:
        """Raise JobCancelled when the job was cancelled."""
        ...


class JobKind(ABC):
    name: ClassVar[str]
    brief_model: ClassVar[type[BaseModel]]

    @abstractmethod
    async def run(self, ctx: JobContext, brief: BaseModel) -> dict[str, Any]:
        """Do the work; return the JSON result."""


JOB_KINDS = Registry("job kind", {"echo": "serving.jobs.echo:EchoJob"})


def resolve_kind(name: str) -> JobKind:
    try:
        cls = JOB_KINDS.resolve(name)
    except KeyError as exc:
        raise InvalidInput(
            f"unknown job kind {name!r}; known: {', '.join(JOB_KINDS.names())}", code="unknown_job_kind"
        ) from exc
    kind: JobKind = cls()
    return kind


def validate_brief(kind: JobKind, brief: dict[str, Any]) -> BaseModel:
    try:
        return kind.brief_model.model_validate(brief)
    except ValidationError as exc:
        errors = [
            {"loc": ["brief", *err["loc"]], "msg": err["msg"], "type": err["type"]} for err in exc.errors()
        ]
        raise InvalidInput(
            f"the brief does not fit job kind {kind.name!r}", code="invalid_brief", extra={"errors": errors}
        ) from exc
