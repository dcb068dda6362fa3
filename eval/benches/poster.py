"""Bench "poster": the poster compositor's throughput on this CPU, one thread.

- ``posters_per_s``: ``compose`` of one poster at 1080x1440 (Xiaohongshu 3:4), pixels ready, over
  ``posters`` posters planned by ``plan_posters`` from 24 copy variants x the 6 built-in templates x 4
  palettes (palette gradients/patterns/solids, an RGBA product, logo with clear space, QR code, 5-6 text
  slots auto-fitted), after a warm-up on other copy; fonts, decoded images and backgrounds are cached
  as in a long-running worker.
- ``posters_per_s_png``: the same with the PNG encoded (``Rendition.png``, zlib level 1).
- ``photo_posters_per_s``: the same plan over a photo background (cover-fit, darkened), pixels only.
- ``all_sizes_posters_per_s``: posters rendered at all five platform sizes (pixels only).
- ``creatives_100_seconds`` (with ``-o creatives=100``): 100 complete creatives (copy + poster in two
  platform sizes) from one brief through the REST API with the real default models
  (``eval/benches/creatives.py``); another count N names the metric ``creatives_N_seconds``.
"""

from __future__ import annotations

import io
import os
import statistics
import time
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from pipelines.poster import (
    PLATFORM_SIZES,
    BackgroundInput,
    BrandKit,
    Palette,
    PosterCopy,
    builtin_templates,
    compose,
    palette_variants,
    plan_posters,
)
from pipelines.poster.plan import PlannedPoster

SIZE = "xiaohongshu"
HEADLINES = (
    "夏日清凉新品上市，限时尝鲜！",
    "一瓶搞定全天保湿",
    "敏感肌也能放心用的防晒",
    "早八人的5分钟快手妆",
    "618年中大促 全场低至5折",
    "轻盈不黏腻的SPF50+防晒乳",
    "Vitamin C 焕亮精华 新品首发",
    "专为通勤设计的轻量背包",
)
SUBHEADS = ("植物萃取 温和不刺激", "24小时长效锁水，一抹水润", "城市轻户外的第一选择")
POINTS = (
    ("24小时长效保湿", "SPF50+ PA++++ 高倍防晒", "0酒精 0香精"),
    ("轻薄透气", "防水面料", "多隔层收纳 15.6英寸电脑仓"),
)
DISCLAIMER = "图片仅供参考，请以实物为准。活动时间：2025年6月1日—6月18日，详见店铺公告。"


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


