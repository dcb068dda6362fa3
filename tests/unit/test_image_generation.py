"""Image generation requests, platform sizes, the overlay helpers and the fake generator (no model)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from pydantic import ValidationError

from pipelines.image.config import ImageGenConfig, LoraAdapter
from pipelines.image.fake import FakeImageGenerator
from pipelines.image.overlay import keep_unmasked, prepare_init, prepare_mask
from pipelines.image.protocol import ImageGenerator
from pipelines.image.registry import IMAGE_BACKENDS, open_image_generator
from pipelines.image.types import PLATFORM_SIZES, ImageParams, ImageRequest, size_for


def test_params_validate_sizes_counts_and_prompts() -> None:
    params = ImageParams(prompt="咖啡海报")
    assert (params.width, params.height, params.count, params.steps) == (1024, 1024, 1, 30)
    for bad in (
        {"width": 1004},  # not a multiple of 8
        {"height": 4096},
        {"count": 17},
        {"prompt": "   "},
        {"strength": 0.0},
        {"seed": -1},
        {"colour": "red"},
    ):
        with pytest.raises(ValidationError):
            ImageParams.model_validate({"prompt": "x", **bad})


def test_requests_need_the_pictures_their_mode_uses() -> None:
    params = ImageParams(prompt="x")
    picture, mask = Image.new("RGB", (64, 64)), Image.new("L", (64, 64))
    with pytest.raises(ValueError, match="needs an init image"):
        ImageRequest(params, mode="image")
    with pytest.raises(ValueError, match="needs a mask"):
        ImageRequest(params, mode="inpaint", init=picture)
    with pytest.raises(ValueError, match="takes no init image"):
        ImageRequest(params, init=picture)
    with pytest.raises(ValueError, match="sizes must match"):
        ImageRequest(params, mode="inpaint", init=picture, mask=Image.new("L", (32, 64)))
    assert ImageRequest(params, mode="inpaint", init=picture, mask=mask).mode == "inpaint"


def test_platform_sizes_follow_the_shape_and_scale_with_the_model() -> None:
    assert size_for("taobao") == (1024, 1024)
    width, height = size_for("douyin")
    assert width < height and abs(width / height - 9 / 16) < 0.02
    assert size_for("wechat")[0] / size_for("wechat")[1] == pytest.approx(2.4)
    assert size_for("xiaohongshu", native_size=512) == (448, 576)
    assert all(w % 8 == 0 and h % 8 == 0 for w, h in PLATFORM_SIZES.values())
    with pytest.raises(ValueError, match="known: douyin"):
        size_for("myspace")


def test_config_resolves_relative_weights_under_the_model_dir(tmp_path: object) -> None:
    config = ImageGenConfig(model="sdxl", model_dir="/models")  # type: ignore[arg-type]
    assert str(config.resolve("sdxl")) == "/models/sdxl" and str(config.resolve("/abs/x")) == "/abs/x"
    with pytest.raises(ValidationError, match="unique"):
        ImageGenConfig(adapters=(LoraAdapter(name="a", path="x"), LoraAdapter(name="a", path="y")))
    with pytest.raises(ValidationError):
        ImageGenConfig(device="gpu")


def test_overlay_helpers() -> None:
    rgba = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).rectangle((5, 5, 14, 14), fill=(10, 200, 10, 255))
    rgb = prepare_init(rgba, (20, 20))
    assert (
        rgb.mode == "RGB"
        and rgb.getpixel((0, 0)) == (255, 255, 255)
        and rgb.getpixel((10, 10)) == (10, 200, 10)
    )
    assert prepare_init(Image.new("CMYK", (10, 10), (0, 0, 0, 0)), (5, 5)).getpixel((0, 0)) == (255, 255, 255)
    soft = Image.linear_gradient("L").resize((8, 8))
    assert set(np.unique(np.asarray(prepare_mask(soft, (8, 8))))) <= {0, 255}
    mask = Image.new("L", (20, 20), 0)
    ImageDraw.Draw(mask).rectangle((0, 0, 9, 19), fill=255)
    merged = np.asarray(keep_unmasked(Image.new("RGB", (20, 20), (1, 2, 3)), rgba, mask))
    assert (merged[:, :10] == (1, 2, 3)).all() and np.array_equal(merged[:, 10:], np.asarray(rgb)[:, 10:])


def test_fake_generator_is_deterministic_and_keeps_unmasked_pixels() -> None:
    generator = open_image_generator(ImageGenConfig(backend="fake"))
    assert isinstance(generator, FakeImageGenerator) and isinstance(generator, ImageGenerator)
    params = ImageParams(prompt="夏日", width=64, height=96, count=2, seed=3)
    first, again = generator.generate(ImageRequest(params)), generator.generate(ImageRequest(params))
    assert [r.seed for r in first] == [3, 4] and first[0].image.size == (64, 96)
    assert first[0].image.tobytes() == again[0].image.tobytes() != first[1].image.tobytes()
    product = Image.new("RGB", (64, 96), (9, 9, 9))
    mask = Image.new("L", (64, 96), 0)
    ImageDraw.Draw(mask).rectangle((0, 0, 63, 47), fill=255)
    (painted,) = generator.generate(
        ImageRequest(params.model_copy(update={"count": 1}), mode="inpaint", init=product, mask=mask)
    )
    pixels = np.asarray(painted.image)
    assert (pixels[48:] == 9).all() and not (pixels[:48] == 9).all()
    assert sorted(IMAGE_BACKENDS.names()) == ["diffusers", "fake"]
