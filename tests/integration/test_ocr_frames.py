"""OCR with the real RapidOCR models on rendered Chinese ad copy, and frames + soft subtitles out of videos
made at test time with ffmpeg (lavfi ``testsrc`` and a mov_text subtitle stream)."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipelines.base import MissingDependency
from pipelines.frames import extract_subtitles, frame_times, parse_srt, sample_frames
from pipelines.ocr import OcrLine, OcrRequest, RapidOcrModel, ocr_image

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
HEADLINE, SMALL = "全网最低价 加微信领券", "扫码关注 限时优惠"


@pytest.fixture(scope="module")
def ocr() -> Iterator[RapidOcrModel]:
    model = RapidOcrModel()
    model.load()
    yield model


def _poster() -> tuple[Image.Image, dict[str, tuple[float, float, float, float]]]:
    """A 720x1280 poster with a 48 px headline and a 28 px line; returns where each was drawn."""
    poster = Image.new("RGB", (720, 1280), (252, 246, 236))
    draw = ImageDraw.Draw(poster)
    draw.rectangle((0, 0, 720, 300), fill=(230, 0, 18))
    where = {}
    for text, size, top in ((HEADLINE, 48, 560), (SMALL, 28, 700)):
        font = ImageFont.truetype(FONT, size)
        draw.text((60, top), text, font=font, fill=(25, 25, 25))
        where[text] = draw.textbbox((60, top), text, font=font)
    return poster, where


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _line_with(lines: list[OcrLine], *words: str) -> OcrLine:
    found = [line for line in lines if all(w in line.text.replace(" ", "") for w in words)]
    assert found, f"no line with {words} in {[line.text for line in lines]}"
    return found[0]


def _inside(line: OcrLine, drawn: tuple[float, float, float, float], slack: float = 12) -> None:
    xs, ys = [p[0] for p in line.box], [p[1] for p in line.box]
    left, top, right, bottom = drawn
    assert left - slack <= min(xs) and max(xs) <= right + slack, (line.box, drawn)
    assert top - slack <= min(ys) and max(ys) <= bottom + slack, (line.box, drawn)
    assert max(xs) - min(xs) >= 0.8 * (right - left)  # the box covers the whole line


def test_ocr_reads_rendered_chinese_ad_copy_with_boxes(ocr: RapidOcrModel) -> None:
    poster, where = _poster()
    lines = ocr.predict(OcrRequest(image=_png(poster))).lines
    assert len(lines) == 2
    headline = _line_with(lines, "全网最低价", "加微信领券")
    small = _line_with(lines, "扫码关注", "限时优惠")
    _inside(headline, where[HEADLINE])
    _inside(small, where[SMALL])
    assert headline.score > 0.9 and small.score > 0.9
    for line in lines:
        assert all(0 <= x <= 720 and 0 <= y <= 1280 for x, y in line.box)


def test_ocr_handles_jpeg_alpha_and_palette_images(ocr: RapidOcrModel) -> None:
    poster, _ = _poster()
    jpeg = io.BytesIO()
    poster.save(jpeg, "JPEG", quality=80)
    assert _line_with(ocr.predict(OcrRequest(image=jpeg.getvalue())).lines, "加微信领券")

    palette = poster.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    assert _line_with(ocr.read(palette), "全网最低价")

    white_on_clear = Image.new("RGBA", (600, 160), (0, 0, 0, 0))
    ImageDraw.Draw(white_on_clear).text(
        (20, 40), "加微信领券", font=ImageFont.truetype(FONT, 56), fill="white"
    )
    assert _line_with(ocr.predict(OcrRequest(image=_png(white_on_clear))).lines, "加微信领券")


def test_ocr_of_an_image_without_text_is_empty(ocr: RapidOcrModel) -> None:
    assert ocr.predict(OcrRequest(image=_png(Image.new("RGB", (720, 1280), "white")))).lines == []
    assert ocr.read(Image.new("L", (64, 64), 128)) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"definitely not an image", "not an image"),
        (_png(Image.new("RGB", (300, 300), "red"))[:120], "corrupt PNG"),
    ],
)
def test_ocr_of_corrupt_bytes_is_a_value_error(ocr: RapidOcrModel, data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ocr.predict(OcrRequest(image=data))


def test_ocr_image_uses_one_shared_model() -> None:
    poster, _ = _poster()
    assert _line_with(ocr_image(poster), "扫码关注")
    assert ocr_image(Image.new("RGB", (100, 100), "white")) == []


# --- frames and subtitles ---------------------------------------------------------------------------

SRT = """1
00:00:00,200 --> 00:00:01,300
全网最低价

