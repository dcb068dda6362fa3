"""Presets, timing, smart crop and differentiated edit plans (pure Python, no ffmpeg)."""

from __future__ import annotations

import pytest

from pipelines.video.crop import choose_fit, smart_crop
from pipelines.video.errors import NotEnoughFootage, NotEnoughVariants, UnknownPreset, VideoError
from pipelines.video.plan import EditPlan, plan_variants
from pipelines.video.presets import PRESETS, get_preset
from pipelines.video.shots import Shot
from pipelines.video.timing import Timing, slots
from pipelines.video.types import Box, ScoredShot
from pipelines.vision.types import ImageHashes


def _shot(i: int, seconds: float = 3.0, group: int | None = None, faces: int = 0) -> ScoredShot:
    return ScoredShot(
        shot=Shot(
            source=f"/footage/clip{i // 3}.mp4",
            index=i % 3,
            start=(i % 3) * seconds,
            end=(i % 3 + 1) * seconds,
        ),
        width=1920,
        height=1080,
        fps=30.0,
        has_audio=i % 2 == 0,
        sharpness=200.0,
        motion=0.02,
        brightness=0.5,
        faces=faces,
        subject=Box(x=0.4, y=0.2, w=0.15, h=0.3),
        subject_kind="face" if faces else "detail",
        hashes=ImageHashes(phash=f"{i:016x}", dhash=f"{i:016x}", phash_flipped=f"{i:016x}"),
        colour=(0.5, 0.5, 0.5),
        group=i if group is None else group,
        score=min(1.0, 0.5 + 0.01 * i),
    )


def test_presets_sizes_and_unknown_preset() -> None:
    assert (get_preset("douyin").width, get_preset("douyin").height) == (1080, 1920)
    assert get_preset("Offline-Screen").name == "offline_screen"
    assert get_preset("wechat_channels").name == "channels"
    assert get_preset("taobao").max_duration == 60
    with pytest.raises(UnknownPreset) as caught:
        get_preset("tiktok")
    assert caught.value.code == "unknown_preset"
    assert all(name in str(caught.value) for name in PRESETS)


def test_scaled_preset_keeps_even_sides_and_safe_box_inside() -> None:
    small = get_preset("douyin").scaled(1 / 3)
    assert (small.width, small.height) == (360, 640)
    left, top, right, bottom = small.safe_box()
    assert 0 < left < right < small.width and 0 < top < bottom < small.height
    ml, mr, mv = small.subtitle_margins()
    assert ml >= small.width * small.safe.right - 1 and mv > small.height * small.safe.bottom


def test_timing_slots_follow_segments() -> None:
    timing = Timing(segments=[2.0, 4.0, 1.0])
    fast = slots(timing, "fast", max_slot=10.0)
    assert sum(s for s, _ in fast) == pytest.approx(7.0)
    assert [start for _, start in fast].count(True) == 3
    assert len(slots(timing, "calm", max_slot=10.0)) == 3
    assert Timing.from_total(10.0).total == pytest.approx(10.0)


def test_smart_crop_keeps_face_in_frame() -> None:
    preset = get_preset("douyin")
    subject = Box(x=0.7, y=0.2, w=0.12, h=0.3)
    assert choose_fit(1920, 1080, subject, "face", preset) == "crop"
    assert choose_fit(1920, 1080, subject, "detail", preset) == "fill"
    crop = smart_crop(1920, 1080, subject, preset)
    assert crop.x <= 0.7 * 1920 and crop.x + crop.w >= 0.82 * 1920
    assert crop.w / crop.h == pytest.approx(9 / 16, abs=0.01) and crop.w % 2 == 0 and crop.h % 2 == 0


def _timeline_length(plan: EditPlan) -> float:
    return sum(c.duration for c in plan.clips) - sum(t.duration for t in plan.transitions)


def test_ten_variants_are_differentiated() -> None:
    shots = [_shot(i, faces=1 if i == 4 else 0) for i in range(12)]
    plans = plan_variants(shots, [2.5] * 6, "douyin", 10, seed=3, music_duration=60.0)
    assert len({p.sequence for p in plans}) == 10
    for plan in plans:
        groups = [c.group for c in plan.clips]
        assert len(groups) == len(set(groups))
        assert _timeline_length(plan) == pytest.approx(15.0, abs=1e-2)
        assert len(plan.transitions) == len(plan.clips) - 1
        assert all(0 < c.speed <= 1.0 for c in plan.clips)
    assert len({p.music_offset for p in plans}) > 1
    assert len({p.pacing for p in plans}) > 1
    assert plans == plan_variants(shots, [2.5] * 6, "douyin", 10, seed=3, music_duration=60.0)
    assert EditPlan.model_validate_json(plans[0].model_dump_json()) == plans[0]
    assert plans[0].digest() != plans[1].digest()


def test_duplicates_never_share_a_variant() -> None:
    shots = [_shot(i, group=0 if i < 3 else None) for i in range(8)]
    for plan in plan_variants(shots, 8.0, "douyin", 5, seed=1):
        assert sum(1 for c in plan.clips if c.group == 0) <= 1


def test_too_few_distinct_sequences_is_a_clear_error() -> None:
    shots = [_shot(0), _shot(1)]
    with pytest.raises(NotEnoughVariants) as caught:
        plan_variants(shots, [2.0, 2.0], "douyin", 3, seed=0)
    assert caught.value.possible == 2 and caught.value.code == "too_few_sequences"
    assert "2 distinct" in str(caught.value)


def test_short_footage_is_slowed_down_or_refused() -> None:
    shots = [_shot(i, seconds=2.0) for i in range(3)]
    plan = plan_variants(shots, [2.5, 2.5], "douyin", 1)[0]
    assert min(c.speed for c in plan.clips) < 1.0
    with pytest.raises(NotEnoughFootage) as caught:
        plan_variants(shots, 20.0, "douyin", 1)
    assert caught.value.code == "footage_too_short"
    with pytest.raises(VideoError) as too_long:
        plan_variants(shots, 61.0, "taobao", 1)
    assert too_long.value.code == "too_long"


def test_long_takes_are_split_into_shots() -> None:
    from pipelines.video.probe import FootageInfo
    from pipelines.video.shots import FrameSamples, shots_from_cuts

    info = FootageInfo(
        path="/f.mp4",
        duration=20.0,
        width=1920,
        height=1080,
        fps=30.0,
        variable_frame_rate=False,
        rotation=0,
        has_audio=False,
        codec="h264",
    )
    shots = shots_from_cuts(FrameSamples(info=info, fps=10.0), [30])
    assert [(s.start, s.end) for s in shots] == [(0.0, 3.0), (3.0, 8.667), (8.667, 14.333), (14.333, 20.0)]
