"""Renditions meet their targets: image size, format and byte limit (quality search), the fit (scale,
crop around the focus, pad), and for video H.264/AAC at the exact frame, trimmed or held to the allowed
length, under the byte limit, faststart, with a cover — checked with ffprobe."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipelines.poster import BrandKit, Palette, PosterCopy, PosterRequest, compose
from pipelines.poster.spec import TextLayer
from pipelines.renditions import RenditionError, Target, plan_video, render_image, render_video
from pipelines.renditions.fit import plan_fit
from pipelines.renditions.poster import content_box
from pipelines.renditions.saliency import salient_box
from pipelines.renditions.video import moov_first
from pipelines.video.probe import probe_footage
from pipelines.video.types import Box

MIB = 2**20


def _poster(width: int = 540, height: int = 960) -> bytes:
    """A portrait picture: a vertical gradient with light noise (so encoders have work) and a red product
    block in its upper right."""
    rng = np.random.default_rng(1)
    ramp = np.linspace(120, 200, height, dtype=np.float32)[:, None, None] * np.ones((1, width, 3), np.float32)
    pixels = np.clip(ramp + rng.normal(0, 12, (height, width, 3)), 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    ImageDraw.Draw(image).rectangle((330, 120, 500, 330), fill=(220, 20, 30))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _logo() -> bytes:
    mark = Image.new("RGBA", (240, 80), (0, 0, 0, 0))
    ImageDraw.Draw(mark).rounded_rectangle((0, 0, 239, 79), 20, fill=(230, 0, 18, 255))
    buffer = io.BytesIO()
    mark.save(buffer, "PNG")
    return buffer.getvalue()


def _target(**fields: object) -> Target:
    base: dict[str, object] = {"name": "t.image", "kind": "image", "format": "jpeg", "max_bytes": 2 * MIB}
    return Target.model_validate(base | fields)


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp"])
def test_an_image_rendition_has_the_exact_size_format_and_fits_its_limit(fmt: str) -> None:
    out = render_image(_poster(), _target(width=360, height=480, format=fmt, max_bytes=400_000))
    with Image.open(io.BytesIO(out.data)) as decoded:
        assert (decoded.format, decoded.size) == (
            {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}[fmt],
            (360, 480),
        )
    assert out.bytes == len(out.data) <= 400_000 and out.placed.fit == "crop"


def test_the_quality_search_finds_the_best_quality_under_a_tight_limit() -> None:
    loose = render_image(_poster(), _target(width=540, height=960, max_bytes=4 * MIB))
    tight = render_image(_poster(), _target(width=540, height=960, max_bytes=120_000))
    assert loose.quality == 92 and loose.attempts == 1
    assert tight.quality is not None and 70 <= tight.quality < 92 and tight.bytes <= 120_000
    assert tight.attempts > 2
    with pytest.raises(RenditionError) as refused:
        render_image(_poster(), _target(width=540, height=960, max_bytes=20_000))
    assert refused.value.code == "over_byte_limit"
    palette = render_image(_poster(), _target(width=540, height=960, format="png", max_bytes=700_000))
    assert palette.colours == 256 and palette.bytes <= 700_000  # lossless did not fit: 256 colours did


def test_the_fit_scales_crops_around_the_focus_or_pads() -> None:
    portrait = _target(width=360, height=480)
    same = plan_fit(540, 960, _target(width=270, height=480), None, "given")
    assert same.fit == "scale"
    focus = salient_box(Image.open(io.BytesIO(_poster())))
    assert focus.x > 0.5 and focus.y < 0.4  # the red block, upper right
    crop = plan_fit(540, 960, portrait, focus, "saliency")
    x, y, w, h = crop.crop
    assert crop.fit == "crop" and (w, h) == (540, 720) and y == 0  # the window moved up to it
    assert crop.focus_in_safe is True
    wide = plan_fit(540, 960, _target(width=1280, height=360), focus, "saliency")
    assert wide.fit == "pad" and wide.crop == (0, 0, 540, 960)  # 32:9 from 9:16 keeps too little
    whole = Box(x=0.05, y=0.05, w=0.9, h=0.9)  # a poster's copy fills it: cropping would cut text
    assert plan_fit(540, 960, portrait, whole, "spec").fit == "pad"
    assert plan_fit(540, 960, portrait.model_copy(update={"fit": "crop"}), whole, "spec").fit == "crop"
    square = _target(width=400, height=400)  # keeps 56 % of the frame: under min_crop_keep, padded
    assert plan_fit(540, 960, square, focus, "saliency").fit == "pad"


def test_a_padded_rendition_keeps_the_whole_source_inside_the_safe_area() -> None:
    from pipelines.video.presets import SafeZone

    safe = SafeZone(top=0.1, bottom=0.2, left=0.05, right=0.15)
    out = render_image(_poster(), _target(width=960, height=540, safe=safe), focus=Box(x=0, y=0, w=1, h=1))
    frame = np.asarray(Image.open(io.BytesIO(out.data)).convert("RGB"), dtype=np.int16)
    red = (frame[..., 0] > 170) & (frame[..., 1] < 80) & (frame[..., 2] < 90)
    ys, xs = np.nonzero(red)
    assert out.placed.fit == "pad" and len(xs) > 100
    assert xs.min() >= 960 * 0.05 and xs.max() <= 960 * 0.85 and ys.min() >= 54 and ys.max() <= 540 * 0.8


def test_a_posters_content_box_comes_from_its_layered_spec() -> None:
    request = PosterRequest(
        template="centred_hero",
        content=PosterCopy(headline="夏日清凉新品上市", subhead="植物萃取 温和不刺激", cta="立即抢购"),
        brand=BrandKit(
            name="acme",
            palette=Palette(primary="#E60012", secondary="#1F3A93", accent="#FFC72C"),
            logo=_logo(),
        ),
        sizes=("douyin",),
    )
    rendition = compose(request).renditions[0]
    spec = rendition.spec
    box = content_box(spec)
    assert box is not None
    texts = [layer.box for layer in spec.layers if isinstance(layer, TextLayer)]
    for left, top, right, bottom in texts:  # every text slot is inside the box
        assert box.x * 1080 <= left + 1 and right - 1 <= (box.x + box.w) * 1080
        assert box.y * 1920 <= top + 1 and bottom - 1 <= (box.y + box.h) * 1920
    assert content_box(spec.model_copy(update={"layers": spec.layers[:1]})) is None  # the background only
    # all of the copy cannot stay in a 1:1 window of a 9:16 poster: the rendition pads instead of cutting it
    square = render_image(rendition.png, _target(width=800, height=800), focus=box, focus_kind="spec")
    assert square.placed.fit == "pad" and square.placed.focus == "spec"


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 s of 640×360 test pattern with a tone (30 fps)."""
    path = tmp_path_factory.mktemp("footage") / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=640x360:r=30:d=4",
            "-f",
            "lavfi",
            "-i",
            "sine=f=440:d=4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path


