"""Diffusion through ``diffusers``: text-to-image, image-to-image and inpainting from one weights folder.

The folder (``model_index.json`` layout: SDXL-class or any text-to-image pipeline diffusers knows) comes
from the model directory only; nothing is downloaded (``local_files_only``). Image-to-image and inpainting
pipelines are derived from the loaded one with ``from_pipe`` and share its weights. Image ``i`` of a
request is seeded ``seed + i`` with a CPU generator, so a request repeats on any device. LoRA adapters
named in the config load once; a request picks which apply and at what weight.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from pipelines import devices
from pipelines.base import LoadOnce, MissingDependency
from pipelines.image.config import ImageGenConfig
from pipelines.image.overlay import keep_unmasked, prepare_init, prepare_mask
from pipelines.image.protocol import ImageGenError, ModelNotAvailable
from pipelines.image.types import AdapterWeight, GeneratedImage, GenerationMode, ImageRequest

log = logging.getLogger(__name__)

SCHEDULERS = {
    "euler": "EulerDiscreteScheduler",
    "euler_a": "EulerAncestralDiscreteScheduler",
    "dpmpp_2m": "DPMSolverMultistepScheduler",
    "ddim": "DDIMScheduler",
}


class DiffusersImageGenerator(LoadOnce):
    """A diffusers pipeline folder behind the ``ImageGenerator`` protocol."""

    def __init__(self, config: ImageGenConfig | None = None) -> None:
        super().__init__()
        self.config = config or ImageGenConfig()
        try:
            self.folder = self.config.resolve(self.config.model)
        except ValueError as exc:
            raise ModelNotAvailable(str(exc)) from None
        self.name = f"diffusers:{self.folder.name}"
        self.native_size = 1024
        self.device = "cpu"
        """Where the pipeline runs once loaded."""
        self.dtype = "float32"
        self._torch: Any = None
        self._pipes: dict[GenerationMode, Any] = {}
        self._run_lock = threading.Lock()
        self._adapters: list[str] = []

    def _load_name(self) -> str:
        return f"image generator {self.name}"

    def _load(self) -> None:
        if not (self.folder / "model_index.json").is_file():
            raise ModelNotAvailable(
                f"no diffusers pipeline at {self.folder} (model_index.json missing); nothing is downloaded: "
                "copy the model folder under the model directory"
            )
        try:
            import diffusers
            import torch
        except ImportError as exc:
            raise MissingDependency("the diffusers backend needs `pip install diffusers torch`") from exc
        try:
            device, dtype = devices.placement(torch, self.config.device, self.config.dtype)
        except devices.DeviceUnavailable as exc:
            raise ImageGenError(str(exc)) from None
        try:
            pipe = diffusers.AutoPipelineForText2Image.from_pretrained(
                self.folder, dtype=getattr(torch, dtype), local_files_only=True
            )
        except (OSError, ValueError, KeyError) as exc:
            raise ModelNotAvailable(f"cannot load a diffusion pipeline from {self.folder}: {exc}") from exc
        if self.config.scheduler != "default":
            scheduler_cls = getattr(diffusers, SCHEDULERS[self.config.scheduler])
            pipe.scheduler = scheduler_cls.from_config(pipe.scheduler.config)
        pipe = pipe.to(device)
        pipe.set_progress_bar_config(disable=True)
        if self.config.vae_tiling:
            pipe.vae.enable_tiling()
        self._load_adapters(pipe)
        unet = getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)
        sample = getattr(getattr(unet, "config", None), "sample_size", None)
        scale = getattr(pipe, "vae_scale_factor", 8)
        if isinstance(sample, int):
            self.native_size = sample * scale
        self._torch, self.device, self.dtype = torch, device, dtype
        self._pipes = {"text": pipe}

    def _load_adapters(self, pipe: Any) -> None:
        for adapter in self.config.adapters:
            try:
                path = self.config.resolve(adapter.path)
            except ValueError as exc:
                raise ModelNotAvailable(f"adapter {adapter.name!r}: {exc}") from None
            if not path.exists():
                raise ModelNotAvailable(f"adapter {adapter.name!r}: no file or folder at {path}")
            try:
                pipe.load_lora_weights(str(path), adapter_name=adapter.name)
            except (OSError, ValueError, KeyError, RuntimeError) as exc:
                raise ModelNotAvailable(f"adapter {adapter.name!r} at {path} does not load: {exc}") from exc
            self._adapters.append(adapter.name)

    def _pipe(self, mode: GenerationMode) -> Any:
        if mode not in self._pipes:
            import diffusers

            factory = {
                "image": diffusers.AutoPipelineForImage2Image,
                "inpaint": diffusers.AutoPipelineForInpainting,
            }[mode]
            try:
                derived = factory.from_pipe(self._pipes["text"])
            except (ValueError, KeyError) as exc:
                raise ImageGenError(f"{self.name} has no {mode} pipeline: {exc}") from exc
            derived.set_progress_bar_config(disable=True)
            self._pipes[mode] = derived
        return self._pipes[mode]

    def _apply_adapters(self, pipe: Any, wanted: Sequence[AdapterWeight]) -> None:
        unknown = sorted({a.name for a in wanted} - set(self._adapters))
        if unknown:
            known = ", ".join(self._adapters) or "none configured"
            raise ImageGenError(f"unknown adapters {unknown}; known: {known}")
        if not self._adapters:
            return
        if not wanted:
            pipe.disable_lora()
            return
        pipe.enable_lora()
        pipe.set_adapters([a.name for a in wanted], adapter_weights=[a.weight for a in wanted])

    def generate(self, request: ImageRequest) -> list[GeneratedImage]:
        """``count`` images in batches of ``max_batch``, seeds ``seed``, ``seed + 1``…"""
        self.load()
        params = request.params
        pipe = self._pipe(request.mode)
        torch = self._torch
        out: list[GeneratedImage] = []
        with self._run_lock:
            self._apply_adapters(pipe, params.adapters)
            for start in range(0, params.count, self.config.max_batch):
                size = min(self.config.max_batch, params.count - start)
                seeds = [params.seed + start + i for i in range(size)]
                began = time.perf_counter()
                kwargs = self._call_kwargs(request, size)
                kwargs["generator"] = [torch.Generator("cpu").manual_seed(s) for s in seeds]
                try:
                    with torch.inference_mode():
                        images = pipe(**kwargs).images
                except torch.cuda.OutOfMemoryError as exc:
                    raise ImageGenError(
                        f"out of GPU memory at {size} images of {params.width}×{params.height}: lower "
                        "max_batch or the size, or enable vae_tiling"
                    ) from exc
                if request.mode == "inpaint":  # the VAE round trip blurs kept pixels: put them back
                    assert request.init is not None and request.mask is not None
                    images = [keep_unmasked(image, request.init, request.mask) for image in images]
                share = (time.perf_counter() - began) / size
                out += [
                    GeneratedImage(
                        image=image,
                        seed=seed,
                        index=start + i,
                        mode=request.mode,
                        model=self.name,
                        seconds=share,
                        adapters=params.adapters,
                    )
                    for i, (image, seed) in enumerate(zip(images, seeds, strict=True))
                ]
        return out

    def _call_kwargs(self, request: ImageRequest, size: int) -> dict[str, Any]:
        params = request.params
        kwargs: dict[str, Any] = {
            "prompt": [params.prompt] * size,
            "negative_prompt": [params.negative_prompt] * size if params.negative_prompt else None,
            "num_inference_steps": params.steps,
            "guidance_scale": params.guidance,
            "output_type": "pil",
        }
        target = (params.width, params.height)
        if request.mode == "text":
            kwargs.update(width=params.width, height=params.height)
            return kwargs
        assert request.init is not None  # ImageRequest checks it
        kwargs["image"] = prepare_init(request.init, target)
        kwargs["strength"] = params.strength
        if request.mode == "inpaint":
            assert request.mask is not None
            kwargs["mask_image"] = prepare_mask(request.mask, target)
            kwargs.update(width=params.width, height=params.height)
        return kwargs

    def close(self) -> None:
        """Drop the pipelines and free GPU memory."""
        with self._run_lock:
            self._pipes = {}
            if self._torch is not None and self.device.startswith("cuda"):
                self._torch.cuda.empty_cache()
