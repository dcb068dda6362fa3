"""Bench "gpu": the compute cost of full-size model architectures on this machine's accelerator.

Real weights cannot travel to a lent GPU machine, and the cost of a forward pass does not depend on the
weights' values, so each part builds a random-weight model from a published config and runs it through
the code Atelier serves with. No quality is measured here.

- ``llm``: a Qwen2.5-7B-class causal LM (bfloat16) through ``TransformersBackend``, batched decoding of
  ``new_tokens`` tokens per request: ``llm_tokens_per_s`` (one request), ``llm_batched_tokens_per_s``
  (the best batch), ``llm_peak_gib``.
- ``unet``: the SDXL UNet and VAE (float16) at 1024×1024: ``unet_steps_per_s`` (one image with
  classifier-free guidance, so a UNet batch of 2), ``images_per_s`` (the best batch, ``steps`` denoising
  steps with guidance plus the VAE decode; text encoding, a few ms, left out), ``unet_peak_gib``.
- ``diffusion``: the whole SDXL text-to-image pipeline (two text encoders, UNet, VAE decode upcast to
  float32 as SDXL's own VAE config asks) written as a diffusers folder and run through
  ``DiffusersImageGenerator`` at 1024×1024, ``steps`` steps, guidance 5: ``pipeline_seconds_per_image``
  (one image alone), ``pipeline_images_per_s`` (the best batch), ``diffusion_peak_gib``.
- ``clip``: a ViT-L/14 CLIP through ``OpenClipEncoder`` (float16), batches of ``clip_batch``:
  ``embeddings_per_s`` (PIL images in, preprocessing on the CPU included) and ``tower_embeddings_per_s``
  (preprocessed tensors: the GPU's share), ``clip_peak_gib``.

``size=tiny`` runs the same code on toy architectures (a CPU smoke test). A part that fails is reported
under ``errors`` and the others still run. The result is named after the device: ``gpu-<card>.json``.
"""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

PARTS = ("llm", "unet", "diffusion", "clip")
SIZES: dict[str, dict[str, Any]] = {
    "full": {
        "llm": "qwen2.5-7b",
        "diffusion": "sdxl",
        "clip": "ViT-L-14",
        "llm_batches": (1, 8, 32),
        "image_batches": (1, 4),
        "clip_images": 512,
    },
    "tiny": {
        "llm": "tiny",
        "diffusion": "tiny",
        "clip": "atelier-tiny-vit",
        "llm_batches": (1, 4),
        "image_batches": (1, 2),
        "clip_images": 16,
    },
}
TINY_CLIP_CONFIG: dict[str, Any] = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 64, "layers": 2, "width": 64, "patch_size": 16, "head_width": 32},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}
GIB = 1024**3


class _Device:
    """Timing and memory on one torch device (CUDA synchronises before reading the clock)."""

    def __init__(self, torch: Any, name: str) -> None:
        self.torch, self.name = torch, name
        self.cuda = name.startswith("cuda")

    def sync(self) -> None:
        if self.cuda:
            self.torch.cuda.synchronize()

    def timed(self, step: Callable[[], object], repeats: int) -> float:
        """Mean seconds of ``step`` over ``repeats`` runs, after the caller's warm-up."""
        self.sync()
        began = time.perf_counter()
        for _ in range(repeats):
            step()
        self.sync()
        return (time.perf_counter() - began) / repeats

    @contextmanager
    def peak(self, into: dict[str, Any], key: str) -> Iterator[None]:
        """Record the peak allocated GiB while the block runs (CUDA only), then free the cache."""
        if self.cuda:
            self.torch.cuda.empty_cache()
            self.torch.cuda.reset_peak_memory_stats()
        try:
            yield
        finally:
            gc.collect()
            if self.cuda:
                into[key] = round(self.torch.cuda.max_memory_allocated() / GIB, 2)
                self.torch.cuda.empty_cache()


