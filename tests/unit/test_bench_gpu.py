"""Bench "gpu" on toy architectures (its CPU smoke run), the diffusion presets and open_clip placement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from pydantic import ValidationError

from eval import harness
from pipelines.image.architectures import ARCHITECTURES, architecture, build_random_unet
from pipelines.vision.config import VisionConfig
from pipelines.vision.open_clip_backend import placement
from pipelines.vision.protocol import VisionError


def test_tiny_run_measures_every_part_through_the_serving_code(tmp_path: Path) -> None:
    result = harness.run(
        "bench", "gpu", results_dir=tmp_path, options={"size": "tiny", "new_tokens": "4", "steps": "2"}
    )
    assert result["errors"] == {} and result["device"] == "cpu" and result["random_weights"] is True
    metrics = result["metrics"]
    for key in (
        "llm_tokens_per_s",
        "llm_batched_tokens_per_s",
        "unet_steps_per_s",
        "images_per_s",
        "pipeline_images_per_s",
    ):
        assert metrics[key] > 0, key
    assert metrics["embeddings_per_s"] > 0 and metrics["tower_embeddings_per_s"] > 0
    assert set(result["parts"]["unet"]["by_batch"]) == {"1", "2"}
    assert result["parts"]["clip"]["dim"] == 32 and result["parts"]["llm"]["model"] == "random:tiny"
    assert (tmp_path / "gpu-tiny-cpu.json").is_file()  # named after the device


def test_full_size_needs_cuda_and_bad_options_are_named() -> None:
    from eval.benches import gpu

    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="needs a CUDA device"):
            gpu.run()
        with pytest.raises(RuntimeError, match="no CUDA device"):
            gpu.run(size="tiny", device="cuda")
    with pytest.raises(ValueError, match="unknown parts"):
        gpu.run(size="tiny", parts="llm,vae")
    with pytest.raises(ValueError, match="size must be one of"):
        gpu.run(size="huge")


def test_a_failing_part_is_reported_and_the_others_still_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from eval.benches import gpu

    def broken(*_: object) -> dict[str, object]:
        raise MemoryError("out of memory")

    monkeypatch.setattr(gpu, "_llm", broken)
    outcome = gpu.run(size="tiny", parts="llm,unet", steps=1)
    assert outcome["errors"] == {"llm": "MemoryError: out of memory"}
    assert outcome["metrics"]["unet_steps_per_s"] > 0 and "llm_tokens_per_s" not in outcome["metrics"]


def test_sdxl_preset_has_the_published_parameter_counts() -> None:
    import diffusers

    sdxl = architecture("sdxl")
    untyped: Any = diffusers
    with torch.device("meta"):  # shapes only, no memory
        unet = untyped.UNet2DConditionModel(**sdxl.unet)
        vae = untyped.AutoencoderKL(**sdxl.vae)
    assert sum(p.numel() for p in unet.parameters()) == 2_567_463_684
    assert sum(p.numel() for p in vae.parameters()) == 83_653_863
    assert sdxl.latent_scale == 8 and sdxl.native_size // sdxl.latent_scale == 128
    with pytest.raises(ValueError, match="known: sdxl, tiny"):
        architecture("sd3")
    assert set(ARCHITECTURES) == {"sdxl", "tiny"}


def test_random_unet_is_seeded_and_built_in_the_asked_dtype() -> None:
    first = build_random_unet("tiny", seed=5, dtype="bfloat16")
    again = build_random_unet("tiny", seed=5, dtype="bfloat16")
    other = build_random_unet("tiny", seed=6, dtype="bfloat16")
    weights = [next(iter(m.parameters())) for m in (first, again, other)]
    assert all(w.dtype == torch.bfloat16 for w in weights)
    assert torch.equal(weights[0], weights[1]) and not torch.equal(weights[0], weights[2])
    assert torch.get_default_dtype() == torch.float32  # restored after the build


def test_open_clip_placement() -> None:
    assert placement(torch, "cpu", "auto") == ("cpu", "float32")
    assert placement(torch, "cpu", "bfloat16") == ("cpu", "bfloat16")
    if not torch.cuda.is_available():
        assert placement(torch, "auto", "auto") == ("cpu", "float32")
        with pytest.raises(VisionError, match="no CUDA device"):
            placement(torch, "cuda:0", "auto")
    for bad in ("gpu", "cuda:x", "tpu"):
        with pytest.raises(ValidationError):
            VisionConfig(backend="open_clip", model="ViT-B-32", device=bad)
