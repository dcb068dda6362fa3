"""The review queue through the REST API: upload → AI check → agency → brand → merge to main, on SQLite
and PostgreSQL, with the merge gate, the audit log and the outbox events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.api import create_app
from serving.settings import Settings
from tests.fakes.gateway import FakeGateway
from tests.integration.reviewhelpers import Desk, desk, review_settings

CLEAN = "春季新品上市，轻薄透气，多色可选。"
BLOCKED = "全网最好的面霜，三天祛斑，永不复发。"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return review_settings(db_url, tmp_path / "var")


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings, FakeGateway())


@pytest.fixture
def d(app: FastAPI, settings: Settings) -> Iterator[Desk]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield desk(app, client, settings)


def test_agency_work_travels_ai_agency_brand_and_then_merges_to_main(d: Desk) -> None:
    region = d.world.ids["a_north"]
    d.branch("agency_x_creative", "campaign/spring")
    d.put_copy("agency_x_creative", "campaign/spring", "copy/spring.txt", CLEAN)

    refused = d.merge("admin_a", "campaign/spring")
    assert refused.status_code == 409 and refused.json()["code"] == "merge_blocked", refused.text
    violations = refused.json()["details"]["violations"]
    assert [(v["path"], v["code"]) for v in violations] == [("copy/spring.txt", "not_reviewed")]

    (item,) = d.submit("agency_x_creative", "campaign/spring", ["copy/spring.txt"], region_id=region)
    assert item["state"] == "submitted" and item["pending_level"] == "ai" and item["version_no"] == 1
    assert (
        d.merge("admin_a", "campaign/spring").json()["details"]["violations"][0]["code"] == "review_pending"
    )

    item = d.checked("agency_x_creative", item["id"])
    assert item["state"] == "ai_checked" and item["ai_verdict"] == "pass" and item["open_blocking"] == 0
    assert item["pending_level"] == "agency"
    assert item["assignee_id"] == d.world.ids["user_agency_x_reviewer"]  # the agency's only reviewer
    assert item["due_at"] is not None and item["overdue"] is False

    # out of turn: the brand cannot skip the agency level
    d.refused(
        "reviewer_a",
        "POST",
        f"/v1/reviews/{item['id']}/decisions",
        403,
        "wrong_review_level",
        json={"action": "approve"},
    )
    item = d.decide("agency_x_reviewer", item["id"], "approve")
    assert item["state"] == "agency_approved" and item["pending_level"] == "brand"
    assert item["assignee_id"] == d.world.ids["user_reviewer_a"]
    item = d.decide("reviewer_a", item["id"], "approve")
    assert item["state"] == "brand_approved" and item["pending_level"] is None
    assert item["decided_at"] is not None and item["due_at"] is None

    merged = d.merge("admin_a", "campaign/spring")
    assert merged.status_code == 200, merged.text
    asset = d.ok("admin_a", "GET", f"/v1/brands/{d.brand}/tree/copy/spring.txt", params={"ref": "main"})
    assert asset["blob"] == item["blob"]

    steps = [(s["level"], s["action"], s["to_state"]) for s in d.history("reviewer_a", item["id"])]
    assert steps == [
        ("submitter", "submit", "submitted"),
        ("ai", "ai_check", "ai_checked"),
        ("agency", "approve", "agency_approved"),
        ("brand", "approve", "brand_approved"),
    ]
    events = [e["type"] for e in d.events("admin_a", subject_id=item["id"])]
    assert events == [
        "review.submitted",
        "review.ai_checked",
        "review.agency_approved",
        "review.brand_approved",
    ]
    audit = d.ok("admin_a", "GET", "/v1/audit", params={"brand_id": d.brand, "action": "review.approve"})
    assert [e["details"]["level"] for e in audit["items"]] == ["agency", "brand"]


def test_in_house_work_goes_from_the_ai_check_straight_to_the_brand(d: Desk) -> None:
    d.branch("creative_a", "campaign/in-house")
    d.put_copy("creative_a", "campaign/in-house", "copy/in-house.txt", CLEAN)
    (item,) = d.submit("creative_a", "campaign/in-house", ["copy/in-house.txt"])
    item = d.checked("creative_a", item["id"])
    assert item["agency_id"] is None and item["pending_level"] == "brand"
    d.refused("agency_x_reviewer", "GET", f"/v1/reviews/{item['id']}", 404, "not_found")
    item = d.decide("reviewer_a", item["id"], "approve")
    assert item["state"] == "brand_approved"


def test_the_queue_pages_oldest_first_or_newest_first_with_the_same_items(d: Desk) -> None:
    d.branch("creative_a", "campaign/many")
    paths = [f"copy/n{i}.txt" for i in range(5)]
    for i, path in enumerate(paths):
        d.put_copy("creative_a", "campaign/many", path, f"{CLEAN}（第{i + 1}版）")
    submitted = [d.submit("creative_a", "campaign/many", [p])[0]["id"] for p in paths]

    def walk(order: str | None) -> list[str]:
        params: dict[str, Any] = {"brand_id": d.brand, "branch": "campaign/many", "limit": 2}
        if order is not None:
            params["order"] = order
        ids: list[str] = []
        while True:
            page = d.ok("reviewer_a", "GET", "/v1/reviews", params=params)
            ids += [item["id"] for item in page["items"]]
            if page["next_cursor"] is None:
                return ids
            params["cursor"] = page["next_cursor"]

    assert walk(None) == walk("oldest") == submitted
    assert walk("newest") == submitted[::-1]
    d.refused("reviewer_a", "GET", "/v1/reviews", 422, "validation_error", params={"order": "random"})
