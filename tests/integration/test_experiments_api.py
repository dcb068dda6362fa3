"""Experiments over the API on SQLite and PostgreSQL: the lifecycle with events, metrics ingest
(validation codes, idempotent upserts), results, analysis, Thompson rebalances with their history,
conclusion, fatigue with candidate variants and rotation, and tenancy."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from serving.settings import Settings
from tests.world import World, build_world

TODAY = datetime.now(UTC).date()


class Api:
    """Brand A's experiments through the HTTP API, as ``actor``."""

    def __init__(self, client: TestClient, world: World) -> None:
        self.client, self.world = client, world
        self.brand = world.ids["brand_a"]
        self.base = f"/v1/brands/{self.brand}/experiments"

    def call(self, method: str, url: str, actor: str = "admin_a", **kw: Any) -> Any:
        headers = {**self.world.auth(actor), **kw.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kw)

    def ok(self, method: str, url: str, actor: str = "admin_a", **kw: Any) -> Any:
        response = self.call(method, url, actor, **kw)
        assert response.status_code < 300, response.text
        return response.json()

    def problem(
        self, status: int, method: str, url: str, actor: str = "admin_a", **kw: Any
    ) -> dict[str, Any]:
        response = self.call(method, url, actor, **kw)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body: dict[str, Any] = response.json()
        return body

    def seed_assets(self) -> None:
        """kv/a, kv/b and kv/c (campaign autumn), kv/d (no campaign), copy/x.txt (text) on main."""
        changes = []
        for n, (name, campaign) in enumerate(
            [("a", "autumn"), ("b", "autumn"), ("c", "autumn"), ("d", None), ("e", "spring")]
        ):
            meta = {"title": f"KV {name}"} | ({"campaign": campaign} if campaign else {})
            changes.append(
                {"op": "put", "path": f"kv/{name}.png", "blob": self.blob(_png(n)), "metadata": meta}
            )
        text = self.blob("秋季新品".encode(), "text/plain; charset=utf-8")
        changes.append({"op": "put", "path": "copy/x.txt", "blob": text, "metadata": {"campaign": "autumn"}})
        body = {"branch": "main", "message": "variants", "changes": changes}
        self.ok("POST", f"/v1/brands/{self.brand}/commits", json=body)

    def blob(self, data: bytes, content_type: str = "image/png") -> str:
        url = f"/v1/brands/{self.brand}/blobs"
        body = self.ok("POST", url, content=data, headers={"Content-Type": content_type})
        return str(body["sha256"])

    def create(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "name": "Autumn KV",
            "goal": "ctr",
            "arms": [{"asset_path": "kv/a.png"}, {"asset_path": "kv/b.png", "platform": "douyin"}],
            "start_at": (datetime.now(UTC) - timedelta(days=30)).isoformat(),
        } | overrides
        response = self.call("POST", self.base, json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def ingest(self, exp_id: str, rows: list[dict[str, Any]], actor: str = "system_a") -> dict[str, Any]:
        result: dict[str, Any] = self.ok("POST", f"{self.base}/{exp_id}/metrics", actor, json={"rows": rows})
        return result

    def events(self, exp_id: str) -> list[dict[str, Any]]:
        page = self.ok("GET", "/v1/events", params={"subject_id": exp_id, "limit": 100})
        return list(page["items"])


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48 + seed, 32), (40 * seed % 255, 90, 200)).save(out, format="PNG")
    return out.getvalue()


def row(arm: str, day: date, impressions: int, clicks: int, **extra: Any) -> dict[str, Any]:
    return {"arm": arm, "day": day.isoformat(), "impressions": impressions, "clicks": clicks} | extra


@pytest.fixture
def api(app: FastAPI, client: TestClient, settings: Settings) -> Api:
    api = Api(client, build_world(app.state.session_factory, settings))
    api.seed_assets()
    return api


