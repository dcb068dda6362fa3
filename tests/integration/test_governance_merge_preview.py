"""POST /v1/brands/{id}/merge-preview: the merge's changes and the gate's verdict, with nothing written."""

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


def preview(d: Desk, actor: str, source: str, target: str = "main") -> dict[str, Any]:
    body: dict[str, Any] = d.ok(
        actor, "POST", f"/v1/brands/{d.brand}/merge-preview", json={"source": source, "target": target}
    )
    return body


def heads(d: Desk) -> dict[str, str]:
    refs = d.ok("admin_a", "GET", f"/v1/brands/{d.brand}/branches")
    return {r["name"]: r["commit_id"] for r in refs}


def test_preview_reports_the_gate_verdict_and_writes_nothing(d: Desk) -> None:
    d.branch("creative_a", "campaign/spring")
    d.put_copy("creative_a", "campaign/spring", "copy/spring.txt", CLEAN)
    before = heads(d)
    seen = preview(d, "creative_a", "campaign/spring")
    assert seen["outcome"] == "fast_forward" and seen["can_merge"] is False
    assert seen["target_head"] == before["main"] and seen["source_head"] == before["campaign/spring"]
    assert [(c["path"], c["status"]) for c in seen["changes"]] == [("copy/spring.txt", "added")]
    assert [(v["path"], v["code"]) for v in seen["violations"]] == [("copy/spring.txt", "not_reviewed")]
    assert heads(d) == before
    log = d.ok("admin_a", "GET", f"/v1/brands/{d.brand}/commits", params={"ref": "main"})
    assert [c["id"] for c in log] == [before["main"]]
    refused = d.merge("admin_a", "campaign/spring")
    assert refused.status_code == 409 and refused.json()["details"]["violations"] == seen["violations"]

    (item,) = d.submit("creative_a", "campaign/spring", ["copy/spring.txt"])
    d.checked("creative_a", item["id"])
    assert preview(d, "creative_a", "campaign/spring")["violations"][0]["code"] == "review_pending"
    d.decide("reviewer_a", item["id"], "approve")
    ready = preview(d, "reviewer_a", "campaign/spring")
    assert ready["can_merge"] is True and ready["violations"] == []
    assert d.merge("admin_a", "campaign/spring").status_code == 200
    assert preview(d, "admin_a", "campaign/spring")["outcome"] == "up_to_date"


def test_preview_of_a_three_way_merge_and_its_conflicts(d: Desk) -> None:
    d.branch("creative_a", "one")
    d.branch("creative_a", "two")
    d.put_copy("creative_a", "one", "copy/a.txt", "第一版文案")
    d.put_copy("creative_a", "two", "copy/a.txt", "第二版文案")
    d.put_copy("creative_a", "two", "copy/b.txt", "另一条文案")
    d.put_copy("creative_a", "one", "copy/c.txt", "再一条文案")
    clash = preview(d, "creative_a", "two", target="one")
    assert clash["outcome"] == "conflict" and clash["can_merge"] is False
    assert clash["conflicts"] == ["copy/a.txt"] and clash["conflict_count"] == 1
    d.put_copy("creative_a", "one", "copy/a.txt", "第二版文案")
    merge = preview(d, "creative_a", "two", target="one")
    assert merge["outcome"] == "merge" and merge["can_merge"] is True  # the gate guards main only
    assert [(c["path"], c["status"]) for c in merge["changes"]] == [("copy/b.txt", "added")]


def test_preview_needs_write_or_publish(d: Desk) -> None:
    d.branch("creative_a", "campaign/x")
    url = f"/v1/brands/{d.brand}/merge-preview"
    d.refused("agency_x_reviewer", "POST", url, 403, "forbidden", json={"source": "campaign/x"})
    d.refused("creative_b", "POST", url, 404, "not_found", json={"source": "campaign/x"})
    d.refused("creative_a", "POST", url, 404, "ref_not_found", json={"source": "nope"})
