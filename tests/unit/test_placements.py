"""Placements as data: the catalog covers the platforms, resolves against the packs, presets and poster
canvases it references, agrees with every platform pack's own SPEC_* checks, and judges renditions."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance_rules.errors import RulePackError
from compliance_rules.placements import (
    Placements,
    RenditionFacts,
    UnknownPlacement,
    builtin_catalog,
    load_catalog,
    pack_disagreements,
    rendition_findings,
)
from compliance_rules.placements.catalog import builtin_specs
from compliance_rules.placements.errors import PlacementError
from compliance_rules.schema import PlatformSpec
from pipelines.poster.sizes import PLATFORM_SIZES as POSTER_SIZES
from pipelines.video.presets import get_preset

MIB = 2**20


@pytest.fixture(scope="module")
def placements() -> Placements:
    return Placements.builtin()


def test_the_catalog_covers_thirty_placements_on_fifteen_platforms(placements: Placements) -> None:
    assert len(placements) >= 30 and len(placements.platforms()) >= 15
    wanted = {
        "douyin.feed_video": (1080, 1920),
        "douyin_ecommerce.product_main": (800, 800),
        "kuaishou.feed_video": (1080, 1920),
        "wechat_channels.feed_video": (1080, 1920),
        "wechat_moments.image_square": (800, 800),
        "wechat_official.cover_main": (900, 383),
        "taobao.main_image": (800, 800),
        "tmall.main_image": (800, 800),
        "taobao.detail_banner": (750, 1000),
        "bilibili.cover_16x10": (1146, 717),
        "bilibili.cover_16x9": (1920, 1080),
        "focus_media.lift_portrait_video": (1080, 1920),
        "focus_media.lift_landscape_video": (1920, 1080),
        "outdoor_led.wide_video": (3840, 1080),
    }
    for placement_id, size in wanted.items():
        p = placements.get(placement_id)
        assert (p.width, p.height) == size, placement_id
    covers = {p.aspect for p in placements.select(platforms=["xiaohongshu"]) if p.kind == "image"}
    assert covers == {(3, 4), (1, 1), (4, 3)}
    for platform in ("douyin_ecommerce", "jd", "pinduoduo", "weibo", "zhihu", "taobao", "bilibili"):
        assert placements.select(platforms=[platform]), platform
    kinds = {p.kind for p in placements.all()}
    assert kinds == {"image", "video"}
    assert {p.format for p in placements.all()} <= {"jpeg", "png", "webp", "mp4"}


def test_every_placement_agrees_with_its_platform_pack(placements: Placements) -> None:
    problems = {p.id: pack_disagreements(p) for p in placements.all()}
    assert {k: v for k, v in problems.items() if v} == {}
    with_pack = [p for p in placements.all() if p.rules]
    assert len(with_pack) >= 30 and all(p.pack is builtin_specs()[p.rules or ""] for p in with_pack)


def test_numbers_come_from_one_source(placements: Placements) -> None:
    specs = builtin_specs()
    feed = placements.get("douyin.feed_video")
    preset = get_preset("douyin")
    assert (feed.width, feed.height, feed.safe, feed.fps) == (
        preset.width,
        preset.height,
        preset.safe,
        preset.fps,
    )
    assert feed.max_duration_s == preset.max_duration  # the ad length, stricter than the pack's upload limit
    assert feed.min_duration_s == specs["douyin"].min_duration_s
    assert feed.max_bytes == int((specs["douyin"].max_file_mb or 0) * MIB)
    assert (feed.title_max_chars, feed.caption_max_chars) == (
        specs["douyin"].title_max_chars,
        specs["douyin"].body_max_chars,
    )
    cover = placements.get("wechat_official.cover_main")
    canvas = POSTER_SIZES["wechat_cover"]
    assert (cover.width, cover.height) == (canvas.width, canvas.height)
    assert cover.caption_max_chars == 120 and cover.title_max_chars == specs["wechat"].title_max_chars
    tmall = placements.get("tmall.main_video")
    assert (tmall.max_duration_s, tmall.max_bytes) == (
        specs["taobao"].max_duration_s,
        int((specs["taobao"].max_file_mb or 0) * MIB),
    )


def test_a_stricter_pack_is_reported_as_a_disagreement() -> None:
    specs = dict(builtin_specs())
    specs["douyin"] = specs["douyin"].model_copy(update={"max_duration_s": 30.0, "title_max_chars": 20})
    feed = Placements(builtin_catalog(), specs).get("douyin.feed_video")
    found = pack_disagreements(feed)
    assert any(d.startswith("SPEC_DURATION_TOO_LONG") for d in found), found
    assert not any(d.startswith("SPEC_TITLE_TOO_LONG") for d in found)  # inherited: follows the pack
    specs["wechat"] = specs["wechat"].model_copy(update={"min_width_px": 400})
    secondary = Placements(builtin_catalog(), specs).get("wechat_official.cover_secondary")
    assert pack_disagreements(secondary) == ["waiver of SPEC_RESOLUTION_TOO_LOW waives nothing"]


def test_selection_by_placement_platform_or_pack(placements: Placements) -> None:
    wechat = {p.platform for p in placements.select(platforms=["wechat"])}
    assert wechat == {"wechat_channels", "wechat_moments", "wechat_official"}
    both = placements.select(["taobao.main_image"], ["jd"])
    assert [p.id for p in both] == ["taobao.main_image", "jd.main_image", "jd.main_video"]
    with pytest.raises(UnknownPlacement) as unknown:
        placements.select(["tiktok.feed"])
    assert unknown.value.code == "unknown_placement" and "taobao.main_image" in unknown.value.details["known"]
    with pytest.raises(UnknownPlacement) as platform:
        placements.select(platforms=["myspace"])
    assert platform.value.code == "unknown_platform"


def test_targets_follow_the_source_for_aspect_placements(placements: Placements) -> None:
    cover = placements.get("xiaohongshu.note_cover_3x4")
    assert cover.size_for(1080, 1920) == (1080, 1440)  # the source allows 1080: the minimum
    assert cover.size_for(3000, 4000) == (1440, 1920)  # a large source: clamped to max_width
    target = placements.get("outdoor_led.wide_video").target(1080, 1920)
    assert (target.width, target.height, target.fps, target.audio) == (3840, 1080, 25, False)
    assert (target.min_duration_s, target.max_duration_s, target.format) == (5.0, 15.0, "mp4")


def test_rendition_findings(placements: Placements) -> None:
    main = placements.get("taobao.main_image")
    assert rendition_findings(main, RenditionFacts(800, 800, 400_000, "jpeg")) == []
    codes = {f.category for f in rendition_findings(main, RenditionFacts(700, 700, 4 * MIB, "png"))}
    assert codes == {"SPEC_DIMENSIONS", "SPEC_FORMAT", "SPEC_FILE_TOO_LARGE", "SPEC_RESOLUTION_TOO_LOW"}
    video = placements.get("wechat_moments.video")
    good = RenditionFacts(720, 1280, 5 * MIB, "mp4", 15.0, "h264", "aac", True, True)
    assert rendition_findings(video, good) == []
    bad = RenditionFacts(720, 1280, 5 * MIB, "mp4", 45.0, "hevc", None, False, False)
    findings = {f.category: f for f in rendition_findings(video, bad)}
    assert set(findings) == {"SPEC_DURATION_TOO_LONG", "SPEC_CODEC", "SPEC_FASTSTART", "SPEC_SAFE_ZONE"}
    assert (
        findings["SPEC_CODEC"].severity.value == "block"
        and findings["SPEC_SAFE_ZONE"].severity.value == "warn"
    )
    assert findings["SPEC_CODEC"].rule_id == "placements/wechat_moments.video/SPEC_CODEC"
    secondary = placements.get("wechat_official.cover_secondary")  # 500 px: the pack's 720 px is waived
    assert rendition_findings(secondary, RenditionFacts(500, 500, 100_000, "jpeg")) == []


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "placements.yaml"
    path.write_text('version: "1"\nplacements:\n' + body, encoding="utf-8")
    return path


def test_malformed_data_is_refused_with_its_line(tmp_path: Path) -> None:
    two_sizes = (
        "  - id: jd.x\n    platform: jd\n    label: x\n    kind: image\n"
        "    size: [800, 800]\n    poster_size: taobao\n    max_file_mb: 1\n"
    )
    with pytest.raises(RulePackError) as error:
        load_catalog(_write(tmp_path, two_sizes))
    assert error.value.details["line"] == 3 and "exactly one of size" in error.value.message
    twice = "  - {id: jd.x, platform: jd, label: x, kind: image, size: [8, 8], max_file_mb: 1}\n" * 2
    with pytest.raises(RulePackError, match="duplicate placement ids: jd.x"):
        load_catalog(_write(tmp_path, twice))
    odd_video = "  - {id: jd.v, platform: jd, label: v, kind: video, size: [801, 800], max_file_mb: 1}\n"
    with pytest.raises(RulePackError, match="even"):
        load_catalog(_write(tmp_path, odd_video))
    no_limit = "  - {id: jd.x, platform: jd, label: x, kind: image, size: [800, 800]}\n"
    with pytest.raises(PlacementError, match="no file size limit"):
        Placements(load_catalog(_write(tmp_path, no_limit)), {})
    no_pack = "  - {id: jd.x, platform: jd, rules: jd, label: x, kind: image, size: [8, 8], max_file_mb: 1}\n"
    with pytest.raises(PlacementError, match="no platform pack"):
        Placements(load_catalog(_write(tmp_path, no_pack)), {"douyin": PlatformSpec()})
