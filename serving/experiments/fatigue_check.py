"""Creative-fatigue checks of an experiment's active arms: flag arms whose CTR decayed, propose fresh
variants, and emit ``experiment.fatigue_detected`` for arms flagged for the first time."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from asset_store.sql import utcnow
from pipelines.experiments.fatigue import DailyCounts, FatigueReport, FatigueRule, Window, detect_fatigue
from serving.assets.services import AssetServices
from serving.auth.caller import Caller
from serving.experiments import access, notify
from serving.experiments.candidates import find_candidates
from serving.experiments.metrics import daily
from serving.experiments.models import ExperimentArm
from serving.experiments.results_schemas import ArmFatigue, FatigueCheck, WindowPublic

FATIGUE_DETECTED = "experiment.fatigue_detected"


def _window(window: Window | None) -> WindowPublic | None:
    if window is None:
        return None
    return WindowPublic(
        start=window.start,
        end=window.end,
        impressions=window.impressions,
        clicks=window.clicks,
        ctr=window.ctr,
    )


def _arm_fatigue(arm: ExperimentArm, report: FatigueReport, newly: bool) -> ArmFatigue:
    return ArmFatigue(
        arm_id=arm.id,
        name=arm.name,
        status=report.status,
        reason=report.reason,
        peak=_window(report.peak),
        recent=_window(report.recent),
        decline=report.decline,
        p_value=report.p_value,
        daily_trend=report.daily_trend,
        newly_flagged=newly,
    )


def _assess(
    session: Session, experiment_id: str, arms: list[ExperimentArm], rule: dict[str, Any], now: datetime
) -> list[ArmFatigue]:
    """Each active arm's report; sets ``fatigued_at`` on a new flag and clears it once healthy."""
    series: dict[str, list[DailyCounts]] = defaultdict(list)
    for day, arm_id, totals in daily(session, experiment_id):
        series[arm_id].append(DailyCounts(day, totals.impressions, totals.clicks))
    results: list[ArmFatigue] = []
    for arm in (a for a in arms if a.status == "active"):
        report = detect_fatigue(series.get(arm.id, []), FatigueRule(**rule))
        newly = report.status == "fatigued" and arm.fatigued_at is None
        if newly:
            arm.fatigued_at = now
        elif report.status == "healthy":
            arm.fatigued_at = None
        results.append(_arm_fatigue(arm, report, newly))
    return results


def check(
    session: Session,
    caller: Caller,
    services: AssetServices,
    brand_id: str,
    experiment_id: str,
    rid: str | None,
) -> FatigueCheck:
    """Run the detector on every active arm. A flag sticks until a later check finds the arm healthy, so
    the event is emitted once per fatigue episode, not on every check."""
    experiment = access.load(session, caller, brand_id, experiment_id, access.MANAGE, lock=True)
    arms = access.arms_of(session, experiment.id)
    now = utcnow()
    results = _assess(session, experiment.id, arms, access.config_of(experiment).fatigue.model_dump(), now)
    fatigued = [r for r in results if r.status == "fatigued"]
    candidates = find_candidates(session, services, experiment, arms) if fatigued else []
    event_id = None
    if any(r.newly_flagged for r in results):
        event_id = notify.event(
            session,
            experiment,
            FATIGUE_DETECTED,
            {
                "arms": [r.model_dump(mode="json") for r in fatigued if r.newly_flagged],
                "candidates": [c.model_dump(mode="json") for c in candidates],
            },
        )
        notify.audit(
            session, caller, experiment, "experiment.fatigue", rid, {"arms": [r.arm_id for r in fatigued]}
        )
    return FatigueCheck(
        experiment_id=experiment.id,
        checked_at=now,
        arms=results,
        fatigued_arm_ids=[r.arm_id for r in fatigued],
        candidates=candidates,
        event_id=event_id,
    )
