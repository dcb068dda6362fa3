"""Wire models of experiment data: metrics ingest, aggregated results, Bayesian analysis, rebalances and
fatigue checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from serving.experiments.schemas import ArmStatus, ExperimentPublic, Goal, WeightChangePublic

Source = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
MAX_BATCH = 1000


class MetricRow(BaseModel):
    """One arm's numbers for one day as a source reports them; sending the same (arm, day, source) again
    replaces the row. Counts must be ≥ 0 with clicks ≤ impressions and conversions ≤ clicks."""

    model_config = ConfigDict(extra="forbid")

    arm: str = Field(min_length=1, max_length=64, description="Arm id or name.")
    day: date = Field(description="The day the numbers are for; not in the future.")
    source: Source = Field(default="default", description="Who reports it, e.g. 'douyin-ads'.")
    impressions: int = Field(description="≥ 0.")
    clicks: int = Field(description="0 ≤ clicks ≤ impressions.")
    conversions: int = Field(default=0, description="0 ≤ conversions ≤ clicks.")
    spend: float = Field(default=0.0, description="≥ 0, in the account's currency.")


class MetricsBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[MetricRow] = Field(min_length=1, max_length=MAX_BATCH)


class IngestResult(BaseModel):
    received: int
    inserted: int
    updated: int
    unchanged: int


class Counts(BaseModel):
    impressions: int
    clicks: int
    conversions: int
    spend: float
    ctr: float | None = Field(description="clicks / impressions.")
    cvr: float | None = Field(description="conversions / clicks.")
    cpc: float | None = Field(description="spend / clicks.")
    cpa: float | None = Field(description="spend / conversions.")


class ArmTotals(Counts):
    arm_id: str
    name: str
    status: ArmStatus


class DayRow(Counts):
    day: date
    arm_id: str


class ResultsPublic(BaseModel):
    experiment_id: str
    goal: Goal
    from_day: date | None
    to_day: date | None
    arms: list[ArmTotals] = Field(description="Totals per arm over the range (all sources).")
    days: list[DayRow] = Field(description="Per arm per day (all sources), by day then arm.")


class ArmAnalysisPublic(BaseModel):
    arm_id: str
    name: str
    status: ArmStatus
    successes: int = Field(description="Clicks (CTR) or conversions (CVR).")
    trials: int = Field(description="Impressions (CTR) or clicks (CVR).")
    rate: float | None = Field(description="Observed successes / trials.")
    posterior_alpha: float
    posterior_beta: float
    posterior_mean: float
    ci_low: float
    ci_high: float
    p_best: float | None = Field(description="Probability this arm has the highest rate (active arms only).")
    expected_loss: float | None = Field(description="Rate given up, on average, by choosing this arm.")


class AnalysisPublic(BaseModel):
    experiment_id: str
    goal: Goal
    method: Literal["exact", "monte_carlo"]
    draws: int = Field(description="Monte Carlo draws behind P(best) and expected loss (0 when exact).")
    credible_level: float
    arms: list[ArmAnalysisPublic]
    winner_arm_id: str | None = Field(description="The arm that meets the decision rule now, if any.")
    rule: dict[str, float]


class RebalanceResult(BaseModel):
    experiment: ExperimentPublic
    change: WeightChangePublic
    analysis: AnalysisPublic
    concluded: bool = Field(description="A winner was declared and the experiment concluded.")


class WindowPublic(BaseModel):
    start: date
    end: date
    impressions: int
    clicks: int
    ctr: float


class ArmFatigue(BaseModel):
    arm_id: str
    name: str
    status: Literal["fatigued", "healthy", "insufficient_data"]
    reason: str
    peak: WindowPublic | None
    recent: WindowPublic | None
    decline: float | None = Field(description="1 − recent CTR / peak CTR.")
    p_value: float | None = Field(
        description="One-sided p of 'recent CTR ≥ (1 − min_decline) · peak CTR', Bonferroni-adjusted over "
        "the windows the peak was chosen from."
    )
    daily_trend: float | None = Field(description="Fitted relative CTR change per day, e.g. −0.05.")
    newly_flagged: bool = Field(description="Flagged by this check (an event was emitted for it).")


class Candidate(BaseModel):
    """A fresh variant that could be rotated in."""

    path: str
    kind: str
    title: str | None
    campaign: str | None
    branch: str
    commit_id: str
    exposure: int = Field(description="Impressions the asset has had in this brand's experiments.")
    reason: Literal["same_campaign", "same_kind"]


class FatigueCheck(BaseModel):
    experiment_id: str
    checked_at: datetime
    arms: list[ArmFatigue]
    fatigued_arm_ids: list[str]
    candidates: list[Candidate] = Field(description="Fresh variants to rotate in, best first.")
    event_id: str | None = Field(description="The experiment.fatigue_detected event, when one was emitted.")
