"""Daily metrics per arm: validated batch ingest, idempotent by (experiment, arm, day, source) (a row sent
again replaces the stored one), and the aggregates that results, analysis and fatigue read."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from asset_store.sql import utcnow
from serving.auth.caller import Caller
from serving.errors import InvalidInput
from serving.experiments import access, notify
from serving.experiments.models import Experiment, ExperimentArm, ExperimentMetric
from serving.experiments.results_schemas import IngestResult, MetricRow, MetricsBatch

MICROS = 1_000_000
MAX_COUNT = 10**15
MAX_SPEND = 10**12
LATEST_ZONE = timedelta(hours=14)
"""A day is not in the future once it has begun somewhere (UTC+14)."""
EARLIEST_ZONE = timedelta(hours=12)
"""The start's day in the westernmost zone (UTC−12) is the first day that may carry numbers; the start is
the planned ``start_at`` or the actual start, whichever is earlier (an experiment registered late)."""
_KEY = ("experiment_id", "arm_id", "day", "source")
_VALUES = ("impressions", "clicks", "conversions", "spend_micros")
COUNTS = ("impressions", "clicks", "conversions")


@dataclass(frozen=True)
class Totals:
    impressions: int = 0
    clicks: int = 0
    conversions: int = 0
    spend_micros: int = 0


def _row_problems(
    row: MetricRow, arm: ExperimentArm | None, latest: date, earliest: date | None
) -> list[tuple[str, str, str]]:
    """(code, field, detail) of everything wrong with one row."""
    if arm is None:
        return [("unknown_arm", "arm", f"no arm {row.arm!r} in this experiment")]
    values: dict[str, float] = {name: getattr(row, name) for name in COUNTS} | {"spend": row.spend}
    problems = [("negative_value", name, f"{name} is negative") for name, v in values.items() if v < 0]
    problems += [
        ("value_too_large", name, f"{name} is too large")
        for name, v in values.items()
        if not math.isfinite(v) or v > (MAX_SPEND if name == "spend" else MAX_COUNT)
    ]
    if problems:
        return problems
    if row.clicks > row.impressions:
        problems.append(("clicks_exceed_impressions", "clicks", "clicks exceed impressions"))
    if row.conversions > row.clicks:
        problems.append(("conversions_exceed_clicks", "conversions", "conversions exceed clicks"))
    if row.day > latest:
        problems.append(("future_day", "day", f"{row.day} has not begun anywhere yet"))
    if earliest is not None and row.day < earliest:
        problems.append(("day_before_start", "day", f"{row.day} is before the experiment started"))
    return problems


def validate(
    experiment: Experiment, arms: Sequence[ExperimentArm], batch: MetricsBatch, now: datetime
) -> list[dict[str, Any]]:
    """Rows ready to store, or 422 naming every bad row (the top-level code is the first row's)."""
    by_key = {a.id: a for a in arms} | {a.name: a for a in arms}
    latest = (now + LATEST_ZONE).date()
    starts = [t for t in (experiment.start_at, experiment.started_at) if t is not None]
    earliest = (min(starts) - EARLIEST_ZONE).date() if starts else None
    errors: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, date, str], int] = {}
    for index, row in enumerate(batch.rows):
        arm = by_key.get(row.arm)
        problems = _row_problems(row, arm, latest, earliest)
        if arm is not None and not problems:
            key = (arm.id, row.day, row.source)
            if key in seen:
                problems.append(("duplicate_row", "day", f"same arm, day and source as row {seen[key]}"))
            seen.setdefault(key, index)
        errors += [{"index": index, "code": c, "field": f, "detail": d} for c, f, d in problems]
        if arm is not None and not problems:
            rows.append(_stored(experiment.id, arm.id, row))
    if errors:
        bad = len({e["index"] for e in errors})
        raise InvalidInput(
            f"{bad} of {len(batch.rows)} rows are invalid; nothing was stored",
            code=errors[0]["code"],
            extra={"errors": errors[:200]},
        )
    return rows


def _stored(experiment_id: str, arm_id: str, row: MetricRow) -> dict[str, Any]:
    return {
        "experiment_id": experiment_id,
        "arm_id": arm_id,
        "day": row.day,
        "source": row.source,
        "impressions": row.impressions,
        "clicks": row.clicks,
        "conversions": row.conversions,
        "spend_micros": round(row.spend * MICROS),
    }


