"""Isolation cases for the experiment routes (see test_tenancy_isolation).

Brand B's callers never see, change, feed or analyse brand A's experiments, through brand A's URLs (404,
the brand is hidden) or through their own brand's URLs with A's ids (404 ``experiment_not_found``, or 422
``unknown_arm`` for A's arm under B's experiment); within brand A, people without ``experiments.manage``
may read but not change (403). Each case checks A's experiment rows are unchanged; the scene's state
check covers the rest. The experiments are written straight to the database (no audit rows or events in
brand A's state).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from serving.db import transaction
from serving.experiments.models import Experiment, ExperimentArm, ExperimentMetric, ExperimentWeightChange
from tests.integration.tenancy_scene import B_SIDE, Control, Scene, case

A_STAFF = ("creative_a", "reviewer_a", "agency_x_creative", "agency_x_reviewer")
"""Brand A's people without experiments.manage."""
FORBIDDEN: dict[str, Any] = {"status": 403, "codes": ("forbidden",)}
HIDDEN: dict[str, Any] = {"status": 404, "codes": ("experiment_not_found",)}
BASE = "/v1/brands/{brand_id}/experiments"
YESTERDAY = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()


def _experiments(sc: Scene, status: str) -> dict[str, str]:
    """An experiment per brand with three arms (kv/{x}.png, the same for douyin, kv/{x}-campaign.png),
    a day of metrics and its first weights; ids as ``exp_a``, ``arm_a`` (the first arm), ``exp_b``, …"""
    now = datetime.now(UTC)
    with transaction(sc.app.state.session_factory) as s:
        for x in ("a", "b"):
            exp = Experiment(
                brand_id=sc.ids[f"brand_{x}"],
                name=f"experiment {x}",
                status=status,
                goal="ctr",
                branch="main",
                config={},
                started_at=None if status == "draft" else now - timedelta(days=3),
                created_by="test",
            )
            s.add(exp)
            s.flush()
            arms = [
                (f"kv/{x}.png", sc.ids[f"commit_{x}"], sc.ids[f"sha_{x}"], None),
                (f"kv/{x}.png", sc.ids[f"commit_{x}"], sc.ids[f"sha_{x}"], "douyin"),
                (f"kv/{x}-campaign.png", sc.ids[f"commit_{x}2"], sc.ids[f"sha_{x}2"], None),
            ]
            rows = [
                ExperimentArm(
                    experiment_id=exp.id,
                    name="ABC"[n],
                    position=n,
                    asset_path=path,
                    commit_id=commit,
                    blob=blob,
                    kind="image",
                    platform=platform,
                    weight=1 / 3,
                )
                for n, (path, commit, blob, platform) in enumerate(arms)
            ]
            s.add_all(rows)
            s.flush()
            s.add_all(
                ExperimentMetric(
                    experiment_id=exp.id,
                    arm_id=arm.id,
                    day=now.date() - timedelta(days=2),
                    source="default",
                    impressions=100,
                    clicks=5,
                    conversions=1,
                    spend_micros=1_000_000,
                    updated_by="test",
                )
                for arm in rows
            )
            weights = {arm.id: arm.weight for arm in rows}
            s.add(
                ExperimentWeightChange(
                    experiment_id=exp.id, reason="created", weights=weights, created_by="t"
                )
            )
            sc.ids[f"exp_{x}"], sc.ids[f"arm_{x}"] = exp.id, rows[0].id
    return sc.ids


def _snapshot(sc: Scene) -> list[tuple[Any, ...]]:
    exp_ids = select(Experiment.id).where(Experiment.brand_id == sc.ids["brand_a"])
    with sc.session() as s:
        rows = [
            *s.execute(
                select(Experiment.id, Experiment.name, Experiment.status, Experiment.winner_arm_id)
                .where(Experiment.brand_id == sc.ids["brand_a"])
                .order_by(Experiment.id)
            ),
            *s.execute(
                select(
                    ExperimentArm.id, ExperimentArm.weight, ExperimentArm.status, ExperimentArm.fatigued_at
                )
                .where(ExperimentArm.experiment_id.in_(exp_ids))
                .order_by(ExperimentArm.id)
            ),
            *s.execute(
                select(ExperimentMetric.arm_id, ExperimentMetric.day, ExperimentMetric.impressions)
                .where(ExperimentMetric.experiment_id.in_(exp_ids))
                .order_by(ExperimentMetric.arm_id, ExperimentMetric.day)
            ),
            *s.execute(
                select(ExperimentWeightChange.id)
                .where(ExperimentWeightChange.experiment_id.in_(exp_ids))
                .order_by(ExperimentWeightChange.id)
            ),
        ]
    return [tuple(r) for r in rows]


