"""N differentiated posters by seed, the bench registration, and an OCR round trip of a poster."""

from __future__ import annotations

import io
from collections import Counter

from PIL import Image

from eval.harness import BENCHES, resolve
from pipelines.poster import (
    BrandKit,
    Palette,
    PosterCopy,
    builtin_templates,
    compose,
    palette_variants,
    plan_posters,
)

PALETTES = palette_variants(Palette(primary="#E60012", secondary="#1F3A93", accent="#FFC72C"))
COPIES = [
    PosterCopy(headline=h, disclaimer="图片仅供参考")
    for h in ("春季上新", "夏日特惠", "秋冬焕新", "年终盛典")
]


def test_plan_is_deterministic_and_spreads_over_copies_templates_and_palettes() -> None:
    templates = sorted(builtin_templates())
    plan = plan_posters(COPIES, templates, PALETTES, 24, seed=5)
    assert plan == plan_posters(COPIES, templates, PALETTES, 24, seed=5)
    assert plan != plan_posters(COPIES, templates, PALETTES, 24, seed=6)
    combos = [(p.copy_index, p.template, p.palette.name) for p in plan]
    assert len(set(combos)) == 24
    for counts, kinds in (
        (Counter(p.template for p in plan), len(templates)),
        (Counter(p.palette.name for p in plan), len(PALETTES)),
        (Counter(p.copy_index for p in plan), len(COPIES)),
    ):
        assert len(counts) == kinds  # every copy, template and palette is used
        assert max(counts.values()) - min(counts.values()) <= 2
    assert len({p.seed for p in plan}) == 24


def test_more_posters_than_combinations_repeat_with_new_seeds() -> None:
    plan = plan_posters(COPIES[:1], ["centred_hero"], PALETTES[:1], 3, seed=1)
    assert len({p.seed for p in plan}) == 3


def test_bench_is_registered() -> None:
    assert BENCHES["poster"] == "eval.benches.poster:run"
    assert callable(resolve("bench", "poster"))


def test_ocr_reads_the_headline_back() -> None:
    from pipelines.ocr import RapidOcrModel

    logo = Image.new("RGBA", (300, 100), (230, 0, 18, 255))
    buffer = io.BytesIO()
    logo.save(buffer, format="PNG")
    brand = BrandKit(name="t", palette=PALETTES[0], logo=buffer.getvalue())
    headline = "夏日清凉新品上市"
    poster = compose(
        plan_posters(
            [PosterCopy(headline=headline, subhead="限时尝鲜", disclaimer="图片仅供参考")],
            ["big_type_minimal"],
            PALETTES[:1],
            1,
        )[0].request(brand=brand, sizes=("taobao",))
    )
    lines = RapidOcrModel().read(poster.renditions[0].image)
    text = "".join(line.text for line in lines).replace(" ", "")
    assert headline in text
