"""Traffic weights of an experiment's arms: validation, changes with their history, and the
``experiment.weights_changed`` event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from serving.auth.caller import Caller
from serving.errors import InvalidInput
from serving.experiments import notify
from serving.experiments.models import Experiment, ExperimentArm, ExperimentWeightChange
from serving.experiments.schemas import WEIGHT_TOLERANCE

WEIGHTS_CHANGED = "experiment.weights_changed"


def current(arms: Sequence[ExperimentArm]) -> dict[str, float]:
    return {arm.id: arm.weight for arm in arms}


def check_sum(weights: Sequence[float]) -> None:
    if any(not 0.0 <= w <= 1.0 for w in weights):
        raise InvalidInput("every weight must be between 0 and 1", code="invalid_weight")
    total = sum(weights)
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise InvalidInput(f"weights must sum to 1 (they sum to {total:.6g})", code="weights_not_normalized")


def find_arm(arms: Sequence[ExperimentArm], key: str) -> ExperimentArm:
    """An arm by id or name (422 ``unknown_arm``)."""
    for arm in arms:
        if key in (arm.id, arm.name):
            return arm
    raise InvalidInput(f"no arm {key!r} in this experiment", code="unknown_arm", extra={"arm": key})


def manual(arms: Sequence[ExperimentArm], given: Mapping[str, float]) -> dict[str, float]:
    """Weights set by a person: every active arm (by id or name) and nothing else, summing to 1."""
    weights: dict[str, float] = {}
    for key, value in given.items():
        arm = find_arm(arms, key)
        if arm.status != "active":
            raise InvalidInput(f"arm {arm.name!r} is retired", code="arm_retired")
        weights[arm.id] = value
    missing = [a.name for a in arms if a.status == "active" and a.id not in weights]
    if missing:
        raise InvalidInput(
            f"give a weight for every active arm (missing: {', '.join(missing)})", code="weights_incomplete"
        )
    check_sum(list(weights.values()))
    return weights


def rescaled(arms: Sequence[ExperimentArm], keep: float) -> dict[str, float]:
    """The active arms' weights scaled to sum to ``keep`` (equal shares if they are all 0)."""
    active = [a for a in arms if a.status == "active"]
    total = sum(a.weight for a in active)
    if total <= 0:
        return {a.id: keep / len(active) for a in active} if active else {}
    return {a.id: a.weight / total * keep for a in active}


def apply(
    session: Session,
    caller: Caller,
    experiment: Experiment,
    arms: Sequence[ExperimentArm],
    weights: Mapping[str, float],
    reason: str,
    detail: dict[str, Any] | None = None,
) -> ExperimentWeightChange:
    """Set the weights (arms left out get 0), record the change, and tell subscribers when traffic is
    live (running, or the final weights of a conclusion)."""
    previous = current(arms)
    for arm in arms:
        arm.weight = float(weights.get(arm.id, 0.0))
    change = ExperimentWeightChange(
        experiment_id=experiment.id,
        reason=reason,
        weights=current(arms),
        previous=previous,
        detail=detail or {},
        created_by=caller.principal_id,
    )
    session.add(change)
    session.flush()
    if experiment.status == "running" or reason == "concluded":
        notify.event(
            session,
            experiment,
            WEIGHTS_CHANGED,
            {
                "change_id": change.id,
                "reason": reason,
                "weights": change.weights,
                "previous": previous,
                "arms": [notify.arm_data(a) for a in arms],
            },
        )
    return change