def _ffprobe(path: Path) -> dict[str, object]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(path)],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    data: dict[str, object] = json.loads(out)
    return data


def _video_target(**fields: object) -> Target:
    base: dict[str, object] = {"name": "t.video", "kind": "video", "format": "mp4", "max_bytes": 2 * MIB}
    return Target.model_validate(base | fields)


def test_a_video_rendition_is_padded_to_its_frame_held_to_its_shortest_length(
    footage: Path, tmp_path: Path
) -> None:
    target = _video_target(width=360, height=640, min_duration_s=5, max_duration_s=60, max_bytes=400_000)
    out = render_video(footage, target, tmp_path)
    data = _ffprobe(Path(out.path))
    streams = {s["codec_type"]: s for s in data["streams"]}  # type: ignore[attr-defined]
    video, audio = streams["video"], streams["audio"]
    assert (video["codec_name"], video["profile"], video["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert (video["width"], video["height"]) == (360, 640)
    assert (audio["codec_name"], int(audio["sample_rate"]), audio["channels"]) == ("aac", 48000, 2)
    assert abs(float(data["format"]["duration"]) - 5.0) < 0.1  # type: ignore[index]
    assert out.padded_s == 1.0 and out.trimmed_s == 0 and out.placed.fit == "pad"
    assert Path(out.path).stat().st_size == out.bytes <= 400_000 and moov_first(Path(out.path))
    with Image.open(out.cover_path) as cover:
        assert (cover.format, cover.size) == ("JPEG", (360, 640))


def test_a_video_rendition_is_trimmed_cropped_silent_and_kept_under_a_tight_limit(
    footage: Path, tmp_path: Path
) -> None:
    target = _video_target(width=480, height=360, max_duration_s=3, audio=False, max_bytes=60_000)
    out = render_video(footage, target, tmp_path)
    info = probe_footage(out.path)
    assert (info.codec, info.audio_codec, info.width, info.height) == ("h264", None, 480, 360)
    assert abs(info.duration - 3.0) < 0.1 and out.trimmed_s == 1.0 and out.placed.fit == "crop"
    assert out.bytes <= 60_000 and out.kbps_cap <= 150  # the cap the byte limit allows over 3 s (+1 s VBV)


def test_equal_plans_share_a_key_and_impossible_limits_are_refused(footage: Path) -> None:
    info = probe_footage(footage)
    a = plan_video(info, _video_target(name="a.feed", width=320, height=180, max_duration_s=60))
    b = plan_video(info, _video_target(name="b.feed", width=320, height=180, max_duration_s=15))
    c = plan_video(info, _video_target(name="c.feed", width=320, height=180, max_duration_s=2))
    assert a.key() == b.key() != c.key()  # 4 s of footage: limits of 60 s and 15 s make the same file
    d = plan_video(info, _video_target(name="d.feed", width=320, height=180, max_bytes=3 * MIB))
    assert d.key() == a.key() and d.max_bytes != a.max_bytes  # a looser limit, the same ceiling
    with pytest.raises(RenditionError) as refused:
        plan_video(info, _video_target(width=320, height=180, max_bytes=20_000))
    assert refused.value.code == "over_byte_limit"
