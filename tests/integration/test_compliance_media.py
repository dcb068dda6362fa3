"""Posters and videos through POST /v1/compliance/check: OCR findings with boxes, brand palette and logo,
video frames and subtitles (real RapidOCR, real ffmpeg; SQLite only, the database is not under test)."""

from __future__ import annotations

import base64
import io
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont

from serving.api import create_app
from serving.settings import Settings
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.world import World, build_world

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
VI = """\
brand: acme
version: "1"
required_disclaimers: [图片仅供参考]
palette:
  - {name: 中国红, hex: "#E60012", tolerance_de: 8}
logos:
  - {path: brand/logo.png, min_width_ratio: 0.05}
"""


@pytest.fixture
def settings(sqlite_url: str, tmp_path: Path) -> Settings:
    return make_settings(sqlite_url, tmp_path / "var", jobs={"workers": 0})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, FakeGateway()), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def world(client: TestClient, settings: Settings) -> World:
    return build_world(client.app.state.session_factory, settings)  # type: ignore[attr-defined]


def logo() -> Image.Image:
    mark = Image.new("RGB", (120, 120), (255, 255, 255))
    draw = ImageDraw.Draw(mark)
    for radius, colour in ((58, (230, 0, 18)), (40, (255, 255, 255)), (22, (230, 0, 18))):
        draw.ellipse((60 - radius, 60 - radius, 60 + radius, 60 + radius), fill=colour)
    return mark


def poster(
    lines: list[str], *, with_logo: bool, background: tuple[int, int, int] = (250, 250, 250)
) -> Image.Image:
    image = Image.new("RGB", (720, 1280), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 720, 260), fill=(230, 0, 18))
    for index, text in enumerate(lines):
        draw.text((60, 520 + index * 110), text, font=ImageFont.truetype(FONT, 52), fill=(20, 20, 20))
    if with_logo:
        image.paste(logo().resize((150, 150)), (520, 1080))
    return image


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def commit(client: TestClient, world: World, path: str, data: bytes, kind: str, content_type: str) -> None:
    a = world.ids["brand_a"]
    headers = {**world.auth("admin_a"), "Content-Type": content_type}
    upload = client.post(f"/v1/brands/{a}/blobs", params={"kind": kind}, content=data, headers=headers)
    assert upload.status_code in (200, 201), upload.text
    body = {
        "branch": "main",
        "message": path,
        "changes": [{"op": "put", "path": path, "blob": upload.json()["sha256"]}],
    }
    assert client.post(f"/v1/brands/{a}/commits", json=body, headers=world.auth("admin_a")).status_code == 201


def check(client: TestClient, world: World, body: dict[str, Any]) -> Any:
    response = client.post("/v1/compliance/check", json=body, headers=world.auth("creative_a"))
    assert response.status_code == 200, response.text
    return response.json()


def test_poster_text_is_read_and_checked_with_boxes(client: TestClient, world: World) -> None:
    image = poster(["全网最低价", "加微信领券"], with_logo=False)
    result = check(client, world, {"image_base64": base64.b64encode(png(image)).decode()})
    by_category = {f["category"]: f for f in result["findings"]}
    assert {"ABSOLUTE_TERMS", "PLATFORM_DIVERSION"} <= set(by_category)
    finding = by_category["ABSOLUTE_TERMS"]
    assert finding["source"] == "ocr" and len(finding["box"]) == 4
    ys = [point[1] for point in finding["box"]]
    assert 480 < min(ys) and max(ys) < 620  # the first line was drawn at y=520
    assert result["verdict"] == "block"
    clean = check(
        client, world, {"image_base64": base64.b64encode(png(poster(["新品上市"], with_logo=False))).decode()}
    )
    assert clean["verdict"] == "pass"


def test_brand_vi_on_pixels_logo_palette_and_disclaimer(client: TestClient, world: World) -> None:
    a = world.ids["brand_a"]
    commit(client, world, "brand/vi.yaml", VI.encode(), "brand_kit", "application/yaml")
    commit(client, world, "brand/logo.png", png(logo()), "image", "image/png")
    commit(
        client,
        world,
        "kv/bad.png",
        png(poster(["新品上市"], with_logo=False, background=(20, 160, 60))),
        "image",
        "image/png",
    )
    commit(
        client,
        world,
        "kv/good.png",
        png(poster(["新品上市", "图片仅供参考"], with_logo=True)),
        "image",
        "image/png",
    )

    bad = check(client, world, {"brand_id": a, "asset": {"path": "kv/bad.png"}, "platform": "offline_screen"})
    codes = {f["category"] for f in bad["findings"]}
    assert {
        "BRAND_LOGO_MISSING",
        "BRAND_OFF_PALETTE",
        "BRAND_DISCLAIMER_MISSING",
        "SPEC_RESOLUTION_TOO_LOW",
    } <= codes
    assert bad["verdict"] == "block" and bad["asset"].startswith("kv/bad.png@")
    good = check(client, world, {"brand_id": a, "asset": {"path": "kv/good.png"}})
    assert good["findings"] == [], good["findings"]


def test_video_frames_and_subtitles_are_checked(client: TestClient, world: World, tmp_path: Path) -> None:
    frame = tmp_path / "frame.png"
    poster(["全网最低价"], with_logo=False).resize((360, 640)).save(frame)
    subtitles = tmp_path / "subs.srt"
    subtitles.write_text("1\n00:00:00,500 --> 00:00:02,500\n想要优惠的加微信私聊我\n", encoding="utf-8")
    video = tmp_path / "ad.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-loop",
            "1",
            "-i",
            str(frame),
            "-i",
            str(subtitles),
            "-t",
            "3",
            "-r",
            "10",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-c:s",
            "mov_text",
            str(video),
        ],
        check=True,
        timeout=60,
    )
    commit(client, world, "video/ad.mp4", video.read_bytes(), "video", "video/mp4")
    result = check(client, world, {"brand_id": world.ids["brand_a"], "asset": {"path": "video/ad.mp4"}})
    sources = {(f["category"], f["source"]) for f in result["findings"]}
    assert ("ABSOLUTE_TERMS", "video") in sources and ("PLATFORM_DIVERSION", "subtitle") in sources
    subtitle = next(f for f in result["findings"] if f["source"] == "subtitle")
    assert subtitle["frame_s"] == pytest.approx(0.5)
    repeated = [f for f in result["findings"] if f["category"] == "ABSOLUTE_TERMS"]
    assert len(repeated) == 1  # the same text on every frame is one finding, at its first frame
    assert repeated[0]["frame_s"] == 0


def test_bad_images_are_clear_errors(client: TestClient, world: World) -> None:
    for value, code in (
        ("not base64!", "invalid_image"),
        (base64.b64encode(b"not an image").decode(), "invalid_image"),
    ):
        response = client.post(
            "/v1/compliance/check", json={"image_base64": value}, headers=world.auth("creative_a")
        )
        assert response.status_code == 422 and response.json()["code"] == code, response.text