def fixtures() -> tuple[BrandKit, bytes, bytes]:
    """A brand kit with an RGBA logo, an RGBA product shot and a photo-like background (JPEG)."""
    logo = Image.new("RGBA", (480, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.rounded_rectangle((0, 0, 479, 159), 40, fill=(230, 0, 18, 255))
    draw.ellipse((30, 30, 130, 130), fill=(255, 255, 255, 255))
    product = Image.new("RGBA", (700, 900), (0, 0, 0, 0))
    draw = ImageDraw.Draw(product)
    draw.rounded_rectangle((150, 200, 550, 880), 60, fill=(245, 240, 230, 255))
    draw.rectangle((260, 40, 440, 210), fill=(40, 40, 40, 255))
    rng = np.random.default_rng(0)
    ramp = np.linspace(40, 220, 1600, dtype=np.float32)[None, :, None]
    noise = rng.normal(0, 18, (2000, 1600, 3)).astype(np.float32)
    photo = Image.fromarray(np.clip(ramp + noise, 0, 255).astype(np.uint8), "RGB")
    kit = BrandKit(
        name="bench",
        palette=Palette(primary="#E60012", secondary="#1F3A93", accent="#FFC72C"),
        logo=_png(logo),
        logo_min_width_px=60,
    )
    return kit, _png(product), _jpeg(photo)


def copies(prefix: str = "") -> list[PosterCopy]:
    """24 copy variants (a prefix makes a set distinct from the measured one, for the warm-up)."""
    return [
        PosterCopy(
            headline=prefix + headline,
            subhead=SUBHEADS[i % len(SUBHEADS)],
            selling_points=POINTS[i % len(POINTS)],
            price=f"¥{99 + 10 * i}",
            cta=("立即抢购", "了解更多", "马上领券")[i % 3],
            disclaimer=DISCLAIMER,
        )
        for headline in HEADLINES
        for i in range(3)
    ]


def _timed(plan: list[PlannedPoster], sizes: tuple[str, ...], encode: bool, **fields: Any) -> list[float]:
    seconds = []
    for item in plan:
        began = time.perf_counter()
        poster = compose(item.request(sizes=sizes, **fields))
        if encode:
            for rendition in poster.renditions:
                assert rendition.png
        seconds.append(time.perf_counter() - began)
    return seconds


def _rate(seconds: list[float]) -> float:
    return round(len(seconds) / sum(seconds), 2)


def run(posters: int | str = 120, seed: int | str = 0, creatives: int | str = 0) -> dict[str, Any]:
    """Measure the compositor, and with ``creatives`` the creative job end to end (module docstring)."""
    outcome = _compositor(int(posters), int(seed))
    if int(creatives) > 0:
        from eval.benches.creatives import measure

        load_before = os.getloadavg()
        detail = measure(int(creatives))
        outcome["metrics"][f"creatives_{int(creatives)}_seconds"] = detail["seconds"]
        outcome["creatives"] = detail | {
            "loadavg_before": [round(v, 2) for v in load_before],
            "loadavg_after": [round(v, 2) for v in os.getloadavg()],
        }
    return outcome


def _compositor(posters: int, seed: int) -> dict[str, Any]:
    kit, product, photo = fixtures()
    templates = sorted(builtin_templates())
    palettes = palette_variants(kit.palette)
    common: dict[str, Any] = {"brand": kit, "product": product, "qr_url": "https://example.com/p/2025-0618"}
    load_before = os.getloadavg()
    warm = plan_posters(copies("预热"), templates, palettes, len(templates) * len(palettes), seed + 1)
    _timed(warm, (SIZE,), True, **common)
    _timed(warm[:6], (SIZE,), False, background=BackgroundInput(image=photo, darken=0.3), **common)
    _timed(warm[:6], tuple(PLATFORM_SIZES), False, **common)
    plan = plan_posters(copies(), templates, palettes, posters, seed)
    pixels = _timed(plan, (SIZE,), False, **common)
    replan = plan_posters(copies(), templates, palettes, posters, seed + 2)
    with_png = _timed(replan, (SIZE,), True, **common)
    photo_plan = plan_posters(copies(), templates, palettes, max(12, posters // 4), seed + 3)
    photos = _timed(photo_plan, (SIZE,), False, background=BackgroundInput(image=photo, darken=0.3), **common)
    all_plan = plan_posters(copies(), templates, palettes, max(6, posters // 10), seed + 4)
    all_sizes = _timed(all_plan, tuple(PLATFORM_SIZES), False, **common)
    return {
        "metrics": {
            "posters_per_s": _rate(pixels),
            "poster_p50_ms": round(statistics.median(pixels) * 1000, 1),
            "poster_p95_ms": round(statistics.quantiles(pixels, n=20)[18] * 1000, 1),
            "posters_per_s_png": _rate(with_png),
            "photo_posters_per_s": _rate(photos),
            "all_sizes_posters_per_s": _rate(all_sizes),
        },
        "config": {
            "size": "1080x1440",
            "posters": posters,
            "templates": templates,
            "palettes": [p.name for p in palettes],
            "copies": len(copies()),
            "all_sizes": list(PLATFORM_SIZES),
            "threads": 1,
            "cpus": os.cpu_count(),
            "loadavg_before": [round(v, 2) for v in load_before],
            "loadavg_after": [round(v, 2) for v in os.getloadavg()],
        },
    }
