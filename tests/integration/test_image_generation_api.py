"""The ``image`` generation job through the REST API with the fake generator behind the gateway: sizes by
platform, pictures stored as image assets with lineage, inpainting from stored assets, bad briefs, and a
model that is unavailable (job fails with a code, nothing committed)."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from serving.api import create_app
from serving.db import upgrade
from serving.gateway.image_models import ImageReply
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.world import World, build_world


class Api:
    def __init__(self, client: TestClient, world: World, gateway: FakeGateway) -> None:
        self.client, self.world, self.gateway = client, world, gateway
        self.brand = world.ids["brand_a"]

    def call(self, method: str, url: str, actor: str = "creative_a", **kw: Any) -> httpx.Response:
        return self.client.request(method, url, headers=self.world.auth(actor), **kw)

    def png(self, image: Image.Image) -> str:
        data = io.BytesIO()
        image.save(data, format="PNG")
        response = self.client.post(
            f"/v1/brands/{self.brand}/blobs",
            content=data.getvalue(),
            headers={**self.world.auth("creative_a"), "Content-Type": "image/png"},
        )
        assert response.status_code in (200, 201), response.text
        return str(response.json()["sha256"])

    def generate(self, brief: dict[str, Any]) -> httpx.Response:
        return self.call(
            "POST", "/v1/generations", json={"brand_id": self.brand, "kind": "image", "brief": brief}
        )

    def wait(self, job_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            job: dict[str, Any] = self.call("GET", f"/v1/jobs/{job_id}").json()
            if job["status"] in ("succeeded", "failed", "cancelled"):
                return job
            assert time.monotonic() < deadline, job
            time.sleep(0.1)

    def run(self, brief: dict[str, Any]) -> dict[str, Any]:
        created = self.generate(brief)
        assert created.status_code == 201, created.text
        return self.wait(created.json()["id"])


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("image-jobs")
    url = f"sqlite:///{folder / 'atelier.db'}"
    upgrade(url)
    gateway = FakeGateway()
    app = create_app(make_settings(url, folder / "var"), gateway)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, build_world(app.state.session_factory, app.state.settings), gateway)


def test_text_to_image_by_platform_stores_pictures_with_lineage(api: Api) -> None:
    job = api.run(
        {"prompt": "夏日冰咖啡海报", "platform": "xiaohongshu", "count": 2, "seed": 40, "steps": 20}
    )
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert [(i["width"], i["height"], i["seed"]) for i in result["images"]] == [
        (896, 1152, 40),
        (896, 1152, 41),
    ]
    stored = result["assets"]
    assert stored["branch"] == f"generations/{job['id'].lower()}" and len(stored["paths"]) == 2
    assert stored["paths"][0] == f"images/{job['id'].lower()}/001.png"
    asset = api.call(
        "GET", f"/v1/brands/{api.brand}/tree/{stored['paths'][1]}", params={"ref": stored["branch"]}
    )
    body = asset.json()
    generation = body["metadata"]["lineage"]["generation"]
    assert body["kind"] == "image" and body["metadata"]["platforms"] == ["xiaohongshu"]
    assert (
        generation["seed"] == 41
        and generation["prompt"] == "夏日冰咖啡海报"
        and generation["job_id"] == job["id"]
    )
    assert generation["params"]["steps"] == 20 and generation["model"] == "fake:gradient"
    raw = api.call(
        "GET", f"/v1/brands/{api.brand}/raw/{stored['paths'][1]}", params={"ref": stored["branch"]}
    )
    assert Image.open(io.BytesIO(raw.content)).size == (896, 1152)
    assert api.gateway.image_calls[-1].params.steps == 20


def test_inpainting_from_stored_assets_keeps_the_product(api: Api) -> None:
    product = Image.new("RGBA", (128, 128), (0, 0, 0, 0))
    ImageDraw.Draw(product).ellipse((32, 32, 96, 96), fill=(220, 20, 60, 255))
    mask = Image.new("L", (128, 128), 255)
    ImageDraw.Draw(mask).rectangle((24, 24, 104, 104), fill=0)
    changes = [
        {"op": "put", "path": "products/lipstick.png", "blob": api.png(product)},
        {"op": "put", "path": "products/lipstick-mask.png", "blob": api.png(mask.convert("RGB"))},
    ]
    made = api.call(
        "POST",
        f"/v1/brands/{api.brand}/commits",
        "admin_a",
        json={"branch": "main", "message": "product", "changes": changes},
    )
    assert made.status_code == 201, made.text
    job = api.run(
        {
            "prompt": "lipstick on a marble table",
            "mode": "inpaint",
            "width": 128,
            "height": 128,
            "count": 1,
            "init_asset": "products/lipstick.png",
            "mask_asset": "products/lipstick-mask.png",
        }
    )
    assert job["status"] == "succeeded", job
    path = job["result"]["assets"]["paths"][0]
    ref = job["result"]["assets"]["branch"]
    raw = api.call("GET", f"/v1/brands/{api.brand}/raw/{path}", params={"ref": ref})
    pixels = np.asarray(Image.open(io.BytesIO(raw.content)).convert("RGB"))
    assert pixels[64, 64].tolist() == [220, 20, 60]  # the product, exactly
    assert pixels[4, 4].tolist() != [255, 255, 255]  # the background was redrawn
    lineage = api.call("GET", f"/v1/brands/{api.brand}/tree/{path}", params={"ref": ref}).json()["metadata"][
        "lineage"
    ]
    assert [(d["path"], d["relation"]) for d in lineage["derived_from"]] == [
        ("products/lipstick.png", "init"),
        ("products/lipstick-mask.png", "mask"),
    ]


@pytest.mark.parametrize(
    ("brief", "fragment"),
    [
        ({"prompt": "x", "platform": "myspace"}, "unknown platform"),
        ({"prompt": "x", "platform": "taobao", "width": 512}, "either platform or width"),
        ({"prompt": "x", "mode": "inpaint", "init_asset": "a.png"}, "needs mask_asset"),
        ({"prompt": "x", "init_asset": "a.png"}, "takes no init_asset"),
        ({"prompt": "x", "width": 1004}, "multiple of 8"),
        ({"prompt": "x", "count": 100}, "count"),
        ({"prompt": "x", "colour": "red"}, "colour"),
    ],
)
def test_bad_briefs_are_refused_at_submission(api: Api, brief: dict[str, Any], fragment: str) -> None:
    response = api.generate(brief)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_brief" and fragment in response.text


def test_missing_or_wrong_source_assets_fail_the_job_with_a_code(api: Api) -> None:
    missing = api.run(
        {"prompt": "x", "mode": "image", "init_asset": "products/none.png", "width": 64, "height": 64}
    )
    assert missing["status"] == "failed" and missing["error"]["code"] == "asset_not_found"
    assert "products/none.png" in missing["error"]["detail"]
    copy = api.client.post(
        f"/v1/brands/{api.brand}/blobs",
        content="夏日文案".encode(),
        headers={**api.world.auth("creative_a"), "Content-Type": "text/plain; charset=utf-8"},
    ).json()["sha256"]
    api.call(
        "POST",
        f"/v1/brands/{api.brand}/commits",
        "admin_a",
        json={
            "branch": "main",
            "message": "copy",
            "changes": [{"op": "put", "path": "copy/a.txt", "blob": copy}],
        },
    )
    wrong = api.run({"prompt": "x", "mode": "image", "init_asset": "copy/a.txt", "width": 64, "height": 64})
    assert wrong["status"] == "failed" and wrong["error"]["code"] == "invalid_brief"
    assert "not an image" in wrong["error"]["detail"]


def test_unavailable_model_fails_the_job_and_commits_nothing(api: Api) -> None:
    api.gateway.image_reply = ImageReply(error="unavailable", message="no diffusers pipeline at /models/sdxl")
    try:
        job = api.run({"prompt": "海边日落", "width": 64, "height": 64})
    finally:
        api.gateway.image_reply = None
    assert job["status"] == "failed" and job["error"]["code"] == "image_model_unavailable"
    assert "/models/sdxl" in job["error"]["detail"]
    branches = api.call("GET", f"/v1/brands/{api.brand}/branches").json()
    names = (
        [b["name"] for b in branches.get("items", branches)]
        if isinstance(branches, dict)
        else [b["name"] for b in branches]
    )
    assert f"generations/{job['id'].lower()}" not in names