def test_lifecycle_rebalance_results_and_conclusion(api: Api) -> None:
    exp = api.create()
    exp_id, (a, b) = exp["id"], [arm["id"] for arm in exp["arms"]]
    assert exp["status"] == "draft" and [arm["name"] for arm in exp["arms"]] == ["A", "B"]
    assert [arm["weight"] for arm in exp["arms"]] == [0.5, 0.5]
    assert all(len(arm["commit_id"]) > 10 and arm["kind"] == "image" for arm in exp["arms"])
    assert (
        api.problem(
            409, "POST", f"{api.base}/{exp_id}/metrics", "system_a", json={"rows": [row("A", TODAY, 1, 0)]}
        )["code"]
        == "experiment_not_started"
    )
    assert api.problem(409, "POST", f"{api.base}/{exp_id}/rebalance")["code"] == "experiment_not_running"

    assert api.ok("POST", f"{api.base}/{exp_id}/start")["status"] == "running"
    assert api.problem(409, "POST", f"{api.base}/{exp_id}/start")["code"] == "experiment_not_startable"
    assert (
        api.problem(409, "PATCH", f"{api.base}/{exp_id}", json={"goal": "cvr"})["code"]
        == "experiment_not_editable"
    )

    day1, day2 = TODAY - timedelta(days=2), TODAY - timedelta(days=1)
    rows = [
        row("A", day1, 1000, 20),
        row(b, day1, 1000, 24),
        row("A", day2, 1000, 21),
        row("B", day2, 1000, 26),
    ]
    assert api.ingest(exp_id, rows) == {"received": 4, "inserted": 4, "updated": 0, "unchanged": 0}
    assert api.ingest(exp_id, rows) == {"received": 4, "inserted": 0, "updated": 0, "unchanged": 4}
    fixed = [row("A", day2, 1000, 22, conversions=3, spend=12.5), row("A", day2, 500, 5, source="kuaishou")]
    assert api.ingest(exp_id, fixed) == {"received": 2, "inserted": 1, "updated": 1, "unchanged": 0}

    results = api.ok("GET", f"{api.base}/{exp_id}/results")
    totals = {t["name"]: t for t in results["arms"]}
    assert (totals["A"]["impressions"], totals["A"]["clicks"], totals["A"]["conversions"]) == (2500, 47, 3)
    assert totals["A"]["spend"] == 12.5 and totals["A"]["cpc"] == pytest.approx(12.5 / 47)
    assert totals["B"]["ctr"] == pytest.approx(50 / 2000)
    assert [(d["day"], d["arm_id"]) for d in results["days"]] == sorted(
        [(day1.isoformat(), a), (day1.isoformat(), b), (day2.isoformat(), a), (day2.isoformat(), b)]
    )
    only_day2 = api.ok("GET", f"{api.base}/{exp_id}/results", params={"from_day": day2.isoformat()})
    assert {t["name"]: t["impressions"] for t in only_day2["arms"]} == {"A": 1500, "B": 1000}

    analysis = api.ok("GET", f"{api.base}/{exp_id}/analysis", "creative_a")
    assert analysis["method"] == "exact" and analysis["winner_arm_id"] is None
    p_best = {x["name"]: x["p_best"] for x in analysis["arms"]}
    assert sum(p_best.values()) == pytest.approx(1.0) and p_best["B"] == pytest.approx(0.9228, abs=1e-4)
    assert api.ok("GET", f"{api.base}/{exp_id}/analysis") == analysis  # seeded: reproducible

    rebalanced = api.ok("POST", f"{api.base}/{exp_id}/rebalance", "system_a")
    assert rebalanced["concluded"] is False
    weights = {arm["name"]: arm["weight"] for arm in rebalanced["experiment"]["arms"]}
    assert (
        weights["B"] == pytest.approx(0.9228, abs=0.005)
        and weights["A"] >= 0.05
        and sum(weights.values()) == pytest.approx(1.0)
    )
    assert rebalanced["change"]["reason"] == "rebalance" and rebalanced["change"]["previous"] == {
        a: 0.5,
        b: 0.5,
    }
    history = api.ok("GET", f"{api.base}/{exp_id}/weights", "creative_a")["items"]
    assert [h["reason"] for h in history] == ["created", "rebalance"]

    assert api.problem(409, "POST", f"{api.base}/{exp_id}/conclude", json={})["code"] == "no_winner"
    concluded = api.ok("POST", f"{api.base}/{exp_id}/conclude", json={"arm_id": "B"})
    assert concluded["status"] == "concluded" and concluded["winner_arm_id"] == b
    assert concluded["decision"]["by"] == "person"
    assert {arm["name"]: arm["weight"] for arm in concluded["arms"]} == {"A": 0.0, "B": 1.0}
    late = api.ingest(exp_id, [row("A", TODAY, 10, 1)])  # late numbers still land
    assert late["inserted"] == 1

    types = [e["type"] for e in api.events(exp_id)]
    assert types == [
        "experiment.started",
        "experiment.weights_changed",
        "experiment.weights_changed",
        "experiment.concluded",
    ]
    concluded_event = api.events(exp_id)[-1]
    assert concluded_event["data"]["winner"]["id"] == b and concluded_event["brand_id"] == api.brand


