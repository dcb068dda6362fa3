"""Layout templates: validation with errors that name the field, and re-flow to every platform size."""

from __future__ import annotations

import io
from itertools import combinations
from pathlib import Path

import pytest
import yaml
from PIL import Image

from pipelines.poster import (
    PLATFORM_SIZES,
    BrandKit,
    Palette,
    PosterCopy,
    PosterRequest,
    TemplateError,
    builtin_templates,
    compose,
    dump_template,
    load_template,
    parse_template,
)
from pipelines.poster.layout import Frame
from pipelines.poster.library import TEMPLATE_DIR
from pipelines.poster.spec import ImageLayer, TextLayer
from pipelines.poster.template import TEXT_SLOTS

TEMPLATES = sorted(builtin_templates())


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _raw(name: str) -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load((TEMPLATE_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    return data


def test_six_differentiated_templates_ship() -> None:
    assert len(TEMPLATES) >= 6
    assert {
        "centred_hero",
        "left_column",
        "top_banner",
        "split_diagonal",
        "bottom_card",
        "big_type_minimal",
    } <= set(TEMPLATES)


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("size", list(PLATFORM_SIZES.values()), ids=list(PLATFORM_SIZES))
def test_text_boxes_stay_in_the_safe_zone_and_never_overlap(name: str, size: object) -> None:
    frame = Frame.of(builtin_templates()[name], size)  # type: ignore[arg-type]
    zone = frame.variant.safe_zone
    width, height = frame.size.width, frame.size.height
    safe = (zone.left * width, zone.top * height, (1 - zone.right) * width, (1 - zone.bottom) * height)
    boxes = {}
    for slot_name in (*TEXT_SLOTS, "logo", "qr"):
        slot = getattr(frame.variant.slots, slot_name)
        if slot is None:
            continue
        left, top, right, bottom = frame.box(slot.box)
        assert 0 <= left < right <= width and 0 <= top < bottom <= height
        assert left >= safe[0] - 1 and top >= safe[1] - 1 and right <= safe[2] + 1 and bottom <= safe[3] + 1
        boxes[slot_name] = (left, top, right, bottom)
    for (a_name, a), (b_name, b) in combinations(boxes.items(), 2):
        overlap = min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])
        assert not overlap, f"{name} {frame.size.name}: {a_name} {a} overlaps {b_name} {b}"


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_renders_every_platform_size_without_stretching(name: str) -> None:
    product = Image.new("RGBA", (300, 500), (0, 0, 0, 0))
    product.paste((200, 120, 40, 255), (50, 50, 250, 450))
    logo = Image.new("RGBA", (300, 100), (200, 0, 0, 255))
    kit = BrandKit(
        name="t", palette=Palette(primary="#0B6E4F", secondary="#F2C14E", accent="#F78154"), logo=_png(logo)
    )
    content = PosterCopy(
        headline="轻盈防晒 SPF50+ 新品上市",
        subhead="清爽不黏腻，通勤户外都适用",
        selling_points=("高倍防晒", "防水防汗", "敏感肌可用"),
        price="¥129",
        cta="立即购买",
        disclaimer="图片仅供参考，请以实物为准。",
    )
    poster = compose(
        PosterRequest(
            template=name, content=content, brand=kit, product=_png(product), qr_url="https://e.example/x"
        )
    )
    assert [r.size.name for r in poster.renditions] == list(PLATFORM_SIZES)
    variants = set()
    for rendition in poster.renditions:
        spec = rendition.spec
        variants.add(spec.variant)
        assert rendition.image.size == (spec.size.width, spec.size.height)
        texts = [layer for layer in spec.layers if isinstance(layer, TextLayer)]
        assert {"headline", "disclaimer"} <= {layer.name for layer in texts}
        for a, b in combinations(texts, 2):
            assert not (
                min(a.box[2], b.box[2]) > max(a.box[0], b.box[0])
                and min(a.box[3], b.box[3]) > max(a.box[1], b.box[1])
            )
        (placed,) = [
            layer for layer in spec.layers if isinstance(layer, ImageLayer) and layer.name == "product"
        ]
        w, h = placed.box[2] - placed.box[0], placed.box[3] - placed.box[1]
        assert w / h == pytest.approx(300 / 500, rel=0.02)
    assert variants == {"portrait", "square", "landscape", "wide"}


def test_round_trip_through_yaml() -> None:
    template = builtin_templates()["centred_hero"]
    assert parse_template(yaml.safe_load(dump_template(template))) == template


def test_unknown_field_is_named(tmp_path: Path) -> None:
    data = _raw("centred_hero")
    data["variants"]["portrait"]["slots"]["headline"]["font_colour"] = "red"  # type: ignore[index]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TemplateError, match=r"variants\.portrait\.slots\.headline\.font_colour"):
        load_template(path)


def test_unknown_slot_and_bad_colour_role_are_named() -> None:
    data = _raw("left_column")
    data["variants"]["square"]["slots"]["sticker"] = {"box": [0, 0, 0.1, 0.1]}  # type: ignore[index]
    with pytest.raises(TemplateError, match=r"variants\.square\.slots\.sticker"):
        parse_template(data)
    data = _raw("left_column")
    data["variants"]["wide"]["slots"]["price"]["colour"] = "gold"  # type: ignore[index]
    with pytest.raises(TemplateError, match=r"variants\.wide\.slots\.price\.colour"):
        parse_template(data)


def test_geometry_errors_are_named() -> None:
    data = _raw("top_banner")
    data["variants"]["portrait"]["slots"]["subhead"]["box"] = [0.06, 0.12, 0.88, 0.1]  # type: ignore[index]
    with pytest.raises(TemplateError, match="slots.headline.box and slots.subhead.box overlap"):
        parse_template(data)
    data = _raw("top_banner")
    data["variants"]["portrait"]["slots"]["cta"]["box"] = [0.44, 0.85, 0.6, 0.05]  # type: ignore[index]
    with pytest.raises(TemplateError, match="outside the canvas"):
        parse_template(data)
    data = _raw("top_banner")
    data["variants"]["portrait"]["slots"]["logo"]["box"] = [0.0, 0.0, 0.2, 0.06]  # type: ignore[index]
    with pytest.raises(TemplateError, match="slots.logo.box .* is outside the safe zone"):
        parse_template(data)
    data = _raw("top_banner")
    data["variants"]["portrait"]["slots"]["price"]["min_size"] = 200  # type: ignore[index]
    with pytest.raises(TemplateError, match="min_size 200 is larger than max_size"):
        parse_template(data)


def test_missing_variant_is_named() -> None:
    data = _raw("bottom_card")
    del data["variants"]["wide"]  # type: ignore[attr-defined]
    with pytest.raises(TemplateError, match=r"variants\.wide"):
        parse_template(data)


def test_unreadable_template_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(TemplateError, match="broken.yaml"):
        load_template(path)
