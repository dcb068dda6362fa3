"""Aggregated results of an experiment: totals per arm and numbers per arm per day, with rates and costs."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from serving.auth.caller import Caller
from serving.errors import InvalidInput
from serving.experiments import access
from serving.experiments.metrics import MICROS, Totals, daily, totals_by_arm
from serving.experiments.results_schemas import ArmTotals, DayRow, ResultsPublic

MAX_DAY_ROWS = 20_000


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def counts(totals: Totals) -> dict[str, Any]:
    """The fields of ``Counts``: sums, rates (CTR, CVR) and costs (CPC, CPA)."""
    spend = totals.spend_micros / MICROS
    return {
        "impressions": totals.impressions,
        "clicks": totals.clicks,
        "conversions": totals.conversions,
        "spend": spend,
        "ctr": _ratio(totals.clicks, totals.impressions),
        "cvr": _ratio(totals.conversions, totals.clicks),
        "cpc": _ratio(spend, totals.clicks),
        "cpa": _ratio(spend, totals.conversions),
    }


def results(
    session: Session,
    caller: Caller,
    brand_id: str,
    experiment_id: str,
    from_day: date | None,
    to_day: date | None,
) -> ResultsPublic:
    """Totals per arm (every arm, zeros when it has no data) and the per-day rows within the range."""
    if from_day and to_day and to_day < from_day:
        raise InvalidInput("to_day is before from_day", code="invalid_range")
    experiment = access.load(session, caller, brand_id, experiment_id)
    arms = access.arms_of(session, experiment.id)
    totals = totals_by_arm(session, experiment.id, from_day, to_day)
    days = daily(session, experiment.id, from_day, to_day)
    if len(days) > MAX_DAY_ROWS:
        raise InvalidInput(
            f"the range holds more than {MAX_DAY_ROWS} arm-days; ask for a shorter one",
            code="range_too_large",
        )
    return ResultsPublic(
        experiment_id=experiment.id,
        goal="cvr" if experiment.goal == "cvr" else "ctr",
        from_day=from_day,
        to_day=to_day,
        arms=[
            ArmTotals(
                arm_id=a.id,
                name=a.name,
                status="retired" if a.status == "retired" else "active",
                **counts(totals.get(a.id, Totals())),
            )
            for a in arms
        ],
        days=[DayRow(day=day, arm_id=arm_id, **counts(t)) for day, arm_id, t in days],
    )