def test_rebalance_concludes_when_the_rule_declares_a_winner(api: Api) -> None:
    exp = api.create(config={"weight_floor": 0.1, "decision": {"p_best": 0.95, "max_loss": 0.001}})
    exp_id = exp["id"]
    api.ok("POST", f"{api.base}/{exp_id}/start")
    days = [TODAY - timedelta(days=n) for n in range(1, 6)]
    api.ingest(exp_id, [row("A", d, 10_000, 200) for d in days] + [row("B", d, 10_000, 300) for d in days])
    analysis = api.ok("GET", f"{api.base}/{exp_id}/analysis")
    assert analysis["winner_arm_id"] == exp["arms"][1]["id"]
    winner = next(x for x in analysis["arms"] if x["name"] == "B")
    assert winner["p_best"] > 0.99 and winner["ci_low"] < 0.03 < winner["ci_high"]
    result = api.ok("POST", f"{api.base}/{exp_id}/rebalance")
    assert result["concluded"] is True and result["experiment"]["status"] == "concluded"
    assert result["experiment"]["decision"]["by"] == "rule" and result["change"]["reason"] == "concluded"
    assert [e["type"] for e in api.events(exp_id)][-2:] == [
        "experiment.weights_changed",
        "experiment.concluded",
    ]


def test_ingest_validation_names_every_bad_row_and_stores_nothing(api: Api) -> None:
    exp_id = api.create()["id"]
    api.ok("POST", f"{api.base}/{exp_id}/start")
    day = TODAY - timedelta(days=1)
    cases = {
        "unknown_arm": row("Z", day, 10, 1),
        "negative_value": row("A", day, -1, 0),
        "clicks_exceed_impressions": row("A", day, 10, 11),
        "conversions_exceed_clicks": row("A", day, 10, 2, conversions=3),
        "future_day": row("A", TODAY + timedelta(days=2), 10, 1),
        "day_before_start": row("A", TODAY - timedelta(days=60), 10, 1),
    }
    for code, bad in cases.items():
        body = api.problem(422, "POST", f"{api.base}/{exp_id}/metrics", "system_a", json={"rows": [bad]})
        assert body["code"] == code and body["errors"][0]["index"] == 0
    good = row("B", day, 100, 5)
    mixed = [good, cases["clicks_exceed_impressions"], row("A", day, 10, 1, spend=-2), good]
    body = api.problem(422, "POST", f"{api.base}/{exp_id}/metrics", "system_a", json={"rows": mixed})
    assert body["code"] == "clicks_exceed_impressions"
    assert [(e["index"], e["code"]) for e in body["errors"]] == [
        (1, "clicks_exceed_impressions"),
        (2, "negative_value"),
        (3, "duplicate_row"),
    ]
    assert api.ok("GET", f"{api.base}/{exp_id}/results")["days"] == []  # all or nothing
    assert api.ingest(exp_id, [row("A", TODAY, 10, 1), row("A", TODAY, 10, 1, source="x")])["inserted"] == 2
    too_many = [row("A", day, 1, 0, source=f"s{n}") for n in range(1001)]
    body = api.problem(422, "POST", f"{api.base}/{exp_id}/metrics", "system_a", json={"rows": too_many})
    assert body["code"] == "validation_error"


