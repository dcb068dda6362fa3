"""Real renders of small remixes (360×640, 4 s) through ffmpeg: the full edit (logo, ASS subtitles,
voice, ducked music, hook and end cards, transitions), a cancelled render resumed from its finished steps,
and awkward footage (VFR, odd size, no audio) with no optional inputs at all."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from pipelines.video.errors import RenderCancelled
from pipelines.video.measure import write_ass
from pipelines.video.plan import EditPlan, plan_variants
from pipelines.video.presets import get_preset
from pipelines.video.render import RenderInputs, render_plan
from pipelines.video.samples import SampleSet, make_voice
from pipelines.video.scoring import analyse_footage
from pipelines.video.types import ScoredShot
from tests.footage import shared_sample_footage

PRESET = get_preset("douyin").scaled(1 / 3)


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> tuple[SampleSet, list[ScoredShot], Path]:
    root = tmp_path_factory.mktemp("remix")
    samples = shared_sample_footage(tmp_path_factory)
    shutil.copyfile(samples.music, root / "music.wav")  # the inputs below live in root
    return samples, analyse_footage([c.path for c in samples.clips]), root


def _probe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(path)],
        capture_output=True,
        check=True,
    )
    info: dict[str, Any] = json.loads(out.stdout)
    return info


def _check_mp4(path: Path, seconds: float) -> None:
    info = _probe(path)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], video["pix_fmt"], audio["codec_name"]) == ("h264", "yuv420p", "aac")
    assert (video["width"], video["height"]) == (PRESET.width, PRESET.height)
    assert float(info["format"]["duration"]) == pytest.approx(seconds, abs=0.2)
    assert float(video["duration"]) == pytest.approx(seconds, abs=0.2)


def _inputs(root: Path, seconds: float) -> RenderInputs:
    logo = root / "logo.png"
    image = Image.new("RGBA", (120, 48), (0, 0, 0, 0))
    ImageDraw.Draw(image).rounded_rectangle((0, 0, 119, 47), radius=12, fill=(220, 30, 40, 230))
    image.save(logo)
    ass = write_ass(root / "subs.ass", [(0.0, 2.0, "第一句：新品上市"), (2.0, seconds, "限时优惠 马上下单")])
    return RenderInputs(
        voice=str(make_voice(root / "voice.wav", seconds - 0.5)),
        music=str(root / "music.wav"),
        logo=str(logo),
        subtitles=str(ass),
        hook_text="三秒看懂新品",
        cta_text="点击链接 立即购买",
        cta_line="限时优惠",
        footage_audio="low",
    )


def _plan(shots: list[ScoredShot], seconds: float = 4.0, variant: int = 0) -> EditPlan:
    return plan_variants(shots, [seconds / 2] * 2, PRESET, variant + 1, seed=5, music_duration=20.0)[variant]


def test_full_remix_renders_a_valid_mp4_and_cover(footage: tuple[SampleSet, list[ScoredShot], Path]) -> None:
    _, shots, root = footage
    plan = _plan(shots)
    assert any(t.kind != "cut" for t in plan.transitions) or len(plan.clips) > 1
    progress: list[tuple[str, float]] = []
    result = render_plan(
        plan,
        _inputs(root, 4.0),
        root / "out" / "remix.mp4",
        work_dir=root / "work-full",
        cover_path=root / "out" / "cover.jpg",
        progress=lambda step, fraction: progress.append((step, fraction)),
    )
    _check_mp4(Path(result.video), 4.0)
    with Image.open(result.cover or "") as cover:
        assert cover.format == "JPEG" and cover.size == (PRESET.width, PRESET.height)
    assert [s for s, f in progress if f == 1.0] == ["cards", "audio", "video", "mux", "cover"]
    assert result.encoder == "libx264" and result.skipped == []


def test_cancelled_render_leaves_no_output_and_resumes(
    footage: tuple[SampleSet, list[ScoredShot], Path],
) -> None:
    _, shots, root = footage
    plan = _plan(shots, variant=1)
    inputs = _inputs(root, 4.0)
    finished: list[str] = []
    out = root / "resume" / "remix.mp4"
    with pytest.raises(RenderCancelled):
        render_plan(
            plan,
            inputs,
            out,
            work_dir=root / "work-resume",
            progress=lambda step, fraction: finished.append(step) if fraction == 1.0 else None,
            cancel=lambda: "video" in finished,
        )
    assert not out.exists() and not list(out.parent.glob("*"))
    assert not list((root / "work-resume").glob(".*part*"))
    result = render_plan(plan, inputs, out, work_dir=root / "work-resume")
    assert result.skipped == ["cards", "audio", "video"]
    _check_mp4(out, 4.0)
    again = render_plan(plan, inputs, out, work_dir=root / "work-resume")
    assert again.skipped == ["cards", "audio", "video", "mux"]


def test_awkward_footage_renders_without_optional_inputs(
    footage: tuple[SampleSet, list[ScoredShot], Path],
) -> None:
    samples, shots, root = footage
    awkward = {samples.clip(n).path for n in ("vfr", "odd", "scenes_b")}
    chosen = [s for s in shots if s.shot.source in awkward]
    plan = plan_variants(chosen, 3.0, PRESET, 1, seed=2)[0]
    assert {c.source for c in plan.clips} <= awkward
    result = render_plan(plan, RenderInputs(), root / "bare.mp4", work_dir=root / "work-bare")
    _check_mp4(Path(result.video), 3.0)
    again = render_plan(plan, RenderInputs(), root / "bare2.mp4", work_dir=root / "work-bare2")
    assert Path(again.video).read_bytes() == Path(result.video).read_bytes()  # deterministic given the plan
