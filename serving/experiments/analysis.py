"""Bayesian analysis of an experiment, Thompson-sampling rebalances and the conclusion (a winner).

Random draws come from ``numpy`` Generators seeded by the experiment id (and the rebalance number), so
the same data always gives the same analysis and every rebalance can be reproduced from its history."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from asset_store.sql import utcnow
from pipelines.experiments.bayes import DEFAULT_DRAWS, ArmAnalysis, ArmCounts, DecisionRule, analyze
from pipelines.experiments.beta import BetaPosterior
from pipelines.experiments.thompson import thompson_weights
from serving.auth.caller import Caller
from serving.errors import Conflict, InvalidInput
from serving.experiments import access, notify, weights
from serving.experiments.metrics import Totals, totals_by_arm
from serving.experiments.models import Experiment, ExperimentArm, ExperimentWeightChange
from serving.experiments.results_schemas import AnalysisPublic, ArmAnalysisPublic, RebalanceResult
from serving.experiments.schemas import ConcludeRequest, ExperimentConfig, ExperimentPublic

CREDIBLE_LEVEL = 0.95
CONCLUDED = "experiment.concluded"


def seed_for(experiment_id: str, purpose: str, number: int = 0) -> int:
    """A 53-bit seed (exact in JSON and JavaScript) for the ``number``-th draw of ``purpose``."""
    digest = hashlib.sha256(f"{experiment_id}:{purpose}:{number}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 11


def arm_counts(goal: str, totals: Totals) -> ArmCounts:
    """CTR: clicks of impressions; CVR: conversions of clicks."""
    if goal == "cvr":
        return ArmCounts(totals.conversions, totals.clicks)
    return ArmCounts(totals.clicks, totals.impressions)


@dataclass(frozen=True)
class Evaluation:
    public: AnalysisPublic
    active: list[ExperimentArm]
    posteriors: list[BetaPosterior]
    """Of the active arms, in their order."""
    winner: ExperimentArm | None


def _arm_row(
    arm: ExperimentArm, counts: ArmCounts, found: ArmAnalysis | None, config: ExperimentConfig
) -> ArmAnalysisPublic:
    """An arm's line of the analysis; retired arms (``found`` None) get a posterior but no P(best)."""
    prior = config.prior
    post = (
        found.posterior
        if found
        else BetaPosterior.from_counts(counts.successes, counts.trials, prior.alpha, prior.beta)
    )
    low, high = found.interval if found else post.interval(CREDIBLE_LEVEL)
    return ArmAnalysisPublic(
        arm_id=arm.id,
        name=arm.name,
        status="active" if found else "retired",
        successes=counts.successes,
        trials=counts.trials,
        rate=counts.successes / counts.trials if counts.trials else None,
        posterior_alpha=post.alpha,
        posterior_beta=post.beta,
        posterior_mean=post.mean,
        ci_low=low,
        ci_high=high,
        p_best=found.p_best if found else None,
        expected_loss=found.expected_loss if found else None,
    )


def evaluate(session: Session, experiment: Experiment, arms: list[ExperimentArm]) -> Evaluation:
    """Posteriors for every arm; P(best), expected loss and the winner among the active ones."""
    config = access.config_of(experiment)
    active = [a for a in arms if a.status == "active"]
    if len(active) < 2:
        raise Conflict("an analysis needs at least two active arms", code="too_few_arms")
    totals = totals_by_arm(session, experiment.id)
    counts = {a.id: arm_counts(experiment.goal, totals.get(a.id, Totals())) for a in arms}
    prior = config.prior
    result = analyze(
        [counts[a.id] for a in active],
        np.random.default_rng(seed_for(experiment.id, "analysis")),
        prior_alpha=prior.alpha,
        prior_beta=prior.beta,
        rule=DecisionRule(**config.decision.model_dump()),
        level=CREDIBLE_LEVEL,
    )
    by_id = {a.id: r for a, r in zip(active, result.arms, strict=True)}
    rows = [_arm_row(arm, counts[arm.id], by_id.get(arm.id), config) for arm in arms]
    winner = active[result.winner] if result.winner is not None else None
    public = AnalysisPublic(
        experiment_id=experiment.id,
        goal="cvr" if experiment.goal == "cvr" else "ctr",
        method="exact" if result.method == "exact" else "monte_carlo",
        draws=result.draws,
        credible_level=CREDIBLE_LEVEL,
        arms=rows,
        winner_arm_id=winner.id if winner else None,
        rule=config.decision.model_dump(),
    )
    return Evaluation(public, active, [r.posterior for r in result.arms], winner)


def get_analysis(session: Session, caller: Caller, brand_id: str, experiment_id: str) -> AnalysisPublic:
    experiment = access.load(session, caller, brand_id, experiment_id)
    return evaluate(session, experiment, access.arms_of(session, experiment.id)).public


