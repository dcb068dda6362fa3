"""How the copywriting pipeline samples, schedules and retries (``copywriting`` in the serving settings).
Kept apart from the pipeline so the settings import nothing heavy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DUPLICATE_COSINE = 0.92
"""Variants closer than this (multilingual embedding cosine) are near-duplicates; the later is replaced."""


class CopywritingSettings(BaseModel):
    """How the pipeline samples, batches and retries (embedded in the serving settings)."""

    model_config = ConfigDict(extra="forbid")

    batch_size: int = Field(default=16, ge=1, le=256, description="Requests per backend call (one round).")
    temperature: float = Field(default=0.9, ge=0.0, le=2.0)
    top_p: float = Field(default=0.95, gt=0.0, le=1.0)
    presence_penalty: float = Field(default=0.3, ge=-2.0, le=2.0)
    duplicate_cosine: float = Field(
        default=DUPLICATE_COSINE, gt=0.0, le=1.0, description="Near-duplicate cut."
    )
    max_rewrites: int = Field(default=1, ge=0, le=3, description="Feedback rewrites per blocked variant.")
    max_diversify: int = Field(
        default=1,
        ge=0,
        le=3,
        description="Re-asks per near-duplicate, showing the variant it is too close to (0: just drop it).",
    )
    diversify_temperature: float = Field(
        default=1.1, ge=0.0, le=2.0, description="Sampling temperature of a near-duplicate's re-ask."
    )
    retry_factor: float = Field(
        default=1.5, ge=0.0, le=10.0, description="New-variant requests beyond N allowed, as a multiple of N."
    )
    expected_yield: float = Field(
        default=0.9, gt=0.0, le=1.0, description="Prior share of requests that become variants (over-asking)."
    )
