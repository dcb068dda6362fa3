"""Domain changes write their events to the outbox in their own transaction (the CDP feed carries tags
and taxonomy), and the outbox delivers what was committed while no dispatcher ran (a process killed
between commit and delivery), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from serving.api import create_app
from serving.settings import Settings
from serving.vision.models import SearchIndexState
from serving.webhooks.fanout import fan_out
from serving.webhooks.store import claim
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.integration.jobhelpers import submit, wait_for, wait_status
from tests.integration.reviewhelpers import desk
from tests.integration.webhookhelpers import Receiver, deliveries
from tests.world import World, build_world

BROWN, BLUE = (110, 68, 36), (40, 90, 200)
COFFEE_TAXONOMY = {
    "id": "food_beverage/coffee",
    "zh": "咖啡",
    "en": "coffee",
    "path": ["food_beverage", "food_beverage/coffee"],
}


def png(colour: tuple[int, int, int], size: tuple[int, int] = (96, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


class Brand:
    """Brand A's routes as its actors."""

    def __init__(self, client: TestClient, world: World) -> None:
        self.client, self.world = client, world
        self.prefix = f"/v1/brands/{world.ids['brand_a']}"

    def ok(self, method: str, path: str, actor: str = "creative_a", status: int = 200, **kw: Any) -> Any:
        response = self.client.request(method, f"{self.prefix}{path}", headers=self.world.auth(actor), **kw)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def blob(self, data: bytes) -> str:
        response = self.client.post(
            f"{self.prefix}/blobs",
            content=data,
            headers={**self.world.auth("creative_a"), "Content-Type": "image/png"},
        )
        assert response.status_code in (200, 201), response.text
        return str(response.json()["sha256"])

    def commit(self, branch: str, changes: list[dict[str, Any]], actor: str = "creative_a", **kw: Any) -> Any:
        body = {"branch": branch, "message": "change", "changes": changes, **kw}
        return self.ok("POST", "/commits", actor, 201, json=body)

    def events(self, prefix: str = "") -> list[dict[str, Any]]:
        response = self.client.get(
            "/v1/events", params={"type_prefix": prefix, "limit": 200}, headers=self.world.auth("admin_a")
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


def put(path: str, sha: str, **metadata: Any) -> dict[str, Any]:
    return {"op": "put", "path": path, "blob": sha, "metadata": metadata}


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path / "var", webhooks={"dispatch": False})


@pytest.fixture
def brand(app: FastAPI, client: TestClient, settings: Settings) -> Brand:
    return Brand(client, build_world(app.state.session_factory, settings))


def test_commits_tag_edits_and_merges_emit_asset_events_with_tags_and_taxonomy(brand: Brand) -> None:
    kv, kv2 = brand.blob(png(BROWN)), brand.blob(png(BLUE))
    start = brand.ok(
        "POST", "/branches", "creative_a", 201, json={"name": "campaign/618", "from_ref": "main"}
    )
    tags = [{"name": "咖啡"}, {"name": "限定"}]
    commit = brand.commit(
        "campaign/618", [put("kv/latte.png", kv, title="Latte KV", campaign="618", tags=tags)]
    )

    (created,) = brand.events("asset.")
    assert (created["type"], created["subject_type"], created["subject_id"]) == ("asset.created", "asset", kv)
    data = created["data"]
    assert (data["path"], data["branch"], data["commit_id"], data["kind"]) == (
        "kv/latte.png",
        "campaign/618",
        commit["id"],
        "image",
    )
    assert (data["title"], data["campaign"], data["content_type"]) == ("Latte KV", "618", "image/png")
    assert data["tags"] == ["food_beverage/coffee", "限定"]
    assert data["tag_sources"] == {"human": ["food_beverage/coffee", "限定"], "ai": [], "brand": []}
    assert data["taxonomy"] == [COFFEE_TAXONOMY]

    stale = {
        "branch": "campaign/618",
        "message": "late",
        "changes": [put("kv/x.png", kv2)],
        "expected_head": start["commit_id"],
    }
    refused = brand.client.post(f"{brand.prefix}/commits", json=stale, headers=brand.world.auth("creative_a"))
    assert refused.status_code == 409  # rolled back: and its event with it
    assert len(brand.events("asset.")) == 1

    edit = {"branch": "campaign/618", "path": "kv/latte.png", "add": ["outdoor/beach"], "remove": ["限定"]}
    brand.ok("PATCH", "/asset-tags", "creative_a", json=edit)
    tagged = brand.events("asset.")[-1]
    assert tagged["type"] == "asset.tagged"
    assert (tagged["data"]["tags_added"], tagged["data"]["tags_removed"]) == (["outdoor/beach"], ["限定"])
    assert [t["id"] for t in tagged["data"]["taxonomy"]] == ["food_beverage/coffee", "outdoor/beach"]

    brand.commit(
        "campaign/618",
        [put("kv/latte.png", kv2, title="Latte KV v2", tags=[{"name": "coffee"}]), put("kv/sea.png", kv)],
    )
    brand.commit("campaign/618", [{"op": "delete", "path": "kv/sea.png"}])
    types = [(e["type"], e["data"]["path"]) for e in brand.events("asset.")[2:]]
    assert sorted(types[:2]) == [("asset.created", "kv/sea.png"), ("asset.updated", "kv/latte.png")]
    assert types[2] == ("asset.deleted", "kv/sea.png")

    merged = brand.ok("POST", "/merges", "admin_a", json={"source": "campaign/618", "target": "main"})
    event = brand.events("asset.merged")[-1]
    assert event["subject_id"] == merged["commit"]["id"]
    assert {k: event["data"][k] for k in ("source", "target", "changes", "added", "truncated")} == {
        "source": "campaign/618",
        "target": "main",
        "changes": 1,
        "added": 1,
        "truncated": False,
    }
    (asset,) = event["data"]["assets"]
    assert (asset["path"], asset["status"], asset["blob"]) == ("kv/latte.png", "added", kv2)
    assert asset["tags"] == ["food_beverage/coffee"]  # "coffee", as written, is the taxonomy's tag
    assert event["data"]["taxonomy"] == [COFFEE_TAXONOMY]


