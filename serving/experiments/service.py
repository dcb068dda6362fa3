"""Experiments of a brand: create, list, read, change, start and stop (audited; starts and stops are
events for the distribution layer)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from asset_store.sql import utcnow
from serving.assets.service import require_brand
from serving.assets.services import AssetServices
from serving.auth.caller import Caller
from serving.errors import InvalidInput
from serving.experiments import access, arms, notify, weights
from serving.experiments.models import Experiment, ExperimentWeightChange
from serving.experiments.schemas import (
    ExperimentCreate,
    ExperimentPublic,
    ExperimentUpdate,
    Status,
    WeightChangePublic,
)
from serving.pagination import Page, PageParams, paginate


def create(
    session: Session,
    caller: Caller,
    services: AssetServices,
    brand_id: str,
    body: ExperimentCreate,
    rid: str | None,
) -> ExperimentPublic:
    """A draft over the given variants, each pinned to the commit its ref points at now."""
    require_brand(session, caller, brand_id, access.MANAGE)
    repo = services.repository(session, brand_id)
    shares = arms.initial_weights(body.arms)
    rows = [arms.resolve(repo, arm, body.branch, k) for k, arm in enumerate(body.arms)]
    arms.check_distinct(rows)
    experiment = Experiment(
        brand_id=brand_id,
        name=body.name,
        description=body.description,
        status="draft",
        goal=body.goal,
        branch=body.branch,
        config=body.config.model_dump(mode="json"),
        start_at=body.start_at,
        end_at=body.end_at,
        created_by=caller.principal_id,
    )
    session.add(experiment)
    session.flush()
    for arm in rows:
        arm.experiment_id = experiment.id
    session.add_all(rows)
    session.flush()
    weights.apply(
        session, caller, experiment, rows, {a.id: w for a, w in zip(rows, shares, strict=True)}, "created"
    )
    notify.audit(
        session, caller, experiment, "experiment.create", rid, {"arms": len(rows), "goal": body.goal}
    )
    return access.to_public(experiment, rows)


def list_experiments(
    session: Session,
    caller: Caller,
    brand_id: str,
    page: PageParams,
    max_limit: int,
    status: Status | None,
) -> Page[ExperimentPublic]:
    require_brand(session, caller, brand_id, access.READ)
    stmt = select(Experiment).where(Experiment.brand_id == brand_id)
    if status is not None:
        stmt = stmt.where(Experiment.status == status)
    rows, cursor = paginate(session, stmt, Experiment.id, page, max_limit)
    by_id = access.arms_by_experiment(session, [e.id for e in rows])
    return Page(items=[access.to_public(e, by_id[e.id]) for e in rows], next_cursor=cursor)


def get(session: Session, caller: Caller, brand_id: str, experiment_id: str) -> ExperimentPublic:
    experiment = access.load(session, caller, brand_id, experiment_id)
    return access.to_public(experiment, access.arms_of(session, experiment.id))


def update(
    session: Session,
    caller: Caller,
    brand_id: str,
    experiment_id: str,
    body: ExperimentUpdate,
    rid: str | None,
) -> ExperimentPublic:
    """Rename, re-describe or re-plan any time; goal and config in a draft; weights by hand while the
    experiment is a draft or running."""
    experiment = access.load(session, caller, brand_id, experiment_id, access.MANAGE, lock=True)
    rows = access.arms_of(session, experiment.id)
    changed = body.model_dump(exclude_unset=True)
    for field in ("goal", "config"):
        if field in changed:
            access.require_status(experiment, ("draft",), "experiment_not_editable", f"change the {field} of")
    if "weights" in changed:
        access.require_status(experiment, arms.EDITABLE, "experiment_not_editable", "set weights of")
    for field in ("name", "goal"):
        if changed.get(field) is None and field in changed:
            raise InvalidInput(f"{field} cannot be null", code="invalid_input")
    if body.name is not None:
        experiment.name = body.name
    if "description" in changed:
        experiment.description = body.description
    if "start_at" in changed:
        experiment.start_at = body.start_at
    if "end_at" in changed:
        experiment.end_at = body.end_at
    if experiment.start_at and experiment.end_at and experiment.end_at <= experiment.start_at:
        raise InvalidInput("end_at must be after start_at", code="invalid_schedule")
    if body.goal is not None:
        experiment.goal = body.goal
    if body.config is not None:
        experiment.config = body.config.model_dump(mode="json")
    if body.weights is not None:
        weights.apply(session, caller, experiment, rows, weights.manual(rows, body.weights), "manual")
    experiment.updated_at = utcnow()
    notify.audit(session, caller, experiment, "experiment.update", rid, {"fields": sorted(changed)})
    return access.to_public(experiment, rows)


def start(
    session: Session, caller: Caller, brand_id: str, experiment_id: str, rid: str | None
) -> ExperimentPublic:
    """draft → running: traffic follows the weights from now on (event ``experiment.started``)."""
    experiment = access.load(session, caller, brand_id, experiment_id, access.MANAGE, lock=True)
    access.require_status(experiment, ("draft",), "experiment_not_startable", "start")
    rows = access.arms_of(session, experiment.id)
    experiment.status = "running"
    experiment.started_at = experiment.updated_at = utcnow()
    notify.event(session, experiment, "experiment.started", {"arms": [notify.arm_data(a) for a in rows]})
    notify.audit(session, caller, experiment, "experiment.start", rid)
    return access.to_public(experiment, rows)


def stop(
    session: Session, caller: Caller, brand_id: str, experiment_id: str, rid: str | None
) -> ExperimentPublic:
    """draft or running → stopped, without a winner (event ``experiment.stopped``); metrics that arrive
    late are still taken, and a stopped experiment can still be concluded."""
    experiment = access.load(session, caller, brand_id, experiment_id, access.MANAGE, lock=True)
    access.require_status(experiment, ("draft", "running"), "experiment_not_stoppable", "stop")
    experiment.status = "stopped"
    experiment.stopped_at = experiment.updated_at = utcnow()
    notify.event(session, experiment, "experiment.stopped", {})
    notify.audit(session, caller, experiment, "experiment.stop", rid)
    return access.to_public(experiment, access.arms_of(session, experiment.id))


def weight_history(
    session: Session,
    caller: Caller,
    brand_id: str,
    experiment_id: str,
    page: PageParams,
    max_limit: int,
) -> Page[WeightChangePublic]:
    """Every change of the weights, oldest first."""
    experiment = access.load(session, caller, brand_id, experiment_id)
    stmt = select(ExperimentWeightChange).where(ExperimentWeightChange.experiment_id == experiment.id)
    rows, cursor = paginate(session, stmt, ExperimentWeightChange.id, page, max_limit)
    return Page(items=[access.change_public(c) for c in rows], next_cursor=cursor)
