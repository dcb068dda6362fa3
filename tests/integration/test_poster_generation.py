"""The ``poster`` and ``creative`` jobs through the REST API with the FakeGateway (the real compositor and
pixel checks behind it, a scripted LLM): posters from inline copy and from copy assets stored with their
layered specs and lineage, flagged posters (forbidden word, off-brand palette), bad briefs, words that
cannot fit (failed job, nothing committed), and creatives (copy variants + posters in one commit)."""

from __future__ import annotations

import io
import json
import random
import time
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from pipelines.llm.types import ChatRequest
from pipelines.ocr import OcrLine
from pipelines.poster import render
from pipelines.poster.spec import LayeredSpec
from serving.api import create_app
from serving.db import upgrade
from serving.gateway.poster_models import PosterCall, PosterReply, PosterWorker
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.world import World, build_world

VI = """\
brand: acme
version: "1"
forbidden_words:
  - {term: 秒杀, suggestion: 限时优惠}
required_disclaimers: [图片仅供参考]
palette:
  - {name: 中国红, hex: "#E60012"}
  - {name: 深蓝, hex: "#1F3A93"}
  - {name: 金黄, hex: "#FFC72C"}
logos:
  - {path: brand/logo.png, min_width_ratio: 0.05}
"""
COPY = {
    "headline": "夏日清凉新品上市",
    "subhead": "植物萃取 温和不刺激",
    "selling_points": ["24小时长效保湿", "0酒精 0香精"],
    "price": "¥199",
    "cta": "立即抢购",
}
WORDS = "清晨 通勤 周末 旅行 换季 水润 细腻 安心 清爽 自在 阳光 海边 咖啡 午后 花香 晚风".split()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def logo() -> Image.Image:
    mark = Image.new("RGBA", (480, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(mark)
    draw.rounded_rectangle((0, 0, 479, 159), 40, fill=(230, 0, 18, 255))
    draw.ellipse((30, 30, 130, 130), fill=(255, 255, 255, 255))
    draw.rectangle((180, 60, 440, 100), fill=(255, 255, 255, 255))
    return mark


class Api:
    def __init__(self, client: TestClient, world: World, gateway: FakeGateway) -> None:
        self.client, self.world, self.gateway = client, world, gateway
        self.brand = world.ids["brand_a"]

    def call(self, method: str, url: str, actor: str = "creative_a", **kw: Any) -> httpx.Response:
        return self.client.request(method, url, headers=self.world.auth(actor), **kw)

    def put(
        self, path: str, data: bytes, kind: str, content_type: str, metadata: dict[str, Any] | None = None
    ) -> None:
        headers = {**self.world.auth("admin_a"), "Content-Type": content_type}
        upload = self.client.post(
            f"/v1/brands/{self.brand}/blobs", params={"kind": kind}, content=data, headers=headers
        )
        assert upload.status_code in (200, 201), upload.text
        change = {"op": "put", "path": path, "blob": upload.json()["sha256"], "metadata": metadata or {}}
        body = {"branch": "main", "message": path, "changes": [change]}
        made = self.call("POST", f"/v1/brands/{self.brand}/commits", "admin_a", json=body)
        assert made.status_code == 201, made.text

    def submit(self, kind: str, brief: dict[str, Any]) -> httpx.Response:
        return self.call(
            "POST", "/v1/generations", json={"brand_id": self.brand, "kind": kind, "brief": brief}
        )

    def run(self, kind: str, brief: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
        created = self.submit(kind, brief)
        assert created.status_code == 201, created.text
        deadline = time.monotonic() + timeout
        while True:
            job: dict[str, Any] = self.call("GET", f"/v1/jobs/{created.json()['id']}").json()
            if job["status"] in ("succeeded", "failed", "cancelled"):
                return job
            assert time.monotonic() < deadline, job
            time.sleep(0.1)

    def raw(self, path: str, ref: str) -> bytes:
        response = self.call("GET", f"/v1/brands/{self.brand}/raw/{path}", params={"ref": ref})
        assert response.status_code == 200, response.text
        return response.content

    def asset(self, path: str, ref: str) -> dict[str, Any]:
        response = self.call("GET", f"/v1/brands/{self.brand}/tree/{path}", params={"ref": ref})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("poster-jobs")
    url = f"sqlite:///{folder / 'atelier.db'}"
    upgrade(url)
    gateway = FakeGateway()
    app = create_app(make_settings(url, folder / "var"), gateway)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, build_world(app.state.session_factory, app.state.settings), gateway)
        api.put("brand/vi.yaml", VI.encode(), "brand_kit", "application/yaml")
        api.put("brand/logo.png", _png(logo()), "image", "image/png")
        product = Image.new("RGBA", (300, 400), (0, 0, 0, 0))
        ImageDraw.Draw(product).rounded_rectangle((60, 80, 240, 390), 30, fill=(245, 240, 230, 255))
        api.put("products/cream.png", _png(product), "image", "image/png")
        yield api


def test_posters_from_inline_copy_are_checked_stored_and_re_render(api: Api) -> None:
    job = api.run(
        "poster",
        {
            "copies": [COPY, {**COPY, "headline": "一瓶搞定全天保湿"}],
            "n": 3,
            "sizes": ["xiaohongshu", "taobao"],
            "product_asset": "products/cream.png",
            "qr_url": "https://example.com/p/1",
            "seed": 7,
        },
    )
    assert job["status"] == "succeeded", job
    result = job["result"]
    posters = result["posters"]
    assert len(posters) == 3 and result["flagged"] == 0, json.dumps(posters, ensure_ascii=False)[:3000]
    assert len({(p["template"], p["palette"]) for p in posters}) == 3  # differentiated
    for poster in posters:
        assert poster["status"] == "ok" and poster["verdict"] in ("pass", "warn")
        assert "图片仅供参考" in poster["copy"]["disclaimer"]  # the VI's required disclaimer, by construction
        assert [r["size"] for r in poster["renditions"]] == ["xiaohongshu", "taobao"]
    stored = result["assets"]
    branch = stored["branch"]
    assert branch == f"generations/{job['id'].lower()}" and len(stored["paths"]) == 12
    first = posters[0]["renditions"][1]
    assert first["path"] == f"posters/{job['id'].lower()}/001-taobao.png"
    png = Image.open(io.BytesIO(api.raw(first["path"], branch)))
    assert png.size == (800, 800)
    body = api.asset(first["path"], branch)
    generation = body["metadata"]["lineage"]["generation"]
    assert (
        body["kind"] == "image"
        and generation["job_id"] == job["id"]
        and generation["seed"] == posters[0]["seed"]
    )
    assert (
        generation["params"]["template"] == posters[0]["template"]
        and generation["params"]["spec"] == first["spec_path"]
    )
    relations = {d["relation"]: d["path"] for d in body["metadata"]["lineage"]["derived_from"]}
    assert relations == {"logo": "brand/logo.png", "product": "products/cream.png"}

    spec_asset = api.asset(first["spec_path"], branch)
    assert spec_asset["kind"] == "template"
    document = json.loads(api.raw(first["spec_path"], branch))
    spec = LayeredSpec.model_validate(document["spec"])
    pictures = {ref: api.raw(entry["path"], "main") for ref, entry in document["assets"].items()}
    again = render(spec, pictures)
    assert np.array_equal(np.asarray(again.convert("RGB")), np.asarray(png.convert("RGB")))


def test_posters_from_copy_assets_link_their_copy(api: Api) -> None:
    fields = {
        "title": "清爽一夏 水润不黏",
        "body": "早八通勤也能快速上脸，质地清爽。午后补涂不搓泥。",
        "hashtags": ["护肤"],
    }
    metadata = {"lineage": {"generation": {"model": "test", "params": {"fields": fields}}}}
    api.put(
        "copy/note-1.txt", "清爽一夏 水润不黏\n早八通勤也能快速上脸".encode(), "copy", "text/plain", metadata
    )
    api.put("copy/plain.txt", "轻盈防晒 通勤必备\n一抹成膜 清透不闷".encode(), "copy", "text/plain")
    job = api.run(
        "poster",
        {"copy_assets": ["copy/note-1.txt", "copy/plain.txt"], "templates": ["centred_hero"], "price": "¥99"},
    )
    assert job["status"] == "succeeded", job
    by_copy = {p["copy_asset"]: p for p in job["result"]["posters"]}
    note, plain = by_copy["copy/note-1.txt"]["copy"], by_copy["copy/plain.txt"]["copy"]
    assert note["headline"] == "清爽一夏 水润不黏" and note["subhead"] == "早八通勤也能快速上脸，质地清爽。"
    assert plain["headline"] == "轻盈防晒 通勤必备" and plain["subhead"] == "一抹成膜 清透不闷"
    assert plain["price"] == "¥99"
    path = by_copy["copy/note-1.txt"]["renditions"][0]["path"]
    lineage = api.asset(path, job["result"]["assets"]["branch"])["metadata"]["lineage"]
    assert {"path": "copy/note-1.txt", "relation": "copy"}.items() <= lineage["derived_from"][0].items()


def test_forbidden_word_and_off_brand_palette_flag_posters(api: Api) -> None:
    job = api.run(
        "poster", {"copies": [{**COPY, "headline": "夏日新品限时秒杀"}], "templates": ["top_banner"]}
    )
    assert job["status"] == "succeeded", job
    (poster,) = job["result"]["posters"]
    assert poster["status"] == "flagged" and poster["verdict"] == "block" and job["result"]["flagged"] == 1
    (finding,) = [f for f in poster["renditions"][0]["findings"] if f["category"] == "BRAND_FORBIDDEN_WORD"]
    assert finding["matched"] == "秒杀" and finding["source"] == "image" and len(finding["box"]) == 4
    assert job["result"]["assets"]["paths"]  # flagged posters are stored (for review), not dropped

    green = {"name": "green", "primary": "#00A650", "secondary": "#00A650", "accent": "#7AC143"}
    job = api.run(
        "poster", {"copies": [COPY], "templates": ["split_diagonal"], "palette": green, "commit": False}
    )
    assert job["status"] == "succeeded", job
    (poster,) = job["result"]["posters"]
    categories = {f["category"] for f in poster["renditions"][0]["findings"]}
    assert poster["status"] == "flagged" and "BRAND_OFF_PALETTE" in categories, categories
    assert "assets" not in job["result"]


def test_background_picture_is_read_by_ocr_and_its_text_checked(api: Api) -> None:
    photo = Image.new("RGB", (900, 1200), (240, 240, 240))
    api.put("images/bg.png", _png(photo), "image", "image/png")
    read: list[tuple[int, int]] = []

    def ocr(image: Image.Image) -> list[OcrLine]:
        read.append(image.size)
        box = ((10.0, 10.0), (200.0, 10.0), (200.0, 40.0), (10.0, 40.0))
        return [
            OcrLine(text="全网最低价", box=box, score=0.9),
            OcrLine(text=COPY["headline"], box=box, score=0.9),
        ]

    api.gateway.posters = PosterWorker(ocr=ocr)
    try:
        brief = {
            "copies": [COPY],
            "sizes": ["xiaohongshu", "taobao"],
            "background": {"image_asset": "images/bg.png"},
        }
        job = api.run("poster", brief | {"commit": False})
    finally:
        api.gateway.posters = PosterWorker(ocr=None)
    assert job["status"] == "succeeded", job
    (poster,) = job["result"]["posters"]
    assert read == [(800, 800)] and poster["ocr"] == "taobao"  # OCR once, on the smallest rendition
    ocr_findings = [f for f in poster["renditions"][1]["findings"] if f["source"] == "ocr"]
    assert [f["category"] for f in ocr_findings] == ["ABSOLUTE_TERMS"] and poster["status"] == "flagged"
    job = api.run("poster", brief | {"commit": False, "ocr": "never"})
    assert job["result"]["posters"][0]["ocr"] is None


def test_without_the_brand_kit_the_brief_gives_palette_and_logo(api: Api) -> None:
    refused = api.submit("poster", {"copies": [COPY], "use_brand_kit": False})
    assert refused.status_code == 422 and "palette and logo_asset" in refused.text, refused.text
    palette = {"primary": "#00A650", "secondary": "#004D25", "accent": "#FFC72C"}
    brief = {"copies": [COPY], "use_brand_kit": False, "palette": palette, "logo_asset": "brand/logo.png"}
    job = api.run("poster", brief | {"commit": False})
    assert job["status"] == "succeeded", job
    (poster,) = job["result"]["posters"]
    assert poster["status"] == "ok" and "disclaimer" not in poster["copy"]  # no VI: no VI checks or words


@pytest.mark.parametrize(
    ("brief", "fragment"),
    [
        ({"copies": [COPY], "templates": ["nope"]}, "templates"),
        ({"copies": [COPY], "sizes": ["instagram"]}, "sizes"),
        ({"sizes": ["taobao"]}, "copies or copy_assets"),
        ({"copies": [{**COPY, "headline": ""}]}, "headline"),
        ({"copies": [COPY], "background": {"style": "solid", "image_asset": "a.png"}}, "background"),
        ({"copies": [COPY], "n": 1000}, "n"),
        ({"copies": [COPY], "colour": "red"}, "colour"),
        ({"copies": [COPY], "industry": "spaceships"}, "industry"),
    ],
)
def test_bad_briefs_are_refused_naming_the_field(api: Api, brief: dict[str, Any], fragment: str) -> None:
    response = api.submit("poster", brief)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_brief" and fragment in response.text, response.text


def test_words_that_cannot_fit_fail_the_job_and_commit_nothing(api: Api) -> None:
    long = "这是一句非常非常长的标题文字" * 8
    job = api.run(
        "poster", {"copies": [COPY, {**COPY, "headline": long[:120]}], "templates": ["big_type_minimal"]}
    )
    assert job["status"] == "failed", job
    assert job["error"]["code"] == "text_does_not_fit", job["error"]
    assert "copy copies[1]" in job["error"]["detail"] and "slots.headline" in job["error"]["detail"]
    names = [b["name"] for b in api.call("GET", f"/v1/brands/{api.brand}/branches").json()]
    assert f"generations/{job['id'].lower()}" not in names


def _note(request: ChatRequest) -> str:
    rng = random.Random(request.params.seed)
    title = "".join(rng.sample(WORDS, 3))
    body = "，".join(rng.sample(WORDS, 6)) + "。澄光精华陪你" + rng.choice(WORDS) + "。"
    return json.dumps({"title": title, "body": body, "hashtags": rng.sample(WORDS, 3)}, ensure_ascii=False)


def test_creative_job_makes_copy_and_posters_in_one_commit(api: Api) -> None:
    api.gateway.chat_reply = _note
    brief = {
        "brand": "澄光",
        "product": "澄光维C精华液",
        "selling_points": ["含15%维C衍生物", "质地清爽"],
        "platform": "xiaohongshu",
        "num_variants": 3,
        "seed": 5,
        "poster": {"product_asset": "products/cream.png", "price": "¥199", "cta": "立即抢购"},
    }
    job = api.run("creative", brief)
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert len(result["copy"]["variants"]) == 3 and len(result["posters"]) == 3
    stored = result["assets"]
    assert len(stored["paths"]) == 3 + 3 * 2 * 2  # copy + (PNG + spec) x 2 sizes
    commits = api.call(
        "GET", f"/v1/brands/{api.brand}/commits", params={"ref": stored["branch"], "limit": 2}
    ).json()
    assert commits[0]["id"] == stored["commit_id"]  # copy and posters in one commit
    for creative, poster in zip(result["creatives"], result["posters"], strict=True):
        assert [r["size"] for r in poster["renditions"]] == ["xiaohongshu", "taobao"]
        lineage = api.asset(poster["renditions"][0]["path"], stored["branch"])["metadata"]["lineage"]
        assert lineage["derived_from"][0]["path"] == creative["copy_asset"]
        text = api.raw(creative["copy_asset"], stored["branch"]).decode()
        assert poster["copy"]["headline"] in text
    events = api.call("GET", f"/v1/jobs/{job['id']}/events").text
    assert "copy variants" in events and "posters composed" in events


class _Down(PosterWorker):
    def compose(self, call: PosterCall) -> PosterReply:
        return PosterReply(error="unavailable", message="no poster replica")


def test_an_unavailable_poster_deployment_fails_the_job_with_a_code(api: Api) -> None:
    api.gateway.posters = _Down()
    try:
        job = api.run("poster", {"copies": [COPY]})
    finally:
        api.gateway.posters = PosterWorker(ocr=None)
    assert job["status"] == "failed" and job["error"]["code"] == "poster_unavailable", job