def job_events(client: TestClient, world: World, job_id: str) -> list[tuple[str, str, str]]:
    page = client.get(
        "/v1/events", params={"type_prefix": "job.", "subject_id": job_id}, headers=world.auth("admin_a")
    ).json()
    return [(e["type"], e["data"]["status"], e["data"]["kind"]) for e in page["items"]]


def test_a_finished_job_emits_job_finished(brand: Brand) -> None:
    job_id = submit(brand.client, brand.world, brief={"message": "hi", "steps": 1}).json()["id"]
    wait_status(brand.client, brand.world, job_id, "succeeded")
    assert job_events(brand.client, brand.world, job_id) == [("job.finished", "succeeded", "echo")]


def test_a_job_cancelled_in_the_queue_emits_job_finished(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path / "var", webhooks={"dispatch": False})
    settings.jobs.workers = 0  # nothing runs: the job stays queued until cancelled
    app = create_app(settings, FakeGateway())
    with TestClient(app, raise_server_exceptions=False) as client:
        world = build_world(app.state.session_factory, settings)
        job_id = submit(client, world, brief={"message": "hi", "steps": 1}).json()["id"]
        assert job_events(client, world, job_id) == []
        cancel = client.post(f"/v1/jobs/{job_id}/cancel", headers=world.auth("creative_a"))
        assert cancel.status_code == 200, cancel.text
        assert job_events(client, world, job_id) == [("job.finished", "cancelled", "echo")]


