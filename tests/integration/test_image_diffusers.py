"""The diffusers backend on a tiny random-weight SDXL-layout pipeline saved to and loaded from a folder:
text-to-image, image-to-image, inpainting that keeps the product's pixels, seeds, LoRA adapters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from pipelines.image.config import ImageGenConfig, LoraAdapter
from pipelines.image.diffusers_backend import DiffusersImageGenerator
from pipelines.image.overlay import prepare_init
from pipelines.image.protocol import ImageGenerator, ImageGenError, ModelNotAvailable
from pipelines.image.random_pipeline import build_random_pipeline
from pipelines.image.registry import open_image_generator
from pipelines.image.types import AdapterWeight, GeneratedImage, ImageParams, ImageRequest

SIDE = 64


def _write_lora(pipeline: Path, out: Path) -> Path:
    """A rank-4 LoRA on the UNet's attention projections with visible (non-zero) weights."""
    from diffusers import StableDiffusionXLPipeline, UNet2DConditionModel
    from diffusers.utils import convert_state_dict_to_diffusers
    from peft import LoraConfig, get_peft_model_state_dict

    unet = UNet2DConditionModel.from_pretrained(pipeline / "unet")
    unet.add_adapter(LoraConfig(r=4, lora_alpha=4, target_modules=["to_k", "to_q", "to_v", "to_out.0"]))
    torch.manual_seed(0)
    for name, parameter in unet.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(parameter, std=0.5)
    layers = convert_state_dict_to_diffusers(get_peft_model_state_dict(unet))
    StableDiffusionXLPipeline.save_lora_weights(out, unet_lora_layers=layers)
    return out


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("image-models")
    build_random_pipeline(root / "tiny-sdxl", "tiny", seed=1)
    _write_lora(root / "tiny-sdxl", root / "loras" / "summer")
    return root


@pytest.fixture(scope="module")
def generator(model_dir: Path) -> Iterator[DiffusersImageGenerator]:
    config = ImageGenConfig(
        model="tiny-sdxl", model_dir=model_dir, adapters=(LoraAdapter(name="summer", path="loras/summer"),)
    )
    opened = open_image_generator(config)
    assert isinstance(opened, DiffusersImageGenerator) and isinstance(opened, ImageGenerator)
    yield opened
    opened.close()


def _params(**update: object) -> ImageParams:
    values: dict[str, object] = {"prompt": "夏日冰咖啡, summer iced coffee", "width": SIDE, "height": SIDE}
    values.update({"steps": 2, "seed": 7, **update})
    return ImageParams.model_validate(values)


def _pixels(result: GeneratedImage) -> np.ndarray:
    return np.asarray(result.image, dtype=np.int16)


def test_text_to_image_repeats_by_seed_and_records_lineage(generator: DiffusersImageGenerator) -> None:
    first = generator.generate(ImageRequest(_params(count=3)))
    again = generator.generate(ImageRequest(_params(count=1, seed=8)))
    assert [r.seed for r in first] == [7, 8, 9] and [r.index for r in first] == [0, 1, 2]
    assert all(r.image.size == (SIDE, SIDE) and r.image.mode == "RGB" for r in first)
    # image i is seed + i whether it ran in a batch or alone (batched float sums may round one level off)
    assert np.abs(_pixels(first[1]) - _pixels(again[0])).max() <= 1
    assert not np.array_equal(_pixels(first[0]), _pixels(first[1]))
    assert first[0].model == "diffusers:tiny-sdxl" and first[0].mode == "text"
    assert (generator.device, generator.dtype, generator.native_size) == ("cpu", "float32", 32)


def test_wide_sizes_and_negative_prompts(generator: DiffusersImageGenerator) -> None:
    (wide,) = generator.generate(ImageRequest(_params(width=128, height=64, negative_prompt="文字, text")))
    assert wide.image.size == (128, 64)


def test_lora_adapter_changes_the_picture_and_can_be_switched_off(generator: DiffusersImageGenerator) -> None:
    (plain,) = generator.generate(ImageRequest(_params()))
    (styled,) = generator.generate(ImageRequest(_params(adapters=[AdapterWeight(name="summer", weight=1.0)])))
    (off_again,) = generator.generate(ImageRequest(_params()))
    assert np.abs(_pixels(plain) - _pixels(styled)).max() > 10
    assert np.array_equal(_pixels(plain), _pixels(off_again))
    assert styled.adapters == (AdapterWeight(name="summer", weight=1.0),)
    with pytest.raises(ImageGenError, match=r"unknown adapters \['winter'\]; known: summer"):
        generator.generate(ImageRequest(_params(adapters=[AdapterWeight(name="winter")])))


def test_inpainting_keeps_the_unmasked_pixels_exactly(generator: DiffusersImageGenerator) -> None:
    product = Image.new("RGBA", (SIDE * 2, SIDE * 2), (0, 0, 0, 0))  # transparent, bigger than the output
    ImageDraw.Draw(product).ellipse((40, 40, 88, 88), fill=(200, 30, 30, 255))
    mask = Image.new("L", product.size, 255)
    ImageDraw.Draw(mask).rectangle((32, 32, 96, 96), fill=0)  # keep the product, redraw the rest
    (result,) = generator.generate(
        ImageRequest(_params(strength=1.0), mode="inpaint", init=product, mask=mask)
    )
    out = _pixels(result)
    expected = np.asarray(prepare_init(product, (SIDE, SIDE)), dtype=np.int16)  # on white, resized
    kept = slice(17, 47)  # the kept square at the output's scale, off its edges
    assert np.array_equal(out[kept, kept], expected[kept, kept])
    assert expected[32, 32].tolist() == [200, 30, 30]  # the product itself, not the backdrop
    assert np.abs(out[:8, :8] - 255).max() > 0  # the redrawn corner is not the white backdrop
    assert result.mode == "inpaint"


def test_image_to_image_follows_the_init_picture(generator: DiffusersImageGenerator) -> None:
    init = Image.new("CMYK", (80, 80), (0, 255, 255, 0))
    (result,) = generator.generate(ImageRequest(_params(strength=0.5), mode="image", init=init))
    assert result.image.size == (SIDE, SIDE) and result.mode == "image"


def test_missing_weights_and_adapters_are_named(tmp_path: Path, model_dir: Path) -> None:
    with pytest.raises(ModelNotAvailable, match="model_index.json missing"):
        DiffusersImageGenerator(ImageGenConfig(model=str(tmp_path / "nothing"))).load()
    with pytest.raises(ModelNotAvailable, match="no model directory"):
        DiffusersImageGenerator(ImageGenConfig(model="sdxl"))
    broken = ImageGenConfig(
        model="tiny-sdxl", model_dir=model_dir, adapters=(LoraAdapter(name="gone", path="loras/gone"),)
    )
    with pytest.raises(ModelNotAvailable, match="adapter 'gone': no file or folder"):
        DiffusersImageGenerator(broken).load()
    with pytest.raises(ImageGenError, match="no CUDA device"):
        DiffusersImageGenerator(ImageGenConfig(model="tiny-sdxl", model_dir=model_dir, device="cuda")).load()
