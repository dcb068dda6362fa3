"""What a copywriting run returns: the variants with their checks, run statistics and lineage."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from compliance_rules.models import Finding, Verdict
from serving.generation.copywriting.planner import Plan

Status = Literal["ok", "rewritten", "flagged"]


class Variant(BaseModel):
    """One piece of copy in the platform's shape; ``flagged`` ones still fail compliance (see findings)."""

    index: int = Field(ge=0)
    plan: Plan
    fields: dict[str, str | list[str]]
    text: str = Field(description="Title and body flattened; what is shown, embedded and checked.")
    verdict: Verdict
    findings: list[Finding]
    status: Status = Field(description="ok, rewritten (fixed after a blocking finding) or flagged.")
    attempts: int = Field(ge=1, description="Model calls spent on this variant (1 + rewrites).")
    fixes: list[str] = Field(default_factory=list, description="What was changed: trimmed:FIELD, replaced, …")
    nearest_cosine: float = Field(default=0.0, description="Highest cosine to an earlier variant.")


class CopyStats(BaseModel):
    seconds: float = Field(ge=0, description="Wall time of the whole run.")
    llm_seconds: float = Field(ge=0, description="Wall time spent waiting for the model.")
    prompt_tokens: int = Field(default=0, ge=0)
    tokens: int = Field(default=0, ge=0, description="Completion tokens generated.")
    tokens_per_s: float = Field(default=0.0, ge=0, description="Completion tokens per second of model time.")
    requests: int = Field(default=0, ge=0, description="Model requests (new variants and rewrites).")
    rounds: int = Field(default=0, ge=0)
    regenerations: int = Field(default=0, ge=0, description="New-variant requests beyond the number asked.")
    rewrites: int = Field(default=0, ge=0, description="Rewrite requests with compliance feedback.")
    deterministic_fixes: int = Field(
        default=0, ge=0, description="Blocks fixed by the engine's replacements."
    )
    duplicates_replaced: int = Field(default=0, ge=0)
    parse_failures: int = Field(default=0, ge=0)
    length_rejects: int = Field(default=0, ge=0, description="Answers that could not be cut to the limits.")
    direction_leaks: int = Field(
        default=0,
        ge=0,
        description="Answers refused for copying the plan's directions (nothing usable left).",
    )
    directions_stripped: int = Field(
        default=0, ge=0, description="Answers kept after the copied directions were cut out of them."
    )
    diversify_requests: int = Field(
        default=0, ge=0, description="Re-asks of a near-duplicate, shown the variant it is too close to."
    )
    retitled: int = Field(
        default=0,
        ge=0,
        description="Near-duplicate listings made novel by another of their composed titles (no re-ask).",
    )
    backend_errors: int = Field(default=0, ge=0)
    flagged: int = Field(default=0, ge=0, description="Returned variants that still fail compliance.")
    surplus: int = Field(
        default=0,
        ge=0,
        description="Variants made but not returned: extra, unused flagged, pending rewrites.",
    )


class Lineage(BaseModel):
    backend: str
    model_id: str
    prompt_version: str
    seed: int
    encoder: str
    platform: str
    shape: str
    packs: list[str] = Field(default_factory=list, description="Compliance packs applied.")


class CopyResult(BaseModel):
    variants: list[Variant]
    stats: CopyStats
    lineage: Lineage
    output_schema: dict[str, Any] = Field(description="JSON Schema of the fields (with the length limits).")
    shortfall: str | None = Field(default=None, description="Why fewer variants than asked, if so.")
    warnings: list[str] = Field(default_factory=list, description="e.g. prompt_injection_removed:FIELD")


class CopyProgress(BaseModel):
    """Sent to ``on_progress`` after every batch."""

    accepted: int
    target: int
    requests: int
    round: int
