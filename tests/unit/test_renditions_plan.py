"""Which source an export renders for which placement, and where each rendition is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asset_store.repo.repository import AssetVersion
from asset_store.repo.tree import Entry
from compliance_rules.placements import Placements
from serving.exports.plan import plan_work
from serving.exports.sources import SourceAsset


def _source(path: str, kind: str, width: int, height: int) -> SourceAsset:
    entry = Entry(path, "b" * 64, "r" * 64, kind, 1000)
    meta: dict[str, Any] = {}
    return SourceAsset(
        version=AssetVersion(path, "c" * 64, entry, {"metadata": meta}),
        kind=kind,
        width=width,
        height=height,
        duration_s=15.0 if kind == "video" else None,
        file=Path("/nonexistent"),
        focus=None,
        title=None,
        caption=None,
        tags=(),
    )


SOURCES = [
    _source("posters/p-douyin.png", "image", 1080, 1920),
    _source("posters/p-taobao.png", "image", 800, 800),
    _source("posters/p-wechat.png", "image", 900, 383),
    _source("videos/v.mp4", "video", 1080, 1920),
]


def test_each_source_of_a_placements_kind_gets_a_rendition() -> None:
    chosen = Placements.builtin().select(
        ["taobao.main_image", "douyin.feed_video", "focus_media.lift_portrait_image"]
    )
    works, skipped = plan_work("JOB_1", SOURCES, chosen, "each")
    assert skipped == []
    pairs = sorted((w.placement.id, w.source.path) for w in works)
    assert len(pairs) == 3 * 2 + 1  # three pictures to two image placements, the video to one
    assert ("douyin.feed_video", "videos/v.mp4") in pairs
    paths = {w.path for w in works}
    assert "exports/job_1/01-p-douyin/taobao.main_image.jpg" in paths and len(paths) == len(works)
    video = next(w for w in works if w.placement.kind == "video")
    assert video.path == "exports/job_1/04-v/douyin.feed_video.mp4"
    assert video.cover_path == "exports/job_1/04-v/douyin.feed_video.cover.jpg"
    assert (video.target.width, video.target.height, video.target.format) == (1080, 1920, "mp4")


def test_closest_aspect_picks_one_source_per_placement_and_skips_what_no_source_serves() -> None:
    placements = Placements.builtin()
    chosen = placements.select(
        ["taobao.main_image", "wechat_official.cover_main", "douyin.feed_cover", "zhihu.feed_image"]
    )
    works, skipped = plan_work(
        "JOB_2", SOURCES[:3], chosen + [placements.get("bilibili.video")], "closest_aspect"
    )
    picked = {w.placement.id: w.source.path for w in works}
    assert picked == {
        "taobao.main_image": "posters/p-taobao.png",
        "wechat_official.cover_main": "posters/p-wechat.png",
        "douyin.feed_cover": "posters/p-douyin.png",
        "zhihu.feed_image": "posters/p-wechat.png",  # 16:9 is nearer 2.35:1 than 1:1
    }
    assert [(s.placement.id, s.reason) for s in skipped] == [("bilibili.video", "no video among the sources")]
    zhihu = next(w for w in works if w.placement.id == "zhihu.feed_image")
    assert (zhihu.target.width, zhihu.target.height) == (1280, 720)  # 900 px wide source: the minimum
    single, _ = plan_work("JOB_3", SOURCES[:1], [placements.get("taobao.main_image")], "each")
    assert single[0].path == "exports/job_3/taobao.main_image.jpg"  # one source: no per-source folders