def test_create_and_update_validation(api: Api) -> None:
    base = [{"asset_path": "kv/a.png"}, {"asset_path": "kv/b.png"}]
    for arms, code in [
        ([{"asset_path": "kv/a.png"}, {"asset_path": "kv/nope.png"}], "arm_asset_not_found"),
        ([{"asset_path": "kv/a.png", "ref": "no-such-branch"}, base[1]], "arm_ref_not_found"),
        ([{"asset_path": "kv/a.png"}, {"asset_path": "kv/a.png"}], "duplicate_arm"),
        (
            [{"asset_path": "kv/a.png", "weight": 0.7}, {"asset_path": "kv/b.png", "weight": 0.2}],
            "weights_not_normalized",
        ),
        ([{"asset_path": "kv/a.png", "weight": 1.0}, base[1]], "weights_incomplete"),
        ([base[0]], "validation_error"),
    ]:
        body = api.problem(422, "POST", api.base, json={"name": "x", "arms": arms})
        assert body["code"] == code, arms
    same_path_two_platforms = [{"asset_path": "kv/a.png", "platform": p} for p in ("douyin", "xiaohongshu")]
    assert api.call("POST", api.base, json={"name": "x", "arms": same_path_two_platforms}).status_code == 201

    exp = api.create(
        arms=[{"asset_path": "kv/a.png", "weight": 0.8}, {"asset_path": "kv/b.png", "weight": 0.2}]
    )
    exp_id = exp["id"]
    assert [arm["weight"] for arm in exp["arms"]] == [0.8, 0.2]
    updated = api.ok(
        "PATCH",
        f"{api.base}/{exp_id}",
        json={"name": "Renamed", "goal": "cvr", "weights": {"A": 0.3, "B": 0.7}},
    )
    assert (updated["name"], updated["goal"]) == ("Renamed", "cvr")
    assert [arm["weight"] for arm in updated["arms"]] == [0.3, 0.7]
    bad = api.problem(422, "PATCH", f"{api.base}/{exp_id}", json={"weights": {"A": 1.0}})
    assert bad["code"] == "weights_incomplete"
    assert api.ok("POST", f"{api.base}/{exp_id}/stop")["status"] == "stopped"
    assert api.problem(409, "POST", f"{api.base}/{exp_id}/stop")["code"] == "experiment_not_stoppable"
    listed = api.ok("GET", api.base, "creative_a", params={"status": "stopped"})["items"]
    assert [e["id"] for e in listed] == [exp_id]


