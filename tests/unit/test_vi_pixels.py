"""Brand VI on pixels: CIELAB and CIEDE2000 against published values, dominant and off-palette colours on
synthetic images with known proportions, and the logo search on synthetic posters."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from compliance_rules.vi_pixels import (
    PaletteColor,
    delta_e_2000,
    dominant_colors,
    find_logo,
    hex_to_lab,
    off_palette,
    srgb_to_lab,
)

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
BRAND_RED, WHITE, GREEN = (230, 0, 18), (255, 255, 255), (0, 160, 60)

# Sharma, Wu and Dalal (2005), Table 1: L1 a1 b1, L2 a2 b2, ΔE00 — all 34 pairs.
SHARMA = [
    (50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425),
    (50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615),
    (50.0000, 2.8361, -74.0200, 50.0000, 0.0000, -82.7485, 3.4412),
    (50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, -1.1848, -84.8006, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, -0.9009, -85.5211, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669),
    (50.0000, -1.0000, 2.0000, 50.0000, 0.0000, 0.0000, 2.3669),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0009, 7.1792),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0010, 7.1792),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0012, 7.2195),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0009, -2.4900, 4.8045),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0010, -2.4900, 4.8045),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0011, -2.4900, 4.7461),
    (50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065),
    (50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492),
    (50.0000, 2.5000, 0.0000, 61.0000, -5.0000, 29.0000, 22.8977),
    (50.0000, 2.5000, 0.0000, 56.0000, -27.0000, -3.0000, 31.9030),
    (50.0000, 2.5000, 0.0000, 58.0000, 24.0000, 15.0000, 19.4535),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.1736, 0.5854, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.2972, 0.0000, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 1.8634, 0.5757, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.2592, 0.3350, 1.0000),
    (60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644),
    (63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630),
    (61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731),
    (35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645),
    (22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373),
    (36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146),
    (90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441),
    (90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381),
    (6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377),
    (2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082),
]


# --- colour science ---------------------------------------------------------------------------------


@pytest.mark.parametrize("row", SHARMA, ids=[f"pair{i + 1}" for i in range(len(SHARMA))])
def test_ciede2000_matches_sharma_table(row: tuple[float, ...]) -> None:
    lab1, lab2, expected = row[:3], row[3:6], row[6]
    assert float(delta_e_2000(lab1, lab2)) == pytest.approx(expected, abs=1e-4)
    assert float(delta_e_2000(lab2, lab1)) == pytest.approx(expected, abs=1e-4)  # symmetric


def test_ciede2000_is_vectorised_and_zero_on_identical_greys() -> None:
    table = np.array(SHARMA)
    assert np.allclose(delta_e_2000(table[:, :3], table[:, 3:6]), table[:, 6], atol=1e-4)
    grey = hex_to_lab("#808080")
    assert float(delta_e_2000(grey, grey)) == 0.0
    assert not np.isnan(delta_e_2000([0.0, 0.0, 0.0], grey))
    one_to_many = delta_e_2000(np.array(grey)[None], table[:5, :3])
    assert one_to_many.shape == (5,)


@pytest.mark.parametrize(
    ("hex_value", "expected"),
    [
        ("#FF0000", (53.2408, 80.0925, 67.2032)),
        ("#00FF00", (87.7347, -86.1827, 83.1793)),
        ("#0000FF", (32.2970, 79.1875, -107.8602)),
        ("#FFFFFF", (100.0, 0.0, 0.0)),
        ("#000000", (0.0, 0.0, 0.0)),
        ("808080", (53.5850, 0.0, 0.0)),
        ("#f00", (53.2408, 80.0925, 67.2032)),
    ],
)
def test_hex_to_lab_known_values(hex_value: str, expected: tuple[float, float, float]) -> None:
    assert hex_to_lab(hex_value) == pytest.approx(expected, abs=2e-3)


def test_srgb_to_lab_keeps_shape() -> None:
    pixels = np.zeros((4, 5, 3), dtype=np.uint8)
    pixels[..., 0] = 255
    lab = srgb_to_lab(pixels)
    assert lab.shape == (4, 5, 3)
    assert lab[2, 3] == pytest.approx(hex_to_lab("#FF0000"))


@pytest.mark.parametrize("bad", ["#GG0000", "red", "#12345", "", "#1234567"])
def test_bad_hex_is_a_value_error_naming_it(bad: str) -> None:
    with pytest.raises(ValueError, match=repr(bad).replace("[", r"\[")):
        hex_to_lab(bad)
    with pytest.raises(ValueError, match="invalid hex colour"):
        PaletteColor(name="x", hex=bad)


# --- dominant and off-palette colours ----------------------------------------------------------------


def _blocks(width: int, height: int, *parts: tuple[tuple[int, int, int], float]) -> Image.Image:
    """Vertical bands of the given colours and width fractions."""
    image = Image.new("RGB", (width, height))
    draw, x = ImageDraw.Draw(image), 0
    for colour, fraction in parts:
        right = x + round(width * fraction)
        draw.rectangle((x, 0, right - 1, height - 1), fill=colour)
        x = right
    return image


def test_dominant_colors_of_known_proportions() -> None:
    image = _blocks(400, 300, (BRAND_RED, 0.7), (WHITE, 0.3))
    colours = dominant_colors(image)
    assert [c.hex for c in colours] == ["#E60012", "#FFFFFF"]
    assert colours[0].share == pytest.approx(0.7, abs=0.01)  # 20k of 120k pixels sampled
    assert colours[1].share == pytest.approx(0.3, abs=0.01)
    assert colours[0].lab == pytest.approx(hex_to_lab("#E60012"))
    assert dominant_colors(image) == colours  # deterministic


def test_dominant_colors_cluster_noisy_pixels_and_ignore_transparency() -> None:
    rng = np.random.default_rng(7)
    base = np.asarray(_blocks(200, 100, (BRAND_RED, 0.5), (GREEN, 0.25), (WHITE, 0.25)), dtype=np.int16)
    noisy = np.clip(base + rng.integers(-6, 7, base.shape), 0, 255).astype(np.uint8)
    rgba = np.dstack([noisy, np.full(noisy.shape[:2], 255, dtype=np.uint8)])
    rgba[:, 150:, 3] = 0  # the white quarter is fully transparent
    colours = dominant_colors(Image.fromarray(rgba, "RGBA"), k=3)
    assert len(colours) == 3
    reds = [c for c in colours if float(delta_e_2000(c.lab, hex_to_lab("#E60012"))) < 5]
    greens = [c for c in colours if float(delta_e_2000(c.lab, hex_to_lab("#00A03C"))) < 5]
    assert sum(c.share for c in reds) == pytest.approx(2 / 3, abs=0.02)
    assert sum(c.share for c in greens) == pytest.approx(1 / 3, abs=0.02)
    assert dominant_colors(Image.new("RGBA", (10, 10), (0, 0, 0, 0))) == []


def test_off_palette_flags_an_off_brand_block_and_passes_brand_shades() -> None:
    palette = [PaletteColor(name="brand red", hex="#e60012"), PaletteColor(name="ink", hex="#1A1A1A")]
    slightly_off_red, pale_grey = (222, 10, 30), (235, 235, 232)
    assert float(delta_e_2000(hex_to_lab("#DE0A1E"), palette[0].lab)) < 10
    on_brand = _blocks(400, 200, (BRAND_RED, 0.5), (slightly_off_red, 0.2), (pale_grey, 0.3))
    assert off_palette(on_brand, palette) == []

    with_green = _blocks(400, 200, (BRAND_RED, 0.6), (GREEN, 0.1), (WHITE, 0.3))
    flagged = off_palette(with_green, palette)
    assert [c.hex for c in flagged] == ["#00A03C"]
    assert flagged[0].share == pytest.approx(0.1, abs=0.01)
    assert off_palette(with_green, palette, min_share=0.2) == []  # below min_share: tolerated
    greys_not_ok = off_palette(with_green, palette, neutral_ok=False)
    assert {c.hex for c in greys_not_ok} == {"#00A03C", "#FFFFFF"}
    wide = [PaletteColor(name="brand red", hex="#E60012", tolerance_de=100.0)]
    assert off_palette(with_green, wide) == []


def test_off_palette_and_dominant_colors_validate_inputs() -> None:
    image = _blocks(10, 10, (WHITE, 1.0))
    with pytest.raises(ValueError, match="palette is empty"):
        off_palette(image, [])
    with pytest.raises(ValueError, match="min_share"):
        off_palette(image, [PaletteColor(name="w", hex="#FFFFFF")], min_share=1.5)
    with pytest.raises(ValueError, match="k must be"):
        dominant_colors(image, k=0)
    with pytest.raises(ValueError, match="empty"):
        dominant_colors(Image.new("RGB", (0, 0)))


# --- logo search ------------------------------------------------------------------------------------


def _logo() -> Image.Image:
    """A red target (disc, white ring, red core), the letters "AT" and a red bar, on transparency."""
    logo = Image.new("RGBA", (240, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.ellipse((4, 4, 112, 112), fill=(*BRAND_RED, 255))
    draw.ellipse((30, 30, 86, 86), fill=(255, 255, 255, 255))
    draw.ellipse((44, 44, 72, 72), fill=(*BRAND_RED, 255))
    draw.text((122, 28), "AT", font=ImageFont.truetype(FONT, 56), fill=(20, 20, 20, 255))
    draw.rectangle((122, 96, 232, 108), fill=(*BRAND_RED, 255))
    return logo


def _poster() -> Image.Image:
    """A 1080x1920 poster with blocks, a photo-like noise band and Latin and Chinese copy."""
    poster = Image.new("RGB", (1080, 1920), (245, 240, 230))
    rng = np.random.default_rng(3)
    band = (rng.random((60, 135, 3)) * 255).astype(np.uint8)
    poster.paste(Image.fromarray(band).resize((1080, 480), Image.Resampling.BICUBIC), (0, 1380))
    draw = ImageDraw.Draw(poster)
    draw.rectangle((0, 0, 1080, 260), fill=(30, 60, 160))
    draw.ellipse((700, 500, 1000, 800), fill=(250, 200, 0))
    draw.rectangle((120, 900, 480, 1100), fill=(40, 40, 40))
    draw.text((60, 320), "NEW SEASON SALE", font=ImageFont.truetype(FONT, 80), fill=(20, 20, 20))
    draw.text((60, 1200), "限时抢购 买一送一", font=ImageFont.truetype(FONT, 64), fill=(200, 30, 30))
    return poster


def _paste(poster: Image.Image, logo: Image.Image, width: int, at: tuple[int, int]) -> None:
    scaled = logo.resize((width, round(width * logo.height / logo.width)), Image.Resampling.LANCZOS)
    poster.paste(scaled, at, scaled)


def test_find_logo_locates_it_at_two_scales_and_reports_its_width() -> None:
    logo = _logo()
    for width, at in ((150, (880, 40)), (420, (560, 1500))):
        poster = _poster()
        _paste(poster, logo, width, at)
        match = find_logo(poster, logo)
        assert match.found, match
        assert match.score > 0.9
        assert match.box is not None and match.width_px is not None
        assert abs(match.width_px - width) <= 0.15 * width
        assert abs(match.box[0] - at[0]) <= 0.05 * width + 2
        assert abs(match.box[1] - at[1]) <= 0.05 * width + 2

    both = _poster()
    _paste(both, logo, 150, (880, 40))
    _paste(both, logo, 420, (560, 1500))
    best = find_logo(both, logo)
    assert best.found and best.box is not None and best.width_px is not None
    left = best.box[0]
    pasted = {880: 150, 560: 420}
    nearest = min(pasted, key=lambda x: abs(x - left))
    assert abs(left - nearest) <= 20
    assert abs(best.width_px - pasted[nearest]) <= 0.15 * pasted[nearest]


def test_find_logo_is_not_fooled_by_a_poster_without_it() -> None:
    match = find_logo(_poster(), _logo())
    assert not match.found
    assert match.box is None and match.width_px is None
    assert match.score < 0.7


def test_find_logo_on_an_opaque_logo_and_a_mono_silhouette() -> None:
    opaque = Image.alpha_composite(Image.new("RGBA", (240, 120), (*WHITE, 255)), _logo()).convert("RGB")
    poster = _poster()
    poster.paste(opaque.resize((300, 150)), (100, 560))
    assert find_logo(poster, opaque).width_px == pytest.approx(300, rel=0.15)

    wordmark = Image.new("RGBA", (300, 90), (0, 0, 0, 0))
    ImageDraw.Draw(wordmark).text((10, 0), "Atelier", font=ImageFont.truetype(FONT, 64), fill=(0, 40, 120))
    light = Image.new("RGBA", wordmark.size, (0, 0, 0, 0))
    light.paste((255, 255, 255, 255), (0, 0), wordmark)  # the same silhouette in white, on dark blue
    poster = _poster()
    _paste(poster, light, 360, (300, 60))
    match = find_logo(poster, wordmark)
    assert match.found and match.box is not None
    assert abs(match.box[0] - 300) <= 20


def test_find_logo_validates_inputs() -> None:
    with pytest.raises(ValueError, match="min_score"):
        find_logo(_poster(), _logo(), min_score=0)
    with pytest.raises(ValueError, match="no opaque pixels"):
        find_logo(_poster(), Image.new("RGBA", (50, 20), (0, 0, 0, 0)))
    with pytest.raises(ValueError, match="flat"):
        find_logo(_poster(), Image.new("RGB", (50, 20), (9, 9, 9)))
    with pytest.raises(ValueError, match="logo must be"):
        find_logo(_poster(), Image.new("RGB", (0, 0)))