def _decision(evaluation: Evaluation, winner: ExperimentArm, by: str, caller: Caller) -> dict[str, Any]:
    row = next(r for r in evaluation.public.arms if r.arm_id == winner.id)
    return {
        "by": by,
        "decided_by": caller.principal_id,
        "p_best": row.p_best,
        "expected_loss": row.expected_loss,
        "posterior_mean": row.posterior_mean,
        "method": evaluation.public.method,
        "rule": evaluation.public.rule,
    }


def _conclude(
    session: Session,
    caller: Caller,
    experiment: Experiment,
    arms: list[ExperimentArm],
    winner: ExperimentArm,
    decision: dict[str, Any],
) -> ExperimentWeightChange:
    """Mark the winner, send it all the traffic, and emit ``experiment.concluded``."""
    now = utcnow()
    experiment.status = "concluded"
    experiment.concluded_at = experiment.updated_at = now
    experiment.stopped_at = experiment.stopped_at or now
    experiment.winner_arm_id = winner.id
    experiment.decision = decision
    change = weights.apply(
        session, caller, experiment, arms, {winner.id: 1.0}, "concluded", {"winner_arm_id": winner.id}
    )
    notify.event(session, experiment, CONCLUDED, {"winner": notify.arm_data(winner), "decision": decision})
    return change


def conclude(
    session: Session,
    caller: Caller,
    brand_id: str,
    experiment_id: str,
    body: ConcludeRequest,
    rid: str | None,
) -> ExperimentPublic:
    """Declare the winner the rule finds, or the arm a person names (409 ``no_winner`` otherwise)."""
    experiment = access.load(session, caller, brand_id, experiment_id, access.MANAGE, lock=True)
    access.require_status(experiment, ("running", "stopped"), "experiment_not_concludable", "conclude")
    arms = access.arms_of(session, experiment.id)
    evaluation = evaluate(session, experiment, arms)
    if body.arm_id is not None:
        winner = weights.find_arm(arms, body.arm_id)
        if winner.status != "active":
            raise InvalidInput(f"arm {winner.name!r} is retired", code="arm_retired")
        decision = _decision(evaluation, winner, "person", caller)
    elif evaluation.winner is not None:
        winner = evaluation.winner
        decision = _decision(evaluation, winner, "rule", caller)
    else:
        raise Conflict(
            "no arm meets the decision rule yet; name one with arm_id to decide by hand",
            code="no_winner",
            extra={"p_best": {r.arm_id: r.p_best for r in evaluation.public.arms if r.p_best is not None}},
        )
    _conclude(session, caller, experiment, arms, winner, decision)
    notify.audit(
        session,
        caller,
        experiment,
        "experiment.conclude",
        rid,
        {"winner_arm_id": winner.id, "by": decision["by"]},
    )
    return access.to_public(experiment, arms)


def _thompson(
    session: Session,
    caller: Caller,
    experiment: Experiment,
    arms: list[ExperimentArm],
    evaluation: Evaluation,
    floor: float,
) -> ExperimentWeightChange:
    """Weights from the posteriors of the active arms, with the seed and shares kept in the history."""
    seed = seed_for(experiment.id, "rebalance", experiment.rebalances)
    floor = min(floor, 1.0 / len(evaluation.active))
    new, shares = thompson_weights(evaluation.posteriors, np.random.default_rng(seed), floor=floor)
    experiment.rebalances += 1
    experiment.updated_at = utcnow()
    ids = [a.id for a in evaluation.active]
    detail = {
        "seed": seed,
        "draws": DEFAULT_DRAWS,
        "floor": floor,
        "p_best": dict(zip(ids, shares, strict=True)),
    }
    return weights.apply(
        session, caller, experiment, arms, dict(zip(ids, new, strict=True)), "rebalance", detail
    )


def rebalance(
    session: Session, caller: Caller, brand_id: str, experiment_id: str, rid: str | None
) -> RebalanceResult:
    """New weights by Thompson sampling with a floor per arm; concludes instead when a winner is declared
    and ``auto_conclude`` is on."""
    experiment = access.load(session, caller, brand_id, experiment_id, access.MANAGE, lock=True)
    access.require_status(experiment, ("running",), "experiment_not_running", "rebalance")
    arms = access.arms_of(session, experiment.id)
    config = access.config_of(experiment)
    evaluation = evaluate(session, experiment, arms)
    winner = evaluation.winner if config.auto_conclude else None
    if winner is not None:
        decision = _decision(evaluation, winner, "rule", caller)
        change = _conclude(session, caller, experiment, arms, winner, decision)
    else:
        change = _thompson(session, caller, experiment, arms, evaluation, config.weight_floor)
    details = {"change_id": change.id, "concluded": winner is not None}
    notify.audit(session, caller, experiment, "experiment.rebalance", rid, details)
    return RebalanceResult(
        experiment=access.to_public(experiment, arms),
        change=access.change_public(change),
        analysis=evaluation.public,
        concluded=winner is not None,
    )
