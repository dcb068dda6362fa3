"""Vision and diffusion code paths on CUDA: the same random weights give the same answers as on the CPU.

Needs CUDA: tests/gpu runs on the device machine (marker ``gpu``), never on the CPU-only CI machine.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from eval.benches.gpu import TINY_CLIP_CONFIG
from pipelines.image.architectures import architecture, build_random_unet
from pipelines.vision.config import VisionConfig
from pipelines.vision.open_clip_backend import OpenClipEncoder

pytestmark = [pytest.mark.gpu]
TINY_CLIP = "atelier-gpu-test-vit"


@pytest.fixture(scope="module", autouse=True)
def _needs_cuda() -> None:
    if not torch.cuda.is_available():  # CI has no GPU; scripts/gpu_checks.sh runs these on a GPU machine
        pytest.skip("tests/gpu needs CUDA: run scripts/gpu_checks.sh on a GPU machine")


@pytest.fixture(scope="module")
def tiny_clip_arch(tmp_path_factory: pytest.TempPathFactory) -> str:
    import open_clip

    folder: Path = tmp_path_factory.mktemp("clip-arch")
    (folder / f"{TINY_CLIP}.json").write_text(json.dumps(TINY_CLIP_CONFIG))
    open_clip.add_model_config(folder)
    return TINY_CLIP


def _encoder(arch: str, device: str) -> OpenClipEncoder:
    encoder = OpenClipEncoder(
        VisionConfig(backend="open_clip", model=arch, allow_random_weights=True, device=device, batch_size=4)
    )
    torch.manual_seed(0)  # weights are made at load, on the CPU: the same random weights for both devices
    encoder.load()
    return encoder


def test_open_clip_on_cuda_in_float16_matches_the_cpu(tiny_clip_arch: str) -> None:
    rng = np.random.default_rng(1)
    images = [Image.fromarray(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)) for _ in range(6)]
    cpu, cuda = _encoder(tiny_clip_arch, "cpu"), _encoder(tiny_clip_arch, "auto")
    on_cpu, on_cuda = cpu.encode_images(images), cuda.encode_images(images)
    assert (cuda.device, cuda.dtype) == ("cuda", "float16") and (cpu.device, cpu.dtype) == ("cpu", "float32")
    assert on_cuda.shape == on_cpu.shape == (6, TINY_CLIP_CONFIG["embed_dim"])
    assert float(np.min(np.sum(on_cpu * on_cuda, axis=1))) > 0.99  # unit rows: cosine per image
    texts = cuda.encode_texts(["a cup of coffee", "一杯咖啡"])
    assert np.allclose(texts, cpu.encode_texts(["a cup of coffee", "一杯咖啡"]), atol=2e-2)


def test_sdxl_layout_unet_on_cuda_in_float16_matches_the_cpu() -> None:
    arch = architecture("tiny")
    on_cpu = build_random_unet("tiny", device="cpu", dtype="float32", seed=3)
    on_cuda = build_random_unet("tiny", device="cuda", dtype="float16", seed=3)
    on_cuda.load_state_dict({k: v.half() for k, v in on_cpu.state_dict().items()})  # CUDA RNG differs
    generator = torch.Generator().manual_seed(0)
    side = arch.native_size // arch.latent_scale
    latents = torch.randn(2, 4, side, side, generator=generator)
    text = torch.randn(2, arch.text_tokens, arch.unet["cross_attention_dim"], generator=generator)
    cond = {
        "text_embeds": torch.randn(2, arch.pooled_text_dim, generator=generator),
        "time_ids": torch.ones(2, 6),
    }
    with torch.inference_mode():
        expected = on_cpu(latents, 10, encoder_hidden_states=text, added_cond_kwargs=cond).sample
        got = on_cuda(
            latents.cuda().half(),
            10,
            encoder_hidden_states=text.cuda().half(),
            added_cond_kwargs={k: v.cuda().half() for k, v in cond.items()},
        ).sample
    assert got.dtype == torch.float16 and got.shape == expected.shape
    assert torch.allclose(got.float().cpu(), expected, atol=5e-2, rtol=5e-2)


def test_diffusers_generator_on_cuda_repeats_and_keeps_inpainting_pixels(tmp_path: Path) -> None:
    from PIL import ImageDraw

    from pipelines.image.config import ImageGenConfig
    from pipelines.image.diffusers_backend import DiffusersImageGenerator
    from pipelines.image.overlay import prepare_init
    from pipelines.image.random_pipeline import build_random_pipeline
    from pipelines.image.types import ImageParams, ImageRequest

    folder = build_random_pipeline(tmp_path / "tiny-sdxl", "tiny")
    generator = DiffusersImageGenerator(ImageGenConfig(model=str(folder), device="auto"))
    params = ImageParams(prompt="夏日冰咖啡", width=64, height=64, count=2, steps=3, seed=11)
    first, again = generator.generate(ImageRequest(params)), generator.generate(ImageRequest(params))
    assert (generator.device, generator.dtype) == ("cuda", "float16")
    assert [r.image.tobytes() for r in first] == [r.image.tobytes() for r in again]
    assert first[0].image.tobytes() != first[1].image.tobytes()
    product = Image.new("RGB", (64, 64), (250, 20, 20))
    mask = Image.new("L", (64, 64), 255)
    ImageDraw.Draw(mask).rectangle((16, 16, 47, 47), fill=0)
    (painted,) = generator.generate(
        ImageRequest(params.model_copy(update={"count": 1}), mode="inpaint", init=product, mask=mask)
    )
    kept = np.asarray(painted.image)[16:48, 16:48]
    assert np.array_equal(kept, np.asarray(prepare_init(product, (64, 64)))[16:48, 16:48])
    generator.close()
