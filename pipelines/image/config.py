"""Settings of the image generator (validated; no I/O here)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines import devices

MODEL_DIR_ENV = "ATELIER_MODEL_DIR"
Scheduler = Literal["default", "euler", "euler_a", "dpmpp_2m", "ddim"]


class LoraAdapter(BaseModel):
    """A LoRA/style adapter file or folder (diffusers/kohya safetensors) under the model directory."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    path: str = Field(min_length=1, description="Absolute, or relative to the model directory.")


class ImageGenConfig(BaseModel):
    """Which diffusion model to run and how."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Literal["diffusers", "fake"] = Field(
        default="diffusers",
        description="diffusers: a diffusers folder (SDXL-class or any text-to-image pipeline) from the model "
        "directory; fake: deterministic gradients for tests of the layers above.",
    )
    model: str = Field(
        default="stable-diffusion-xl-base-1.0",
        min_length=1,
        description="The pipeline folder (with model_index.json), absolute or under model_dir.",
    )
    model_dir: Path | None = Field(
        default=None, description=f"Where weights live; falls back to ${MODEL_DIR_ENV}."
    )
    device: str = Field(
        default="auto", pattern=r"^(auto|cpu|cuda(:\d+)?)$", description="cpu, cuda, cuda:N or auto."
    )
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field(
        default="auto", description="auto: float16 on CUDA, float32 on the CPU."
    )
    scheduler: Scheduler = Field(default="default", description="default keeps the folder's scheduler.")
    max_batch: int = Field(default=4, ge=1, le=16, description="Images per denoising batch.")
    adapters: tuple[LoraAdapter, ...] = Field(default=(), description="LoRA adapters requests may name.")
    vae_tiling: bool = Field(default=False, description="Decode in tiles: less memory for big images.")

    @model_validator(mode="after")
    def _unique_adapters(self) -> ImageGenConfig:
        names = [a.name for a in self.adapters]
        if len(names) != len(set(names)):
            raise ValueError(f"adapter names must be unique: {names}")
        return self

    def resolved_model_dir(self) -> Path | None:
        """``model_dir``, else ``$ATELIER_MODEL_DIR``, else None."""
        return devices.model_dir(self.model_dir)

    def resolve(self, path: str) -> Path:
        """An absolute path as is; a relative one under the model directory (or a clear error)."""
        candidate = Path(path).expanduser()
        if candidate.is_absolute():
            return candidate
        model_dir = self.resolved_model_dir()
        if model_dir is None:
            raise ValueError(
                f"{path!r} is relative but no model directory is set ({MODEL_DIR_ENV} or model_dir)"
            )
        return model_dir / candidate
