"""Routes of a brand's A/B experiments over creative variants: lifecycle, metrics ingest, results,
Bayesian analysis, Thompson rebalances and fatigue checks. Reading needs ``brand.read``; everything else
``experiments.manage`` (brand admins and system keys)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from serving.assets.service import services_of
from serving.deps import CallerDep, PageDep, RequestIdDep, SessionDep, SettingsDep
from serving.experiments import analysis, arms, fatigue_check, metrics, results, service
from serving.experiments.results_schemas import (
    AnalysisPublic,
    FatigueCheck,
    IngestResult,
    MetricsBatch,
    RebalanceResult,
    ResultsPublic,
)
from serving.experiments.schemas import (
    ArmAdd,
    ConcludeRequest,
    ExperimentCreate,
    ExperimentPublic,
    ExperimentUpdate,
    Status,
    WeightChangePublic,
)
from serving.pagination import Page

router = APIRouter(prefix="/v1/brands/{brand_id}/experiments", tags=["experiments"])


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="createExperiment")
def create_experiment(
    brand_id: str,
    body: ExperimentCreate,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> ExperimentPublic:
    """A draft over 2–20 variants, each an asset pinned to the commit its ``ref`` points at now."""
    return service.create(session, caller, services_of(request), brand_id, body, rid)


@router.get("", operation_id="listExperiments")
def list_experiments(
    brand_id: str,
    caller: CallerDep,
    session: SessionDep,
    page: PageDep,
    settings: SettingsDep,
    status: Annotated[Status | None, Query()] = None,
) -> Page[ExperimentPublic]:
    """The brand's experiments, oldest first."""
    return service.list_experiments(session, caller, brand_id, page, settings.api.max_page_size, status)


@router.get("/{experiment_id}", operation_id="getExperiment")
def get_experiment(
    brand_id: str, experiment_id: str, caller: CallerDep, session: SessionDep
) -> ExperimentPublic:
    return service.get(session, caller, brand_id, experiment_id)


@router.patch("/{experiment_id}", operation_id="updateExperiment")
def update_experiment(
    brand_id: str,
    experiment_id: str,
    body: ExperimentUpdate,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> ExperimentPublic:
    """Change names and plans; goal and config in a draft; weights by hand (draft or running)."""
    return service.update(session, caller, brand_id, experiment_id, body, rid)


@router.post("/{experiment_id}/start", operation_id="startExperiment")
def start_experiment(
    brand_id: str, experiment_id: str, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> ExperimentPublic:
    """draft → running (event ``experiment.started``)."""
    return service.start(session, caller, brand_id, experiment_id, rid)


@router.post("/{experiment_id}/stop", operation_id="stopExperiment")
def stop_experiment(
    brand_id: str, experiment_id: str, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> ExperimentPublic:
    """draft or running → stopped, without a winner (event ``experiment.stopped``)."""
    return service.stop(session, caller, brand_id, experiment_id, rid)


@router.post("/{experiment_id}/conclude", operation_id="concludeExperiment")
def conclude_experiment(
    brand_id: str,
    experiment_id: str,
    body: ConcludeRequest,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> ExperimentPublic:
    """Declare the winner (the rule's, or ``arm_id``'s by decision); it gets all traffic (event
    ``experiment.concluded``). 409 ``no_winner`` when the rule is not met and no arm is named."""
    return analysis.conclude(session, caller, brand_id, experiment_id, body, rid)


@router.post("/{experiment_id}/arms", status_code=status.HTTP_201_CREATED, operation_id="addExperimentArm")
def add_experiment_arm(
    brand_id: str,
    experiment_id: str,
    body: ArmAdd,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> ExperimentPublic:
    """Rotate a fresh variant in (draft or running)."""
    return arms.add_arm(session, caller, services_of(request), brand_id, experiment_id, body, rid)


@router.post("/{experiment_id}/arms/{arm_id}/retire", operation_id="retireExperimentArm")
def retire_experiment_arm(
    brand_id: str, experiment_id: str, arm_id: str, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> ExperimentPublic:
    """Send an arm no more traffic (its results stay); at least two active arms remain."""
    return arms.retire_arm(session, caller, brand_id, experiment_id, arm_id, rid)


@router.post("/{experiment_id}/metrics", operation_id="ingestExperimentMetrics")
def ingest_experiment_metrics(
    brand_id: str,
    experiment_id: str,
    body: MetricsBatch,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> IngestResult:
    """Up to 1000 rows per arm, day and source, all or nothing. Sending a row again replaces it. 422 codes:
    ``unknown_arm``, ``negative_value``, ``value_too_large``, ``clicks_exceed_impressions``,
    ``conversions_exceed_clicks``, ``future_day``, ``day_before_start``, ``duplicate_row`` (``errors``
    lists every bad row by index)."""
    return metrics.ingest(session, caller, brand_id, experiment_id, body, rid)


@router.get("/{experiment_id}/results", operation_id="getExperimentResults")
def get_experiment_results(
    brand_id: str,
    experiment_id: str,
    caller: CallerDep,
    session: SessionDep,
    from_day: Annotated[date | None, Query()] = None,
    to_day: Annotated[date | None, Query()] = None,
) -> ResultsPublic:
    """Totals per arm and numbers per arm per day (summed over sources), with CTR, CVR, CPC and CPA."""
    return results.results(session, caller, brand_id, experiment_id, from_day, to_day)


@router.get("/{experiment_id}/analysis", operation_id="getExperimentAnalysis")
def get_experiment_analysis(
    brand_id: str, experiment_id: str, caller: CallerDep, session: SessionDep
) -> AnalysisPublic:
    """Beta-Binomial posteriors, 95% credible intervals, P(best) and expected loss per arm, and the
    winner if the decision rule holds (reproducible: draws are seeded by the experiment)."""
    return analysis.get_analysis(session, caller, brand_id, experiment_id)


@router.post("/{experiment_id}/rebalance", operation_id="rebalanceExperiment")
def rebalance_experiment(
    brand_id: str, experiment_id: str, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> RebalanceResult:
    """Shift traffic by Thompson sampling (each active arm keeps at least the floor), recorded in the
    history (event ``experiment.weights_changed``); concludes instead if a winner is declared."""
    return analysis.rebalance(session, caller, brand_id, experiment_id, rid)


@router.get("/{experiment_id}/weights", operation_id="listExperimentWeightChanges")
def list_experiment_weight_changes(
    brand_id: str,
    experiment_id: str,
    caller: CallerDep,
    session: SessionDep,
    page: PageDep,
    settings: SettingsDep,
) -> Page[WeightChangePublic]:
    """The weight history, oldest first."""
    return service.weight_history(session, caller, brand_id, experiment_id, page, settings.api.max_page_size)


@router.post("/{experiment_id}/fatigue-check", operation_id="checkExperimentFatigue")
def check_experiment_fatigue(
    brand_id: str,
    experiment_id: str,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> FatigueCheck:
    """Flag arms whose CTR decayed from their peak and propose fresh variants to rotate in (event
    ``experiment.fatigue_detected`` for newly flagged arms)."""
    return fatigue_check.check(session, caller, services_of(request), brand_id, experiment_id, rid)
