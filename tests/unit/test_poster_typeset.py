"""Auto-fit of text into boxes (binary search on the size), vertical rhythm and drawing."""

from __future__ import annotations

import pytest
from PIL import Image

from pipelines.poster.errors import TextDoesNotFit
from pipelines.poster.fonts import default_font
from pipelines.poster.typeset import TextStyle, draw_block, fit_text, layout_text

STYLE = TextStyle(default_font("headline"), line_height=1.2)


def test_short_text_fits_at_the_maximum_size() -> None:
    block = fit_text("新品", STYLE, 20, 120, 800, 200, 1, field="headline")
    assert block.size == 120
    assert block.lines == ("新品",)


def test_longer_text_shrinks_to_the_largest_size_that_fits() -> None:
    text = "夏日清凉新品上市，限时尝鲜！"
    block = fit_text(text, STYLE, 20, 200, 800, 300, 2, field="headline")
    assert 20 < block.size < 200
    assert len(block.lines) <= 2
    assert max(block.widths) <= 800
    assert layout_text(text, STYLE, block.size + 1, 800, 300, 2) is None


def test_text_that_cannot_fit_at_the_minimum_size_names_the_slot() -> None:
    with pytest.raises(TextDoesNotFit, match="slots.headline") as caught:
        fit_text(
            "这是一句非常非常长的标题，根本放不进这么小的框里" * 3,
            STYLE,
            30,
            60,
            300,
            80,
            2,
            field="slots.headline",
        )
    assert caught.value.field == "slots.headline"
    assert "minimum size 30" in str(caught.value)


def test_vertical_rhythm_is_the_line_height_ratio() -> None:
    block = layout_text("一二三四五六七八九十", STYLE, 50, 210, 400, 4)
    assert block is not None and len(block.lines) == 3
    assert block.pitch == pytest.approx(60)
    assert block.height == pytest.approx(2 * 60 + 50)


def test_letter_spacing_widens_lines() -> None:
    plain = layout_text("新品上市", STYLE, 40, 1000, 100, 1)
    spaced = layout_text("新品上市", TextStyle(STYLE.font, letter_spacing=0.25), 40, 1000, 100, 1)
    assert plain is not None and spaced is not None
    assert spaced.widths[0] == pytest.approx(plain.widths[0] + 3 * 10, abs=1)


def test_drawn_text_stays_inside_its_box() -> None:
    image = Image.new("RGB", (600, 300), (255, 255, 255))
    block = fit_text("限时特惠 SPF50+ 防晒", STYLE, 12, 90, 400, 120, 2, field="headline")
    draw_block(image, block, STYLE, (100, 90, 500, 210), "center", "middle", (0, 0, 0))
    bbox = Image.eval(image.convert("L"), lambda v: 255 - v).getbbox()
    assert bbox is not None
    assert 100 <= bbox[0] and bbox[2] <= 500 and 90 <= bbox[1] and bbox[3] <= 210