def test_fatigue_flags_a_decaying_arm_and_proposes_fresh_variants(api: Api) -> None:
    exp = api.create()
    exp_id, (a, b) = exp["id"], [arm["id"] for arm in exp["arms"]]
    api.ok("POST", f"{api.base}/{exp_id}/start")
    days = [TODAY - timedelta(days=14 - n) for n in range(14)]
    rows = [row("A", d, 5000, 100 + (n % 3)) for n, d in enumerate(days)]
    rows += [row("B", d, 5000, int(200 * 0.88**n)) for n, d in enumerate(days)]
    api.ingest(exp_id, rows)

    check = api.ok("POST", f"{api.base}/{exp_id}/fatigue-check")
    by_name = {x["name"]: x for x in check["arms"]}
    assert by_name["A"]["status"] == "healthy" and by_name["B"]["status"] == "fatigued"
    assert by_name["B"]["newly_flagged"] is True and by_name["B"]["decline"] > 0.5
    assert by_name["B"]["daily_trend"] == pytest.approx(-0.12, abs=0.03)
    assert check["fatigued_arm_ids"] == [b] and check["event_id"]
    paths = [c["path"] for c in check["candidates"]]
    assert paths[0] == "kv/c.png" and check["candidates"][0]["reason"] == "same_campaign"
    assert set(paths) == {"kv/c.png", "kv/d.png", "kv/e.png"}  # images not in the experiment; no text
    event = next(e for e in api.events(exp_id) if e["type"] == "experiment.fatigue_detected")
    assert event["id"] == check["event_id"] and [x["arm_id"] for x in event["data"]["arms"]] == [b]

    again = api.ok("POST", f"{api.base}/{exp_id}/fatigue-check")  # still fatigued, but no new event
    assert again["event_id"] is None and again["fatigued_arm_ids"] == [b]
    got = api.ok("GET", f"{api.base}/{exp_id}")
    assert next(arm for arm in got["arms"] if arm["id"] == b)["fatigued_at"] is not None

    rotated = api.ok("POST", f"{api.base}/{exp_id}/arms", json={"asset_path": "kv/c.png"})
    assert [arm["name"] for arm in rotated["arms"]] == ["A", "B", "C"]
    assert sum(arm["weight"] for arm in rotated["arms"]) == pytest.approx(1.0)
    assert rotated["arms"][2]["weight"] == pytest.approx(1 / 3)
    retired = api.ok("POST", f"{api.base}/{exp_id}/arms/{b}/retire")
    weights = {arm["name"]: (arm["status"], arm["weight"]) for arm in retired["arms"]}
    assert weights["B"] == ("retired", 0.0) and sum(w for _, w in weights.values()) == pytest.approx(1.0)
    assert api.problem(409, "POST", f"{api.base}/{exp_id}/arms/{a}/retire")["code"] == "too_few_arms"
    analysis = api.ok("GET", f"{api.base}/{exp_id}/analysis")
    assert {x["name"]: x["p_best"] is None for x in analysis["arms"]} == {"A": False, "B": True, "C": False}
    reasons = [h["reason"] for h in api.ok("GET", f"{api.base}/{exp_id}/weights")["items"]]
    assert reasons == ["created", "arm_added", "arm_retired"]


def test_other_brands_and_roles_cannot_reach_the_experiment(api: Api) -> None:
    exp_id = api.create()["id"]
    api.ok("POST", f"{api.base}/{exp_id}/start")
    url = f"{api.base}/{exp_id}"
    metrics = {"rows": [row("A", TODAY, 10, 1)]}
    for actor in ("admin_b", "creative_b", "system_b"):
        assert api.problem(404, "GET", url, actor)["code"] == "not_found"
        assert api.call("POST", f"{url}/metrics", actor, json=metrics).status_code == 404
        assert api.call("GET", f"{url}/analysis", actor).status_code == 404
    brand_b = f"/v1/brands/{api.world.ids['brand_b']}/experiments"
    assert api.ok("GET", brand_b, "admin_b")["items"] == []
    assert api.call("GET", f"{brand_b}/{exp_id}", "admin_b").json()["code"] == "experiment_not_found"
    for actor in ("creative_a", "reviewer_a", "agency_x_creative"):  # may read, may not change or ingest
        assert api.call("GET", url, actor).status_code == 200
        assert api.problem(403, "POST", f"{url}/metrics", actor, json=metrics)["code"] == "forbidden"
        assert api.call("POST", f"{url}/rebalance", actor).status_code == 403
        create = {"name": "x", "arms": [{"asset_path": "kv/a.png"}, {"asset_path": "kv/b.png"}]}
        assert api.problem(403, "POST", api.base, actor, json=create)["code"] == "forbidden"
    assert api.call("GET", url).status_code == 200
    assert api.ok("GET", f"{url}/results")["days"] == []
