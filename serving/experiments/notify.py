"""What an experiment tells the outside: outbox events (same transaction) and audit entries."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from serving.audit.service import record
from serving.auth.caller import Caller
from serving.events.service import emit
from serving.experiments.models import Experiment, ExperimentArm


def arm_data(arm: ExperimentArm) -> dict[str, Any]:
    """An arm as events carry it."""
    return {
        "id": arm.id,
        "name": arm.name,
        "asset_path": arm.asset_path,
        "commit_id": arm.commit_id,
        "platform": arm.platform,
        "placement": arm.placement,
        "weight": arm.weight,
        "status": arm.status,
    }


def event(session: Session, experiment: Experiment, type_: str, data: dict[str, Any]) -> str:
    """Emit ``type_`` about the experiment; returns the event id."""
    emitted = emit(
        session,
        type_,
        brand_id=experiment.brand_id,
        subject_type="experiment",
        subject_id=experiment.id,
        data={"name": experiment.name, "goal": experiment.goal, **data},
    )
    session.flush()
    return emitted.id


def audit(
    session: Session,
    caller: Caller,
    experiment: Experiment,
    action: str,
    rid: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    record(
        session,
        caller,
        action,
        brand_id=experiment.brand_id,
        target_type="experiment",
        target_id=experiment.id,
        request_id=rid,
        details=details or {},
    )
