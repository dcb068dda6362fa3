"""Job kinds: each declares its brief schema and an async ``run`` that reports progress.

The registry maps names to ``"module:Class"`` strings; a kind's module is imported on first use.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
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
    resources: Mapping[str, Any]
    """What the app shares with its jobs (session factory, asset services, the compliance checker)."""

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
    internal: ClassVar[bool] = False
    """Internal kinds are queued by the app itself (e.g. review checks), never through the API."""

    @abstractmethod
    async def run(self, ctx: JobContext, brief: BaseModel) -> dict[str, Any]:
        """Do the work; return the JSON result."""


JOB_KINDS = Registry(
    "job kind",
    {
        "echo": "serving.jobs.echo:EchoJob",
        "copy": "serving.generation.copy_job:CopyJob",
        "image": "serving.generation.image_job:ImageJob",
        "poster": "serving.generation.poster_job:PosterJob",
        "creative": "serving.generation.creative_job:CreativeJob",
        "video": "serving.generation.video_job:VideoJob",
        "export": "serving.exports.job:ExportJob",
        "review_check": "serving.reviews.ai_check:ReviewCheckJob",
        "search_index": "serving.vision.jobs:SearchIndexJob",
        "custom_tag": "serving.vision.jobs:CustomTagJob",
    },
)


def resolve_kind(name: str, *, public: bool = False) -> JobKind:
    """The job kind called ``name``; with ``public`` only kinds clients may submit."""
    try:
        cls = JOB_KINDS.resolve(name)
    except KeyError:
        cls = None
    kind: JobKind | None = cls() if cls is not None else None
    if kind is None or (public and kind.internal):
        known = [n for n in JOB_KINDS.names() if not public or not JOB_KINDS.resolve(n).internal]
        raise InvalidInput(f"unknown job kind {name!r}; known: {', '.join(known)}", code="unknown_job_kind")
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
