"""A review-queue world: the tenancy world, brand A's repository, and helpers to move items through it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.settings import Settings
from tests.conftest import make_settings
from tests.world import World, build_world


def review_settings(db_url: str, data_dir: Path, **reviews: Any) -> Settings:
    """Test settings with the merge gate on (the queue's own tests), plus ``reviews`` overrides."""
    return make_settings(db_url, data_dir, reviews={"gate_main": True, **reviews})


@dataclass
class Desk:
    """Brand A's review desk, driven through the REST API as each actor."""

    client: TestClient
    world: World
    app: FastAPI

    @property
    def brand(self) -> str:
        return self.world.ids["brand_a"]

    def call(self, actor: str, method: str, url: str, **kw: Any) -> httpx.Response:
        headers = {**self.world.auth(actor), **kw.pop("headers", {})}
        response: httpx.Response = self.client.request(method, url, headers=headers, **kw)
        return response

    def ok(self, actor: str, method: str, url: str, status: int = 200, **kw: Any) -> Any:
        response = self.call(actor, method, url, **kw)
        assert response.status_code == status, (actor, method, url, response.status_code, response.text)
        return response.json() if response.content else None

    def refused(self, actor: str, method: str, url: str, status: int, code: str, **kw: Any) -> dict[str, Any]:
        response = self.call(actor, method, url, **kw)
        assert response.status_code == status, (actor, url, response.status_code, response.text)
        body: dict[str, Any] = response.json()
        assert body["code"] == code, body
        return body

    # assets ------------------------------------------------------------------------------------
    def copy_blob(self, actor: str, text: str) -> str:
        response = self.call(
            actor,
            "POST",
            f"/v1/brands/{self.brand}/blobs?kind=copy",
            content=text.encode(),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
        assert response.status_code in (200, 201), response.text
        sha: str = response.json()["sha256"]
        return sha

    def branch(self, actor: str, name: str, from_ref: str = "main") -> None:
        self.ok(
            actor, "POST", f"/v1/brands/{self.brand}/branches", 201, json={"name": name, "from_ref": from_ref}
        )

    def put_copy(self, actor: str, branch: str, path: str, text: str) -> str:
        sha = self.copy_blob(actor, text)
        body = {
            "branch": branch,
            "message": f"put {path}",
            "changes": [{"op": "put", "path": path, "blob": sha}],
        }
        commit: dict[str, Any] = self.ok(actor, "POST", f"/v1/brands/{self.brand}/commits", 201, json=body)
        return str(commit["id"])

    def merge(self, actor: str, source: str, target: str = "main") -> httpx.Response:
        return self.call(
            actor, "POST", f"/v1/brands/{self.brand}/merges", json={"source": source, "target": target}
        )

    # reviews -----------------------------------------------------------------------------------
    def submit(
        self, actor: str, branch: str, paths: list[str], status: int = 201, **extra: Any
    ) -> list[dict[str, Any]]:
        body = {"brand_id": self.brand, "branch": branch, "paths": paths, **extra}
        result: dict[str, Any] = self.ok(actor, "POST", "/v1/reviews", status, json=body)
        items: list[dict[str, Any]] = result["items"]
        return items

    def item(self, actor: str, item_id: str) -> dict[str, Any]:
        body: dict[str, Any] = self.ok(actor, "GET", f"/v1/reviews/{item_id}")
        return body

    def wait_for(
        self, actor: str, item_id: str, done: Callable[[dict[str, Any]], bool], timeout: float = 30.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            item = self.item(actor, item_id)
            if done(item):
                return item
            assert time.monotonic() < deadline, f"timed out waiting on {item_id}: {item}"
            time.sleep(0.05)

    def checked(self, actor: str, item_id: str) -> dict[str, Any]:
        """The item once the AI level has run."""
        return self.wait_for(actor, item_id, lambda i: i["state"] != "submitted")

    def decide(
        self, actor: str, item_id: str, action: str, status: int = 200, **extra: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = self.ok(
            actor, "POST", f"/v1/reviews/{item_id}/decisions", status, json={"action": action, **extra}
        )
        return body

    def history(self, actor: str, item_id: str) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = self.ok(actor, "GET", f"/v1/reviews/{item_id}/history")
        return steps

    def events(self, actor: str, **params: Any) -> list[dict[str, Any]]:
        page: dict[str, Any] = self.ok(actor, "GET", "/v1/events", params={"limit": 200, **params})
        items: list[dict[str, Any]] = page["items"]
        return items


def desk(app: FastAPI, client: TestClient, settings: Settings) -> Desk:
    return Desk(client, build_world(app.state.session_factory, settings), app)
