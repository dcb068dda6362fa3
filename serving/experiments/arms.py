"""Arms as creative variants: each pinned to an asset version of the brand's repository; arms added
(a fresh variant rotated in) or retired while an experiment runs."""

from __future__ import annotations

import string
from collections.abc import Sequence

from sqlalchemy.orm import Session

from asset_store.errors import ObjectNotFound, RefNotFound
from asset_store.repo.repository import Repository
from serving.assets.services import AssetServices
from serving.auth.caller import Caller
from serving.errors import Conflict, InvalidInput
from serving.experiments import access, notify, weights
from serving.experiments.models import ExperimentArm
from serving.experiments.schemas import ArmAdd, ArmCreate, ExperimentPublic

MAX_ARMS = 20
EDITABLE = ("draft", "running")


def default_name(position: int) -> str:
    letters = string.ascii_uppercase
    return letters[position] if position < len(letters) else f"arm-{position + 1}"


def resolve(repo: Repository, body: ArmCreate, default_ref: str, position: int) -> ExperimentArm:
    """An (unsaved) arm for ``body``: the asset must exist at the ref, which is pinned to its commit."""
    ref = body.ref or default_ref
    try:
        commit = repo.resolve(ref)
    except RefNotFound as exc:
        raise InvalidInput(f"no branch, tag or commit {ref!r}", code="arm_ref_not_found") from exc
    try:
        version = repo.get(commit.id, body.asset_path)
    except ObjectNotFound as exc:
        raise InvalidInput(
            f"no asset {body.asset_path!r} at {ref!r}",
            code="arm_asset_not_found",
            extra={"asset_path": body.asset_path},
        ) from exc
    return ExperimentArm(
        name=body.name or default_name(position),
        position=position,
        asset_path=version.path,
        commit_id=version.commit_id,
        blob=version.entry.blob,
        kind=version.entry.kind,
        platform=body.platform,
        placement=body.placement,
        weight=0.0,
        status="active",
    )


def check_distinct(arms: Sequence[ExperimentArm]) -> None:
    names = [a.name for a in arms]
    if len(set(names)) != len(names):
        raise InvalidInput("arm names must be unique", code="duplicate_arm_name")
    variants = [(a.asset_path, a.commit_id, a.platform, a.placement) for a in arms]
    if len(set(variants)) != len(variants):
        raise InvalidInput(
            "two arms are the same variant (path, version, platform and placement)", code="duplicate_arm"
        )


def initial_weights(bodies: Sequence[ArmCreate]) -> list[float]:
    """The weights given for every arm, or an equal split when none is given."""
    given = [b.weight for b in bodies]
    if all(w is None for w in given):
        return [1.0 / len(bodies)] * len(bodies)
    if any(w is None for w in given):
        raise InvalidInput("give a weight for every arm or for none", code="weights_incomplete")
    values = [float(w) for w in given if w is not None]
    weights.check_sum(values)
    return values


def add_arm(
    session: Session,
    caller: Caller,
    services: AssetServices,
    brand_id: str,
    experiment_id: str,
    body: ArmAdd,
    rid: str | None,
) -> ExperimentPublic:
    """Rotate a fresh variant in: it takes ``weight`` (default an equal share) from the active arms."""
    experiment = access.load(session, caller, brand_id, experiment_id, access.MANAGE, lock=True)
    access.require_status(experiment, EDITABLE, "experiment_not_editable", "add an arm to")
    arms = access.arms_of(session, experiment.id)
    if len(arms) >= MAX_ARMS:
        raise Conflict(f"an experiment has at most {MAX_ARMS} arms", code="too_many_arms")
    repo = services.repository(session, brand_id)
    position = max(a.position for a in arms) + 1
    arm = resolve(repo, body, experiment.branch, position)
    arm.experiment_id = experiment.id
    check_distinct([*arms, arm])
    session.add(arm)
    session.flush()
    active = sum(1 for a in arms if a.status == "active") + 1
    share = body.weight if body.weight is not None else 1.0 / active
    if share >= 1.0:
        raise InvalidInput("a new arm cannot take all the traffic", code="invalid_weight")
    new = weights.rescaled(arms, 1.0 - share) | {arm.id: share}
    weights.apply(session, caller, experiment, [*arms, arm], new, "arm_added", {"arm_id": arm.id})
    notify.audit(session, caller, experiment, "experiment.arm.add", rid, notify.arm_data(arm))
    return access.to_public(experiment, [*arms, arm])


def retire_arm(
    session: Session, caller: Caller, brand_id: str, experiment_id: str, arm_id: str, rid: str | None
) -> ExperimentPublic:
    """Stop sending traffic to an arm (e.g. a fatigued one); its results stay. Two active arms remain."""
    experiment = access.load(session, caller, brand_id, experiment_id, access.MANAGE, lock=True)
    access.require_status(experiment, EDITABLE, "experiment_not_editable", "retire an arm of")
    arms = access.arms_of(session, experiment.id)
    arm = weights.find_arm(arms, arm_id)
    if arm.status == "retired":
        raise Conflict("the arm is already retired", code="arm_retired")
    if sum(1 for a in arms if a.status == "active") <= 2:
        raise Conflict("an experiment needs at least two active arms", code="too_few_arms")
    arm.status = "retired"
    weights.apply(
        session, caller, experiment, arms, weights.rescaled(arms, 1.0), "arm_retired", {"arm_id": arm.id}
    )
    notify.audit(session, caller, experiment, "experiment.arm.retire", rid, notify.arm_data(arm))
    return access.to_public(experiment, arms)