def _llm(dev: _Device, size: dict[str, Any], new_tokens: int, out: dict[str, Any]) -> dict[str, Any]:
    from eval.benches.llm import _requests
    from pipelines.llm.config import LLMConfig
    from pipelines.llm.tiny import build_random_causal_lm, build_tiny_causal_lm
    from pipelines.llm.transformers_backend import TransformersBackend

    workdir = Path(tempfile.mkdtemp(prefix="atelier-gpu-llm-"))
    try:
        began = time.perf_counter()
        if size["llm"] == "tiny":
            folder = build_tiny_causal_lm(workdir / "model")
        else:
            folder = build_random_causal_lm(workdir / "model", size["llm"], device=dev.name)
        build_s = time.perf_counter() - began
        batches: tuple[int, ...] = size["llm_batches"]
        config = LLMConfig(
            backend="transformers", model=str(folder), device=dev.name, n_parallel=max(batches), n_ctx=4096
        )
        llm = TransformersBackend(config)
        with dev.peak(out, "llm_peak_gib"):
            began = time.perf_counter()
            llm.load()
            load_s = time.perf_counter() - began
            llm.chat(_requests(2, 8))  # warm-up
            rows: dict[str, dict[str, float]] = {}
            for batch in batches:
                began = time.perf_counter()
                results = llm.chat(_requests(batch, new_tokens))
                seconds = time.perf_counter() - began
                tokens = sum(r.completion_tokens for r in results)
                rows[str(batch)] = {"seconds": round(seconds, 3), "tokens_per_s": round(tokens / seconds, 1)}
            llm.close()
        out["llm_tokens_per_s"] = rows[str(batches[0])]["tokens_per_s"]
        out["llm_batched_tokens_per_s"] = max(r["tokens_per_s"] for r in rows.values())
        return {
            "model": f"random:{size['llm']}",
            "dtype": llm.dtype,
            "new_tokens": new_tokens,
            "build_seconds": round(build_s, 1),
            "load_seconds": round(load_s, 1),
            "by_batch": rows,
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _time_batch(dev: _Device, unet: Any, vae: Any, arch: Any, images: int, steps: int) -> dict[str, float]:
    """One batch of ``images``: mean UNet step (guidance doubles the rows) and VAE decode, in ms."""
    torch = dev.torch
    side = arch.native_size // arch.latent_scale
    kw = {"device": dev.name, "dtype": unet.dtype}
    batch = 2 * images  # classifier-free guidance: conditional and unconditional rows
    latents = torch.randn(batch, unet.config.in_channels, side, side, **kw)
    text = torch.randn(batch, arch.text_tokens, unet.config.cross_attention_dim, **kw)
    size_ids = [arch.native_size] * 2 + [0, 0] + [arch.native_size] * 2  # original, crop, target
    cond = {
        "text_embeds": torch.randn(batch, arch.pooled_text_dim, **kw),
        "time_ids": torch.tensor([size_ids] * batch, **kw),
    }
    timestep = torch.tensor(500, device=dev.name)
    decode_in = torch.randn(images, vae.config.latent_channels, side, side, **kw)

    def step() -> object:
        return unet(latents, timestep, encoder_hidden_states=text, added_cond_kwargs=cond).sample

    def decode() -> object:
        return vae.decode(decode_in / vae.config.scaling_factor).sample

    with torch.inference_mode():
        step(), decode()  # warm-up: kernels chosen, memory pools grown
        step_s = dev.timed(step, 10 if dev.cuda else 2)
        decode_s = dev.timed(decode, 3 if dev.cuda else 1)
    image_s = steps * step_s + decode_s
    return {
        "unet_step_ms": round(step_s * 1000, 2),
        "vae_decode_ms": round(decode_s * 1000, 2),
        "seconds_per_batch": round(image_s, 3),
        "images_per_s": round(images / image_s, 3),
    }


def _unet(dev: _Device, size: dict[str, Any], steps: int, out: dict[str, Any]) -> dict[str, Any]:
    from pipelines.image.architectures import architecture, build_random_unet, build_random_vae

    arch = architecture(size["diffusion"])
    dtype = "float16" if dev.cuda else "float32"
    with dev.peak(out, "unet_peak_gib"):
        unet = build_random_unet(arch.name, device=dev.name, dtype=dtype)
        vae = build_random_vae(arch.name, device=dev.name, dtype=dtype)
        params = sum(p.numel() for p in unet.parameters())
        rows = {str(n): _time_batch(dev, unet, vae, arch, n, steps) for n in size["image_batches"]}
        del unet, vae
    out["unet_steps_per_s"] = round(1000 / rows[str(size["image_batches"][0])]["unet_step_ms"], 2)
    out["images_per_s"] = max(r["images_per_s"] for r in rows.values())
    return {
        "architecture": arch.name,
        "unet_parameters": params,
        "dtype": dtype,
        "resolution": arch.native_size,
        "steps": steps,
        "guidance": "classifier-free (UNet batch = 2 × images)",
        "by_batch": rows,
    }


def _diffusion(dev: _Device, size: dict[str, Any], steps: int, out: dict[str, Any]) -> dict[str, Any]:
    """The whole text-to-image pipeline through ``DiffusersImageGenerator``, from a weights folder."""
    from pipelines.image.architectures import architecture
    from pipelines.image.config import ImageGenConfig
    from pipelines.image.diffusers_backend import DiffusersImageGenerator
    from pipelines.image.random_pipeline import build_random_pipeline
    from pipelines.image.types import ImageParams, ImageRequest

    arch = architecture(size["diffusion"])
    dtype: Literal["float16", "float32"] = "float16" if dev.cuda else "float32"
    side = max(64, arch.native_size)
    batches: tuple[int, ...] = size["image_batches"]
    workdir = Path(tempfile.mkdtemp(prefix="atelier-gpu-diffusion-"))
    try:
        began = time.perf_counter()
        folder = build_random_pipeline(workdir / arch.name, arch.name, dtype=dtype, device=dev.name)
        build_s = time.perf_counter() - began
        rows: dict[str, dict[str, float]] = {}
        with dev.peak(out, "diffusion_peak_gib"):
            config = ImageGenConfig(model=str(folder), device=dev.name, dtype=dtype, max_batch=max(batches))
            generator = DiffusersImageGenerator(config)
            began = time.perf_counter()
            generator.load()
            load_s = time.perf_counter() - began

            def params(count: int, steps: int) -> ImageParams:
                return ImageParams(
                    prompt="夏日冰咖啡海报, iced coffee on a sunny table, product photo",
                    negative_prompt="低质量, 文字, watermark",
                    width=side,
                    height=side,
                    count=count,
                    steps=steps,
                    guidance=5.0,
                )

            generator.generate(ImageRequest(params(1, 2)))  # warm-up
            for count in batches:
                dev.sync()
                began = time.perf_counter()
                images = generator.generate(ImageRequest(params(count, steps)))
                dev.sync()
                seconds = time.perf_counter() - began
                rows[str(count)] = {
                    "seconds": round(seconds, 3),
                    "images_per_s": round(len(images) / seconds, 3),
                }
            generator.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    out["pipeline_seconds_per_image"] = rows[str(batches[0])]["seconds"]
    out["pipeline_images_per_s"] = max(r["images_per_s"] for r in rows.values())
    return {
        "pipeline": f"random:{arch.name} (StableDiffusionXLPipeline from a folder)",
        "dtype": dtype,
        "resolution": side,
        "steps": steps,
        "guidance": 5.0,
        "build_seconds": round(build_s, 1),
        "load_seconds": round(load_s, 1),
        "by_batch": rows,
    }


def _tiny_clip_arch() -> str:
    import open_clip

    name = SIZES["tiny"]["clip"]
    if open_clip.get_model_config(name) is None:
        folder = Path(tempfile.mkdtemp(prefix="atelier-clip-arch-"))
        (folder / f"{name}.json").write_text(json.dumps(TINY_CLIP_CONFIG), encoding="utf-8")
        open_clip.add_model_config(folder)
    return str(name)


def _clip(dev: _Device, size: dict[str, Any], clip_batch: int, out: dict[str, Any]) -> dict[str, Any]:
    import numpy as np
    from PIL import Image

    from pipelines.vision.config import VisionConfig
    from pipelines.vision.open_clip_backend import OpenClipEncoder

    torch = dev.torch
    model = _tiny_clip_arch() if size["clip"] == SIZES["tiny"]["clip"] else size["clip"]
    rng = np.random.default_rng(0)
    count = int(size["clip_images"])
    images = [Image.fromarray(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)) for _ in range(count)]
    with dev.peak(out, "clip_peak_gib"):
        torch.manual_seed(0)
        config = VisionConfig(
            backend="open_clip",
            model=model,
            allow_random_weights=True,
            device=dev.name,
            batch_size=clip_batch,
        )
        encoder = OpenClipEncoder(config)
        began = time.perf_counter()
        encoder.load()
        load_s = time.perf_counter() - began
        encoder.encode_images(images[:clip_batch])  # warm-up
        dev.sync()
        began = time.perf_counter()
        rows = encoder.encode_images(images)
        end_to_end_s = time.perf_counter() - began
        side = int(encoder._model.visual.image_size[0])
        pixels = torch.randn(clip_batch, 3, side, side)
        tower_s = dev.timed(lambda: encoder.encode_pixels(pixels), 10 if dev.cuda else 2)
    out["embeddings_per_s"] = round(count / end_to_end_s, 1)
    out["tower_embeddings_per_s"] = round(clip_batch / tower_s, 1)
    return {
        "model": f"open_clip:{model} (random weights)",
        "dtype": encoder.dtype,
        "dim": int(rows.shape[1]),
        "images": count,
        "batch": clip_batch,
        "image_size": side,
        "load_seconds": round(load_s, 1),
        "preprocess": f"open_clip transforms on the CPU, {min(os.cpu_count() or 1, 8)} threads",
    }


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def run(
    size: str = "full",
    parts: str = ",".join(PARTS),
    device: str = "auto",
    new_tokens: int | str = 128,
    steps: int | str = 30,
    clip_batch: int | str = 64,
) -> dict[str, Any]:
    """Run the chosen parts on ``device`` (auto: CUDA, else an error unless ``size=tiny``)."""
    import torch

    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    chosen = [p.strip() for p in str(parts).split(",") if p.strip()]
    unknown = sorted(set(chosen) - set(PARTS))
    if unknown or not chosen:
        raise ValueError(f"unknown parts {unknown or chosen}; known: {', '.join(PARTS)}")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError("bench gpu: CUDA asked for, but torch sees no CUDA device")
    if size == "full" and not device.startswith("cuda"):
        raise RuntimeError(
            "bench gpu size=full needs a CUDA device (7 B LLM, SDXL UNet); run it on the GPU machine, "
            "or use -o size=tiny for a CPU smoke run of the same code"
        )
    dev = _Device(torch, device)
    card = torch.cuda.get_device_name(torch.device(device)) if dev.cuda else "cpu"
    metrics: dict[str, Any] = {}
    details: dict[str, Any] = {}
    errors: dict[str, str] = {}
    runners: dict[str, Callable[[], dict[str, Any]]] = {
        "llm": lambda: _llm(dev, SIZES[size], int(new_tokens), metrics),
        "unet": lambda: _unet(dev, SIZES[size], int(steps), metrics),
        "diffusion": lambda: _diffusion(dev, SIZES[size], int(steps), metrics),
        "clip": lambda: _clip(dev, SIZES[size], int(clip_batch), metrics),
    }
    for part in chosen:
        began = time.perf_counter()
        try:
            details[part] = runners[part]()
        except Exception as exc:  # noqa: BLE001 - one part's failure is reported; the others still run
            errors[part] = f"{type(exc).__name__}: {exc}"
        details.setdefault(part, {})["seconds"] = round(time.perf_counter() - began, 1)
    name = "gpu" if size == "full" else f"gpu-{size}"
    if sorted(chosen) != sorted(PARTS):  # a partial run does not overwrite the full result
        name += "-" + "-".join(chosen)
    return {
        "metrics": metrics,
        "result_name": f"{name}-{_slug(card)}",
        "device": card,
        "size": size,
        "parts": details,
        "errors": errors,
        "torch": str(torch.__version__),
        "cuda": str(torch.version.cuda) if dev.cuda else None,
        "cpu_count": os.cpu_count(),
        "random_weights": True,
    }
