"""Fresh variants to rotate in when an arm fatigues: assets of the experiment's branch, of the arms' kinds,
not in the experiment yet; those of the arms' campaign first, then the least exposed in past experiments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from asset_store.errors import ObjectNotFound, RefNotFound
from asset_store.repo.repository import Repository
from asset_store.repo.tree import Entry
from serving.assets.services import AssetServices
from serving.experiments.metrics import exposure_by_path
from serving.experiments.models import Experiment, ExperimentArm
from serving.experiments.results_schemas import Candidate

SCAN_LIMIT = 2000
"""Assets of each kind looked at, in path order (bounds the work on a very large branch)."""


def _campaigns(repo: Repository, arms: Sequence[ExperimentArm]) -> set[str]:
    found: set[str] = set()
    for arm in arms:
        try:
            campaign = repo.get(arm.commit_id, arm.asset_path).metadata.get("campaign")
        except ObjectNotFound:
            continue
        if isinstance(campaign, str) and campaign:
            found.add(campaign)
    return found


def _pool(repo: Repository, commit_id: str, arms: Sequence[ExperimentArm]) -> list[Entry]:
    """Assets of the arms' kinds at the commit, minus the arms' paths and bytes."""
    taken_paths = {a.asset_path for a in arms}
    taken_blobs = {a.blob for a in arms}
    pool: list[Entry] = []
    for kind in sorted({a.kind for a in arms}):
        _, entries, _ = repo.list_assets(commit_id, kind=kind, limit=SCAN_LIMIT)
        pool += [e for e in entries if e.path not in taken_paths and e.blob not in taken_blobs]
    return pool


def find_candidates(
    session: Session,
    services: AssetServices,
    experiment: Experiment,
    arms: Sequence[ExperimentArm],
    limit: int = 5,
) -> list[Candidate]:
    """Up to ``limit`` variants, best first: same campaign, then least exposure, then path."""
    repo = services.repository(session, experiment.brand_id)
    try:
        commit = repo.resolve(experiment.branch)
    except RefNotFound:
        return []
    pool = _pool(repo, commit.id, arms)
    if not pool:
        return []
    campaigns = _campaigns(repo, arms)
    records = repo.records([e.record for e in pool])
    exposure = exposure_by_path(session, experiment.brand_id, [e.path for e in pool])

    def metadata(entry: Entry) -> dict[str, Any]:
        value = records.get(entry.record, {}).get("metadata", {})
        return value if isinstance(value, dict) else {}

    def rank(entry: Entry) -> tuple[int, int, str]:
        same = metadata(entry).get("campaign") in campaigns
        return (0 if same else 1, exposure.get(entry.path, 0), entry.path)

    chosen = sorted(pool, key=rank)[:limit]
    return [
        Candidate(
            path=e.path,
            kind=e.kind,
            title=metadata(e).get("title"),
            campaign=metadata(e).get("campaign"),
            branch=experiment.branch,
            commit_id=commit.id,
            exposure=exposure.get(e.path, 0),
            reason="same_campaign" if metadata(e).get("campaign") in campaigns else "same_kind",
        )
        for e in chosen
    ]
