"""compose → renditions + layered specs; re-render; product images; QR codes; bad input."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

from pipelines.poster import (
    AssetError,
    BackgroundInput,
    BrandFonts,
    BrandKit,
    CanvasSize,
    CanvasTooLarge,
    FontFace,
    FontNotFound,
    LayeredSpec,
    Palette,
    PosterCopy,
    PosterError,
    PosterRequest,
    TemplateError,
    TextDoesNotFit,
    compose,
    render,
)
from pipelines.poster.assets import decode
from pipelines.poster.colour import luminance, parse_hex
from pipelines.poster.spec import ImageLayer, QrLayer, TextLayer

PALETTE = Palette(primary="#E60012", secondary="#1F3A93", accent="#FFC72C")
COPY = PosterCopy(
    headline="夏日清凉新品上市",
    subhead="植物萃取 温和不刺激",
    selling_points=("24小时长效保湿", "SPF50+ 高倍防晒"),
    price="¥199",
    cta="立即抢购",
    disclaimer="图片仅供参考，请以实物为准。",
)


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def kit(**fields: Any) -> BrandKit:
    logo = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    logo.paste((230, 0, 18, 255), (0, 0, 300, 100))
    return BrandKit(**{"name": "澄光", "palette": PALETTE, "logo": encode(logo), **fields})


def product_rgba() -> bytes:
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    image.paste((20, 160, 60, 255), (100, 100, 300, 300))
    return encode(image)


def request(**fields: Any) -> PosterRequest:
    base: dict[str, Any] = {
        "template": "centred_hero",
        "content": COPY,
        "brand": kit(),
        "sizes": ("xiaohongshu",),
    }
    return PosterRequest(**{**base, **fields})


def test_layered_spec_round_trips_through_json_and_re_renders_the_same_pixels() -> None:
    poster = compose(
        request(
            product=product_rgba(), qr_url="https://example.com/p/1", sizes=("xiaohongshu", "wechat_cover")
        )
    )
    for rendition in poster.renditions:
        spec = LayeredSpec.model_validate_json(rendition.spec.model_dump_json())
        assert spec == rendition.spec
        assert render(spec, poster.assets).tobytes() == rendition.image.tobytes()
        assert rendition.png.startswith(b"\x89PNG")


def test_an_edited_text_layer_re_flows() -> None:
    poster = compose(request())
    spec = poster.renditions[0].spec
    layers = [
        layer.model_copy(update={"text": "夏日清凉"})
        if isinstance(layer, TextLayer) and layer.name == "headline"
        else layer
        for layer in spec.layers
    ]
    edited = render(spec.model_copy(update={"layers": tuple(layers)}), poster.assets)
    assert edited.tobytes() != poster.renditions[0].image.tobytes()
    too_long = [
        layer.model_copy(update={"text": "很长" * 60})
        if isinstance(layer, TextLayer) and layer.name == "headline"
        else layer
        for layer in spec.layers
    ]
    with pytest.raises(TextDoesNotFit, match="headline"):
        render(spec.model_copy(update={"layers": tuple(too_long)}), poster.assets)


def test_seeded_backgrounds_are_deterministic() -> None:
    one = compose(request(template="top_banner", seed=7)).renditions[0].image.tobytes()
    again = compose(request(template="top_banner", seed=7)).renditions[0].image.tobytes()
    other = compose(request(template="top_banner", seed=8)).renditions[0].image.tobytes()
    assert one == again
    assert one != other


def _product_box(poster: Any) -> tuple[int, int, int, int]:
    (layer,) = [
        x for x in poster.renditions[0].spec.layers if isinstance(x, ImageLayer) and x.name == "product"
    ]
    return tuple(layer.box)  # type: ignore[return-value]


def test_transparent_product_keeps_the_background_visible() -> None:
    with_product = compose(request(product=product_rgba()))
    without = compose(request())
    left, top, right, bottom = _product_box(with_product)
    image, bare = with_product.renditions[0].image, without.renditions[0].image
    assert image.getpixel((left + 2, top + 2)) == bare.getpixel((left + 2, top + 2))
    assert image.getpixel(((left + right) // 2, (top + bottom) // 2)) == (20, 160, 60)


def test_cmyk_product_is_converted_to_rgb() -> None:
    cmyk = Image.new("CMYK", (300, 200), (0, 255, 255, 0))  # process red
    poster = compose(request(product=encode(cmyk, "JPEG")))
    left, top, right, bottom = _product_box(poster)
    assert (right - left) / (bottom - top) == pytest.approx(1.5, rel=0.02)
    r, g, b = poster.renditions[0].image.getpixel(((left + right) // 2, (top + bottom) // 2))  # type: ignore[misc]
    assert r > 200 and g < 60 and b < 60


@pytest.mark.parametrize("mode", ["P", "LA"])
def test_palette_and_grey_alpha_products_keep_their_transparency(mode: str) -> None:
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    image.paste((90, 90, 90, 255), (16, 16, 48, 48))
    converted = image.convert("LA") if mode == "LA" else image.convert("P", palette=Image.Palette.ADAPTIVE)
    if mode == "P":
        converted.info["transparency"] = converted.getpixel((0, 0))
    decoded = decode(encode(converted), "product")
    assert decoded.mode == "RGBA"
    alpha = decoded.getchannel("A")
    assert alpha.getpixel((0, 0)) == 0 and alpha.getpixel((32, 32)) == 255


def test_qr_code_decodes() -> None:
    url = "https://example.com/p/2025-0618?utm=poster"
    poster = compose(request(qr_url=url))
    (layer,) = [x for x in poster.renditions[0].spec.layers if isinstance(x, QrLayer)]
    crop = poster.renditions[0].image.crop(layer.box)
    cv2 = pytest.importorskip("cv2")
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(np.asarray(crop)[..., ::-1].copy())
    assert text == url


def test_text_colour_falls_back_to_a_legible_brand_colour() -> None:
    pale = Palette(primary="#FAFAFA", secondary="#F0F0F0", accent="#FFC72C", dark="#202020", light="#FFFFFF")
    poster = compose(request(palette=pale))
    (headline,) = [
        x for x in poster.renditions[0].spec.layers if isinstance(x, TextLayer) and x.name == "headline"
    ]
    assert headline.colour == "#202020"  # the template asks for "light" on a near-white gradient
    assert headline.contrast is not None and headline.contrast >= 3


def test_photo_background_is_cover_fitted_and_darkened() -> None:
    photo = Image.new("RGB", (640, 480), (240, 240, 240))
    poster = compose(
        request(background=BackgroundInput(image=encode(photo, "JPEG"), darken=0.5), sizes=("douyin",))
    )
    image = poster.renditions[0].image
    assert image.size == (1080, 1920)
    assert sum(image.getpixel((5, 400))) < 3 * 140  # type: ignore[arg-type]
    assert render(poster.renditions[0].spec, poster.assets).tobytes() == image.tobytes()


def test_from_vi_reads_a_brand_vi_pack() -> None:
    from compliance_rules.brand import BrandVI

    vi = BrandVI.model_validate(
        {
            "brand": "chengguang",
            "version": "1",
            "palette": [
                {"name": "红", "hex": "#E60012"},
                {"name": "蓝", "hex": "1F3A93"},
                {"name": "黑", "hex": "#000000"},
            ],
            "logos": [{"path": "brand/logo.png", "min_width_px": 80}],
            "fonts": ["Noto Serif CJK SC"],
        }
    )
    brand = BrandKit.from_vi(vi, logo=Image.new("RGBA", (200, 80), (230, 0, 18, 255)))
    assert brand.palette.primary == "#E60012" and brand.palette.secondary == "#1F3A93"
    assert brand.palette.dark == "#000000"
    assert brand.logo_min_width_px == 80
    assert brand.fonts.headline is not None and "Serif" in brand.fonts.headline.path
    assert compose(request(brand=brand)).renditions[0].spec.layers
    with pytest.raises(FontNotFound, match="Brand Sans"):
        BrandKit.from_vi(vi.model_copy(update={"fonts": ("Brand Sans",)}))


def test_brand_kit_round_trips_through_json() -> None:
    brand = kit()
    assert BrandKit.model_validate_json(brand.model_dump_json()) == brand


# --- bad input -----------------------------------------------------------------------------------


def test_missing_font_file_is_named() -> None:
    fonts = BrandFonts(headline=FontFace(path="/nonexistent/BrandSans-Bold.otf"))
    with pytest.raises(FontNotFound, match=r"brand\.fonts\.headline.*BrandSans-Bold\.otf"):
        compose(request(brand=kit(fonts=fonts)))


def test_missing_logo_is_named() -> None:
    with pytest.raises(AssetError, match=r"brand\.logo"):
        compose(request(brand=kit(logo=None)))


def test_unreadable_product_is_named() -> None:
    with pytest.raises(AssetError, match="product: not an image"):
        compose(request(product=b"not an image at all"))


def test_logo_under_its_minimum_width_is_an_error() -> None:
    with pytest.raises(PosterError, match=r"slots\.logo .*brand minimum of 400 px"):
        compose(request(brand=kit(logo_min_width_px=400)))


def test_text_that_cannot_fit_names_the_slot() -> None:
    content = COPY.model_copy(update={"price": "¥199 到手价 限时秒杀 仅限今日 先到先得 售完即止"})
    with pytest.raises(TextDoesNotFit, match=r"centred_hero\]\.variants\.portrait\.slots\.price"):
        compose(request(content=content))


@pytest.mark.parametrize(
    ("size", "message"),
    [
        (CanvasSize(name="billboard", width=9000, height=3000), "side over 8192"),
        (CanvasSize(name="mural", width=8000, height=8000), "over 40,000,000 pixels"),
    ],
)
def test_huge_canvases_are_refused_before_anything_is_drawn(size: CanvasSize, message: str) -> None:
    with pytest.raises(CanvasTooLarge, match=rf"sizes\[{size.name}\]: .*{message}"):
        compose(request(sizes=("xiaohongshu", size)))


def test_unknown_names_and_fields() -> None:
    with pytest.raises(TemplateError, match="unknown template 'nope'"):
        compose(request(template="nope"))
    with pytest.raises(PosterError, match="unknown platform size 'myspace'"):
        compose(request(sizes=("myspace",)))
    with pytest.raises(ValidationError, match="colour_scheme"):
        PosterRequest.model_validate(
            {"template": "x", "content": {"headline": "好"}, "brand": kit(), "colour_scheme": 1}
        )
    with pytest.raises(ValidationError, match="primary"):
        Palette(primary="red", secondary="#000000", accent="#000000")


def test_contrast_of_chosen_colours_meets_wcag() -> None:
    poster = compose(request(template="left_column", palette=PALETTE))
    for layer in poster.renditions[0].spec.layers:
        if isinstance(layer, TextLayer):
            minimum = 3.0 if layer.name in ("headline", "price", "cta") else 4.5
            assert layer.contrast is not None and layer.contrast >= minimum, layer
            assert luminance(parse_hex(layer.colour)) >= 0
