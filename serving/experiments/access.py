"""Loading an experiment the caller may see, and its public view."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.assets.service import require_brand
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.errors import Conflict, NotFound
from serving.experiments.models import Experiment, ExperimentArm, ExperimentWeightChange
from serving.experiments.schemas import (
    ArmPublic,
    ExperimentConfig,
    ExperimentPublic,
    WeightChangePublic,
)

READ = Permission.BRAND_READ
MANAGE = Permission.EXPERIMENTS_MANAGE


def load(
    session: Session,
    caller: Caller,
    brand_id: str,
    experiment_id: str,
    permission: Permission = READ,
    *,
    lock: bool = False,
) -> Experiment:
    """The experiment of ``brand_id`` (404 for other brands and for brands the caller cannot see);
    ``lock`` holds its row until commit, so concurrent changes to one experiment queue up."""
    require_brand(session, caller, brand_id, permission)
    stmt = select(Experiment).where(Experiment.id == experiment_id, Experiment.brand_id == brand_id)
    if lock:
        stmt = stmt.with_for_update()
    experiment = session.scalars(stmt).first()
    if experiment is None:
        raise NotFound("experiment not found", code="experiment_not_found")
    return experiment


def arms_of(session: Session, experiment_id: str) -> list[ExperimentArm]:
    stmt = select(ExperimentArm).where(ExperimentArm.experiment_id == experiment_id)
    return list(session.scalars(stmt.order_by(ExperimentArm.position)))


def arms_by_experiment(session: Session, ids: Sequence[str]) -> dict[str, list[ExperimentArm]]:
    found: dict[str, list[ExperimentArm]] = {i: [] for i in ids}
    if ids:
        stmt = select(ExperimentArm).where(ExperimentArm.experiment_id.in_(list(ids)))
        for arm in session.scalars(stmt.order_by(ExperimentArm.position)):
            found[arm.experiment_id].append(arm)
    return found


def require_status(experiment: Experiment, allowed: Sequence[str], code: str, doing: str) -> None:
    if experiment.status not in allowed:
        raise Conflict(
            f"cannot {doing} an experiment that is {experiment.status}",
            code=code,
            extra={"experiment_status": experiment.status},
        )


def config_of(experiment: Experiment) -> ExperimentConfig:
    return ExperimentConfig.model_validate(experiment.config or {})


def arm_public(arm: ExperimentArm) -> ArmPublic:
    return ArmPublic(
        id=arm.id,
        name=arm.name,
        position=arm.position,
        asset_path=arm.asset_path,
        commit_id=arm.commit_id,
        blob=arm.blob,
        kind=arm.kind,
        platform=arm.platform,
        placement=arm.placement,
        weight=arm.weight,
        status="retired" if arm.status == "retired" else "active",
        fatigued_at=arm.fatigued_at,
    )


def to_public(experiment: Experiment, arms: Sequence[ExperimentArm]) -> ExperimentPublic:
    return ExperimentPublic.model_validate(
        {
            "id": experiment.id,
            "brand_id": experiment.brand_id,
            "name": experiment.name,
            "description": experiment.description,
            "status": experiment.status,
            "goal": experiment.goal,
            "branch": experiment.branch,
            "config": config_of(experiment),
            "arms": [arm_public(a) for a in arms],
            "start_at": experiment.start_at,
            "end_at": experiment.end_at,
            "started_at": experiment.started_at,
            "stopped_at": experiment.stopped_at,
            "concluded_at": experiment.concluded_at,
            "winner_arm_id": experiment.winner_arm_id,
            "decision": experiment.decision,
            "created_by": experiment.created_by,
            "created_at": experiment.created_at,
            "updated_at": experiment.updated_at,
        }
    )


def change_public(change: ExperimentWeightChange) -> WeightChangePublic:
    return WeightChangePublic(
        id=change.id,
        reason=change.reason,
        weights={k: float(v) for k, v in (change.weights or {}).items()},
        previous={k: float(v) for k, v in (change.previous or {}).items()},
        detail=dict(change.detail or {}),
        created_by=change.created_by,
        created_at=change.created_at,
    )