def _existing(
    session: Session, experiment_id: str, rows: Sequence[dict[str, Any]]
) -> dict[tuple[Any, ...], tuple[int, ...]]:
    stmt = select(ExperimentMetric).where(
        ExperimentMetric.experiment_id == experiment_id,
        ExperimentMetric.arm_id.in_(sorted({r["arm_id"] for r in rows})),
        ExperimentMetric.day.in_(sorted({r["day"] for r in rows})),
        ExperimentMetric.source.in_(sorted({r["source"] for r in rows})),
    )
    return {(m.arm_id, m.day, m.source): tuple(getattr(m, v) for v in _VALUES) for m in session.scalars(stmt)}


def _upsert(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(ExperimentMetric)
    changed = {name: stmt.excluded[name] for name in (*_VALUES, "updated_by", "updated_at")}
    session.execute(stmt.on_conflict_do_update(index_elements=list(_KEY), set_=changed), list(rows))


def ingest(
    session: Session, caller: Caller, brand_id: str, experiment_id: str, batch: MetricsBatch, rid: str | None
) -> IngestResult:
    """Store a batch all or nothing; counts say which rows were new, which replaced different numbers."""
    experiment = access.load(session, caller, brand_id, experiment_id, access.MANAGE)
    access.require_status(
        experiment, ("running", "stopped", "concluded"), "experiment_not_started", "take metrics for"
    )
    now = utcnow()
    rows = validate(experiment, access.arms_of(session, experiment.id), batch, now)
    before = _existing(session, experiment.id, rows)
    inserted = updated = 0
    for row in rows:
        old = before.get((row["arm_id"], row["day"], row["source"]))
        if old is None:
            inserted += 1
        elif old != tuple(row[v] for v in _VALUES):
            updated += 1
        row.update(updated_by=caller.principal_id, updated_at=now)
    _upsert(session, rows)
    result = IngestResult(
        received=len(rows), inserted=inserted, updated=updated, unchanged=len(rows) - inserted - updated
    )
    notify.audit(session, caller, experiment, "experiment.metrics.ingest", rid, result.model_dump())
    return result


def _range(stmt: Any, from_day: date | None, to_day: date | None) -> Any:
    if from_day is not None:
        stmt = stmt.where(ExperimentMetric.day >= from_day)
    if to_day is not None:
        stmt = stmt.where(ExperimentMetric.day <= to_day)
    return stmt


def _sums() -> list[Any]:
    return [func.coalesce(func.sum(getattr(ExperimentMetric, v)), 0) for v in _VALUES]


def totals_by_arm(
    session: Session, experiment_id: str, from_day: date | None = None, to_day: date | None = None
) -> dict[str, Totals]:
    stmt = select(ExperimentMetric.arm_id, *_sums()).where(ExperimentMetric.experiment_id == experiment_id)
    stmt = _range(stmt, from_day, to_day).group_by(ExperimentMetric.arm_id)
    return {arm_id: Totals(*(int(v) for v in values)) for arm_id, *values in session.execute(stmt)}


def daily(
    session: Session, experiment_id: str, from_day: date | None = None, to_day: date | None = None
) -> list[tuple[date, str, Totals]]:
    """(day, arm id, totals over sources), by day then arm id."""
    stmt = select(ExperimentMetric.day, ExperimentMetric.arm_id, *_sums()).where(
        ExperimentMetric.experiment_id == experiment_id
    )
    stmt = _range(stmt, from_day, to_day).group_by(ExperimentMetric.day, ExperimentMetric.arm_id)
    rows = session.execute(stmt.order_by(ExperimentMetric.day, ExperimentMetric.arm_id))
    return [(day, arm_id, Totals(*(int(v) for v in values))) for day, arm_id, *values in rows]


def exposure_by_path(session: Session, brand_id: str, paths: Sequence[str]) -> Mapping[str, int]:
    """Impressions each asset path has had across the brand's experiments."""
    if not paths:
        return {}
    stmt = (
        select(ExperimentArm.asset_path, func.coalesce(func.sum(ExperimentMetric.impressions), 0))
        .join(ExperimentMetric, ExperimentMetric.arm_id == ExperimentArm.id)
        .join(Experiment, Experiment.id == ExperimentArm.experiment_id)
        .where(Experiment.brand_id == brand_id, ExperimentArm.asset_path.in_(list(paths)))
        .group_by(ExperimentArm.asset_path)
    )
    return {path: int(total) for path, total in session.execute(stmt)}
