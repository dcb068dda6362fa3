"""Unified asset metadata and lineage, stored with every asset version (content-addressed)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


TagName = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class TagSource(StrEnum):
    AI = "ai"
    HUMAN = "human"


class Tag(_Model):
    """A label on an asset; AI tags carry the model's score, human tags do not need one."""

    name: str = Field(min_length=1, max_length=64, description="Tag text, e.g. 'lipstick' or '口红'.")
    source: TagSource = Field(default=TagSource.HUMAN, description="Who set it: ai or human.")
    score: float | None = Field(default=None, ge=0.0, le=1.0, description="Model confidence for AI tags.")


class Licence(_Model):
    """Usage rights of bought or shot material."""

    name: str = Field(min_length=1, max_length=200, description="Licence name or contract number.")
    expires_on: date | None = Field(default=None, description="Last day the asset may be used.")
    territories: tuple[str, ...] = Field(default=(), description="Where it may be used (ISO codes).")


class Source(_Model):
    """Where the asset came from."""

    vendor: str | None = Field(default=None, max_length=200, description="Agency, studio or stock vendor.")
    url: str | None = Field(default=None, max_length=2000, description="Original location, if any.")
    generated: bool = Field(default=False, description="True when a model produced it.")


class Generation(_Model):
    """How a model produced the asset, enough to reproduce it."""

    model: str = Field(min_length=1, max_length=200, description="Model name and version.")
    prompt: str | None = Field(default=None, max_length=20000, description="Prompt or brief used.")
    negative_prompt: str | None = Field(default=None, max_length=20000, description="Negative prompt.")
    seed: int | None = Field(default=None, description="Random seed.")
    pipeline_version: str | None = Field(default=None, max_length=64, description="Atelier pipeline version.")
    job_id: str | None = Field(default=None, max_length=40, description="Generation job that made it.")
    params: dict[str, Any] = Field(default_factory=dict, description="Other generation parameters.")


class DerivedFrom(_Model):
    """An asset this one was made from."""

    path: str = Field(min_length=1, max_length=512, description="Path of the source asset.")
    commit: str | None = Field(default=None, max_length=64, description="Commit holding that version.")
    blob: str | None = Field(default=None, max_length=64, description="sha256 of the source bytes.")
    relation: str = Field(default="derived", max_length=32, description="e.g. crop, resize, remix, variant.")


class Lineage(_Model):
    """Where an asset came from: source assets and generation parameters."""

    derived_from: tuple[DerivedFrom, ...] = Field(default=(), max_length=100, description="Source assets.")
    generation: Generation | None = Field(default=None, description="Set when a model produced the asset.")


class AssetMetadata(_Model):
    """Metadata every asset kind shares."""

    title: str | None = Field(default=None, max_length=300, description="Human title.")
    description: str | None = Field(default=None, max_length=5000, description="Free text.")
    tags: tuple[Tag, ...] = Field(default=(), max_length=200, description="Labels with their source.")
    rejected_tags: tuple[TagName, ...] = Field(
        default=(),
        max_length=200,
        description="Tags a person removed: automatic tagging (AI, brand custom tags) never adds them back.",
    )
    campaign: str | None = Field(default=None, max_length=200, description="Campaign, e.g. '618-2026'.")
    region_id: str | None = Field(default=None, max_length=40, description="Brand region it is for.")
    platforms: tuple[str, ...] = Field(default=(), max_length=20, description="Target platforms.")
    language: str | None = Field(default=None, max_length=16, description="BCP 47 language, e.g. zh-CN.")
    licence: Licence | None = Field(default=None, description="Usage rights.")
    source: Source | None = Field(default=None, description="Origin.")
    lineage: Lineage = Field(default_factory=Lineage, description="Derivation and generation.")
    extra: dict[str, Any] = Field(default_factory=dict, description="Brand-specific fields.")


def _compact(value: Any) -> Any:
    """Drop unset fields (None, empty lists and maps) at every depth; keep explicit values like 'human'."""
    if isinstance(value, dict):
        kept = {k: _compact(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def record_body(kind: str, content_type: str, metadata: AssetMetadata) -> dict[str, Any]:
    """The JSON stored as an asset version's record."""
    return {
        "kind": kind,
        "content_type": content_type,
        "metadata": _compact(metadata.model_dump(mode="json")),
    }