def test_automatic_tagging_emits_asset_tagged_once_per_change(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(
        db_url,
        tmp_path / "var",
        webhooks={"dispatch": False},
        search={"auto_index": True, "ocr_on_index": False},
    )
    app = create_app(settings, FakeGateway())
    with TestClient(app, raise_server_exceptions=False) as client:
        brand = Brand(client, build_world(app.state.session_factory, settings))
        coffee, sea = brand.blob(png(BROWN)), brand.blob(png(BLUE))
        brand.commit("main", [put("kv/coffee.png", coffee)], actor="admin_a")
        wait_indexed(app, brand)
        (auto,) = brand.events("asset.tagged")
        assert (auto["subject_id"], auto["data"]["source"], auto["data"]["path"]) == (
            coffee,
            "auto",
            "kv/coffee.png",
        )
        assert "food_beverage/coffee" in auto["data"]["tag_sources"]["ai"]
        assert COFFEE_TAXONOMY in auto["data"]["taxonomy"]
        brand.commit("main", [put("kv/sea.png", sea)], actor="admin_a")
        wait_indexed(app, brand)
        tagged = brand.events("asset.tagged")
        assert [e["data"]["path"] for e in tagged] == ["kv/coffee.png", "kv/sea.png"]  # coffee not again
        assert "outdoor/beach" in tagged[1]["data"]["tags"]


def wait_indexed(app: FastAPI, brand: Brand, branch: str = "main") -> None:
    brand_id = brand.world.ids["brand_a"]

    def caught_up() -> bool:
        head = brand.ok("GET", f"/branches/{branch}", "admin_a")["commit_id"]
        with app.state.session_factory() as session:
            state = session.get(SearchIndexState, (brand_id, branch))
            return state is not None and state.commit_id == head

    wait_for(caught_up, timeout=60)


def test_the_ai_compliance_check_emits_asset_checked(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(
        db_url, tmp_path / "var", webhooks={"dispatch": False}, reviews={"gate_main": True}
    )
    app = create_app(settings, FakeGateway())
    with TestClient(app, raise_server_exceptions=False) as client:
        d = desk(app, client, settings)
        d.branch("creative_a", "campaign/spring")
        d.put_copy("creative_a", "campaign/spring", "copy/spring.txt", "全网最好的面霜，三天祛斑，永不复发。")
        (item,) = d.submit("creative_a", "campaign/spring", ["copy/spring.txt"])
        item = d.checked("creative_a", item["id"])
        (event,) = d.events("admin_a", type_prefix="asset.checked")
    data = event["data"]
    assert (event["subject_id"], data["path"], data["branch"]) == (
        item["blob"],
        "copy/spring.txt",
        "campaign/spring",
    )
    assert (data["verdict"], data["review_item_id"], data["kind"]) == (item["ai_verdict"], item["id"], "copy")
    assert data["verdict"] == "block" and data["blocking"] >= 1 and "ABSOLUTE_TERMS" in data["categories"]
    assert data["size"] > 0 and "tags" in data and "taxonomy" in data


def test_events_committed_while_no_dispatcher_ran_are_delivered_by_the_next_process(
    db_url: str, tmp_path: Path
) -> None:
    """Process 1 commits changes (their events) and dies before delivering; another process had claimed
    one delivery and died mid-send. Process 2 starts and delivers every event."""
    fast = {
        "poll_seconds": 0.05,
        "backoff_base_seconds": 0.1,
        "backoff_max_seconds": 0.4,
        "lease_seconds": 0.5,
    }
    first = make_settings(db_url, tmp_path / "var", webhooks={**fast, "dispatch": False})
    receiver = Receiver()
    app = create_app(first, FakeGateway())
    with TestClient(app, raise_server_exceptions=False) as client:
        brand = Brand(client, build_world(app.state.session_factory, first))
        hook = brand.ok(
            "POST", "/webhooks", "admin_a", 201, json={"url": receiver.url, "event_types": ["asset.", "job."]}
        )
        shas = [brand.blob(png((10 * i, 80, 120))) for i in range(3)]
        brand.commit("main", [put(f"kv/{i}.png", sha) for i, sha in enumerate(shas)], actor="admin_a")
        job_id = submit(client, brand.world, brief={"message": "hi", "steps": 1}).json()["id"]
        wait_status(client, brand.world, job_id, "succeeded")
        factory = app.state.session_factory
        pepper = first.auth.key_pepper.get_secret_value()
        fan_out(factory, 500)
        dead_claim = claim(factory, pepper, first.webhooks.model_copy(update={"batch_size": 1}))
        assert len(dead_claim) == 1  # leased by a process that then dies before sending
        wanted = {e["id"] for e in brand.events("asset.") + brand.events("job.")}
    assert len(wanted) == 4 and receiver.received == []
    app.state.engine.dispose()

    receiver.secrets = [hook["secret"]]
    receiver.start()
    try:
        second = make_settings(db_url, tmp_path / "var", webhooks={**fast, "dispatch": True})
        app2 = create_app(second, FakeGateway())
        with TestClient(app2, raise_server_exceptions=False):
            wait_for(lambda: set(receiver.effects) == wanted, timeout=30)
            wait_for(
                lambda: (
                    {d.status for d in deliveries(app2.state.session_factory, hook["id"])} == {"succeeded"}
                )
            )
        assert sorted(receiver.ids()) == sorted(wanted)  # each once: the expired lease was taken over
        assert all(r.verified for r in receiver.received)
        types = sorted(receiver.effects[i]["type"] for i in wanted)
        assert types == ["asset.created", "asset.created", "asset.created", "job.finished"]
    finally:
        receiver.stop()
