"""Wire models of experiments: create, update, arms, analysis settings and the public views."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Goal = Literal["ctr", "cvr"]
Status = Literal["draft", "running", "stopped", "concluded"]
ArmStatus = Literal["active", "retired"]
ArmName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$", strip_whitespace=True)
]
Label = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
WEIGHT_TOLERANCE = 1e-6


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PriorConfig(_In):
    alpha: float = Field(default=1.0, gt=0, le=1e6, description="Beta prior α (1 with β=1: uniform).")
    beta: float = Field(default=1.0, gt=0, le=1e6, description="Beta prior β.")


class DecisionConfig(_In):
    p_best: float = Field(default=0.95, ge=0.5, lt=1, description="P(best) a winner needs.")
    max_loss: float = Field(
        default=0.001,
        gt=0,
        le=1,
        description="Expected loss a winner must stay under, in rate units (0.001 = 0.1 percentage point).",
    )
    min_trials: int = Field(
        default=100, ge=0, description="Trials (impressions for CTR, clicks for CVR) every arm needs first."
    )


class FatigueConfig(_In):
    window_days: int = Field(default=3, ge=1, le=30, description="Days in the recent and peak windows.")
    min_decline: float = Field(
        default=0.30, gt=0, lt=1, description="CTR drop from the peak that is fatigue."
    )
    alpha: float = Field(default=0.05, gt=0, le=0.5, description="Level of the one-sided test.")
    min_window_impressions: int = Field(default=1000, ge=1, description="Impressions a window needs.")


class ExperimentConfig(_In):
    """How results are analysed and traffic is shifted."""

    prior: PriorConfig = Field(default_factory=PriorConfig, description="Beta prior of every arm's rate.")
    decision: DecisionConfig = Field(default_factory=DecisionConfig, description="When a winner is declared.")
    weight_floor: float = Field(
        default=0.05, ge=0, le=0.5, description="Least traffic share any active arm keeps after a rebalance."
    )
    auto_conclude: bool = Field(
        default=True, description="A rebalance that finds a winner concludes the experiment."
    )
    fatigue: FatigueConfig = Field(default_factory=FatigueConfig, description="Creative-fatigue detection.")


class ArmCreate(_In):
    name: ArmName | None = Field(default=None, description="Label, e.g. 'A'; defaults to A, B, C, …")
    asset_path: str = Field(
        min_length=1, max_length=1024, description="The variant's path in the repository."
    )
    ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Branch, tag or commit of the version; pinned to its commit (default: the experiment's "
        "branch).",
    )
    platform: Label | None = Field(default=None, description="e.g. douyin.")
    placement: Label | None = Field(default=None, description="e.g. feed.")
    weight: float | None = Field(
        default=None, ge=0, le=1, description="Traffic share; give every arm's or none (equal split)."
    )


class ExperimentCreate(_In):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    goal: Goal = Field(default="ctr", description="ctr = clicks/impressions, cvr = conversions/clicks.")
    branch: str = Field(default="main", min_length=1, max_length=100, description="Where variants live.")
    arms: list[ArmCreate] = Field(min_length=2, max_length=20)
    start_at: datetime | None = Field(default=None, description="Planned start (informational).")
    end_at: datetime | None = Field(default=None, description="Planned end (informational).")
    config: ExperimentConfig = Field(default_factory=ExperimentConfig)

    @model_validator(mode="after")
    def _check(self) -> ExperimentCreate:
        if self.start_at and self.end_at and self.end_at <= self.start_at:
            raise ValueError("end_at must be after start_at")
        return self


class ExperimentUpdate(_In):
    """Fields left out stay as they are. ``goal`` and ``config`` change only in a draft."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    start_at: datetime | None = None
    end_at: datetime | None = None
    goal: Goal | None = None
    config: ExperimentConfig | None = None
    weights: dict[str, float] | None = Field(
        default=None, description="Manual weights of every active arm (by arm id or name), summing to 1."
    )


class ArmAdd(ArmCreate):
    """A fresh variant rotated in; it gets an equal share, taken proportionally from the others."""


class ConcludeRequest(_In):
    arm_id: str | None = Field(
        default=None,
        max_length=64,
        description="Declare this arm (id or name) the winner by decision; without it the rule must hold.",
    )


class ArmPublic(BaseModel):
    id: str
    name: str
    position: int
    asset_path: str
    commit_id: str
    blob: str
    kind: str
    platform: str | None
    placement: str | None
    weight: float
    status: ArmStatus
    fatigued_at: datetime | None


class ExperimentPublic(BaseModel):
    id: str
    brand_id: str
    name: str
    description: str | None
    status: Status
    goal: Goal
    branch: str
    config: ExperimentConfig
    arms: list[ArmPublic]
    start_at: datetime | None
    end_at: datetime | None
    started_at: datetime | None
    stopped_at: datetime | None
    concluded_at: datetime | None
    winner_arm_id: str | None
    decision: dict[str, Any] | None
    created_by: str
    created_at: datetime
    updated_at: datetime


class WeightChangePublic(BaseModel):
    id: str
    reason: str
    weights: dict[str, float] = Field(description="Arm id → share after the change.")
    previous: dict[str, float] = Field(description="Arm id → share before it.")
    detail: dict[str, Any]
    created_by: str
    created_at: datetime