def _refusals(sc: Scene, method: str, tail: str, body: Any = None, *, manage: bool = True) -> None:
    """B's callers on A's URL, B's admin and key on B's URL with A's ids, A's staff on A's URL."""
    before = _snapshot(sc)
    a_url = BASE.format(brand_id=sc.ids["brand_a"]) + tail.format(**sc.ids)
    b_url = BASE.format(brand_id=sc.ids["brand_b"]) + tail.format(**sc.ids)
    sc.denied(B_SIDE, method, a_url, body)
    if "{exp_a}" in tail:
        sc.denied(("admin_b", "system_b"), method, b_url, body, **HIDDEN)
    if "{arm_a}" in tail:  # B's own experiment, A's arm
        mixed = BASE.format(brand_id=sc.ids["brand_b"]) + tail.replace("{exp_a}", "{exp_b}").format(**sc.ids)
        sc.denied(("admin_b",), method, mixed, body, status=422, codes=("unknown_arm",))
    if manage:
        sc.denied(A_STAFF, method, a_url, body, **FORBIDDEN)
    assert _snapshot(sc) == before, "a refused request changed brand A's experiments"


def _one(
    method: str, tail: str, body: Any = None, *, status: str = "running", manage: bool = True, code: int = 200
) -> Any:
    def run(sc: Scene) -> Control:
        _experiments(sc, status)
        _refusals(sc, method, tail, body, manage=manage)
        url = BASE.format(brand_id=sc.ids["brand_a"]) + tail.format(**sc.ids)
        return sc.control("system_a" if manage else "creative_a", method, url, body, status=code)

    return run


@case("POST", "/v1/brands/{brand_id}/experiments")
def _create(sc: Scene) -> Control:
    _experiments(sc, "draft")
    body = {
        "name": "x",
        "arms": [{"asset_path": "kv/a.png"}, {"asset_path": "kv/a.png", "platform": "weibo"}],
    }
    _refusals(sc, "POST", "", body)
    return sc.control("admin_a", "POST", BASE.format(brand_id=sc.ids["brand_a"]), body, status=201)


@case("GET", "/v1/brands/{brand_id}/experiments")
def _list(sc: Scene) -> Control:
    _experiments(sc, "running")
    _refusals(sc, "GET", "", manage=False)
    b_items = sc.ok("admin_b", "GET", BASE.format(brand_id=sc.ids["brand_b"]))["items"]
    assert [e["id"] for e in b_items] == [sc.ids["exp_b"]]
    return sc.control(
        "agency_x_creative",
        "GET",
        BASE.format(brand_id=sc.ids["brand_a"]),
        check=lambda r: [e["id"] for e in r["items"]] == [sc.ids["exp_a"]],
    )


METRICS = {"rows": [{"arm": "A", "day": YESTERDAY, "impressions": 10, "clicks": 1}]}
case("GET", "/v1/brands/{brand_id}/experiments/{experiment_id}")(_one("GET", "/{exp_a}", manage=False))
case("PATCH", "/v1/brands/{brand_id}/experiments/{experiment_id}")(
    _one("PATCH", "/{exp_a}", {"name": "evil"})
)
case("POST", "/v1/brands/{brand_id}/experiments/{experiment_id}/start")(
    _one("POST", "/{exp_a}/start", status="draft")
)
case("POST", "/v1/brands/{brand_id}/experiments/{experiment_id}/stop")(_one("POST", "/{exp_a}/stop"))
case("POST", "/v1/brands/{brand_id}/experiments/{experiment_id}/conclude")(
    _one("POST", "/{exp_a}/conclude", {"arm_id": "A"})
)
case("POST", "/v1/brands/{brand_id}/experiments/{experiment_id}/arms")(
    _one("POST", "/{exp_a}/arms", {"asset_path": "kv/a.png", "platform": "weibo"}, code=201)
)
case("POST", "/v1/brands/{brand_id}/experiments/{experiment_id}/arms/{arm_id}/retire")(
    _one("POST", "/{exp_a}/arms/{arm_a}/retire")
)
case("POST", "/v1/brands/{brand_id}/experiments/{experiment_id}/metrics")(
    _one("POST", "/{exp_a}/metrics", METRICS)
)
case("GET", "/v1/brands/{brand_id}/experiments/{experiment_id}/results")(
    _one("GET", "/{exp_a}/results", manage=False)
)
case("GET", "/v1/brands/{brand_id}/experiments/{experiment_id}/analysis")(
    _one("GET", "/{exp_a}/analysis", manage=False)
)
case("POST", "/v1/brands/{brand_id}/experiments/{experiment_id}/rebalance")(
    _one("POST", "/{exp_a}/rebalance")
)
case("GET", "/v1/brands/{brand_id}/experiments/{experiment_id}/weights")(
    _one("GET", "/{exp_a}/weights", manage=False)
)
case("POST", "/v1/brands/{brand_id}/experiments/{experiment_id}/fatigue-check")(
    _one("POST", "/{exp_a}/fatigue-check")
)