2
00:00:01,500 --> 00:00:02,750
<i>加微信</i>领券
第二行
"""


def _ffmpeg(*args: str) -> None:
    binary = shutil.which("ffmpeg")
    assert binary is not None, "ffmpeg is required (Debian package 'ffmpeg')"
    subprocess.run([binary, "-v", "error", "-y", *args], check=True, timeout=60, capture_output=True)


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("videos")
    (folder / "ad.srt").write_text(SRT, encoding="utf-8")

    def testsrc(seconds: int) -> list[str]:
        return ["-f", "lavfi", "-i", f"testsrc=size=160x90:rate=10:duration={seconds}"]

    encode = ["-c:v", "mpeg4", "-pix_fmt", "yuv420p"]
    subtitles = ["-i", str(folder / "ad.srt"), "-c:s", "mov_text"]
    _ffmpeg(*testsrc(3), *subtitles, *encode, str(folder / "short.mp4"))
    _ffmpeg(*testsrc(20), *encode, str(folder / "long.mp4"))
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x90:rate=2:duration=200", *encode, str(folder / "film.mp4"))
    _ffmpeg(*testsrc(3), "-c:v", "mpeg4", "-f", "m4v", str(folder / "raw.m4v"))  # no duration in the file
    (folder / "notes.mp4").write_text("not a video")
    return {p.stem: p for p in folder.iterdir()}


def test_sample_frames_one_per_second(videos: dict[str, Path]) -> None:
    frames = sample_frames(videos["short"], every_s=1.0)
    assert [t for t, _ in frames] == [0.0, 1.0, 2.0]
    assert all(f.size == (160, 90) and f.mode == "RGB" for _, f in frames)
    pixels = [np.asarray(f, dtype=np.int16) for _, f in frames]
    assert np.abs(pixels[0] - pixels[1]).mean() > 1  # testsrc moves: the frames are really different times
    small = sample_frames(videos["short"], every_s=0.5, max_side=64)
    assert len(small) == 6 and small[0][1].size == (64, 36)


def test_sample_frames_caps_long_videos(videos: dict[str, Path]) -> None:
    frames = sample_frames(videos["long"], every_s=1.0, max_frames=5)
    assert [t for t, _ in frames] == [0.0, 4.0, 8.0, 12.0, 16.0]
    assert frame_times(20.0, every_s=1.0, max_frames=60) == [float(i) for i in range(20)]
    # over 3 minutes with sparse samples: one seek per frame instead of decoding the whole film
    assert [t for t, _ in sample_frames(videos["film"], max_frames=4)] == [0.0, 50.0, 100.0, 150.0]
    # duration unknown: every every_s until the decoder reaches the end
    assert [t for t, _ in sample_frames(videos["raw"], every_s=1.0)] == [0.0, 1.0, 2.0]
    assert frame_times(None, every_s=2.0, max_frames=3) == [0.0, 2.0, 4.0]


def test_extract_subtitles_parses_times_and_chinese_text(videos: dict[str, Path]) -> None:
    cues = extract_subtitles(videos["short"])
    assert [(round(a, 2), round(b, 2)) for a, b, _ in cues] == [(0.2, 1.3), (1.5, 2.75)]
    assert [text for _, _, text in cues] == ["全网最低价", "加微信领券\n第二行"]
    assert extract_subtitles(videos["long"]) == []
    assert parse_srt("\ufeff1\r\n00:00:01.5 --> 00:00:02,000\r\n{\\an8}你好\r\n") == [(1.5, 2.0, "你好")]


def test_frames_errors_are_clear(videos: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="ffprobe notes.mp4 failed"):
        sample_frames(videos["notes"])
    with pytest.raises(FileNotFoundError, match="no such video"):
        sample_frames(videos["short"].with_name("missing.mp4"))
    with pytest.raises(ValueError, match="every_s"):
        sample_frames(videos["short"], every_s=0)
    monkeypatch.setenv("ATELIER_FFPROBE", "/nonexistent/ffprobe")
    with pytest.raises(MissingDependency, match="Debian package 'ffmpeg'"):
        extract_subtitles(videos["short"])
